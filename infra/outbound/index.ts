/** Outbound HTTP to customers' URLs, guarded against SSRF; one client per process configuration. */
import type { Config } from '../../runtime/config.ts';
import { createOutbound, type Outbound } from './outbound-http.ts';

export { checkOutboundUrl, createOutbound, OutboundRefusedError, type Lookup, type Outbound, type OutboundResponse } from './outbound-http.ts';
export { parseAllowlist } from './address-policy.ts';

const clients = new WeakMap<Config, Outbound>();

export function outboundFor(config: Config): Outbound {
  let client = clients.get(config);
  if (!client) {
    client = createOutbound({ allowHosts: config.CAAS_OUTBOUND_ALLOW_HOSTS });
    clients.set(config, client);
  }
  return client;
}
