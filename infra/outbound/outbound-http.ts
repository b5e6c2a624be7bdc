import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isForbiddenAddress, parseAllowlist, type Allowlist } from './address-policy.ts';

/**
 * The one HTTP client for calls to customers' URLs (webhooks, pre-send and media scan hooks),
 * guarded against server-side request forgery:
 * - http and https only, no credentials in the URL;
 * - the host is resolved once and every address it resolves to must be public
 *   (address-policy.ts) unless the allowlist names the host or the address;
 * - the connection goes to the address that was checked (no second resolution an attacker's DNS
 *   could answer differently), with the Host header and TLS server name of the URL;
 * - redirects are never followed: a 3xx is returned to the caller as it is.
 *
 * @example
 *   const outbound = createOutbound({ allowHosts: config.CAAS_OUTBOUND_ALLOW_HOSTS });
 *   const res = await outbound.post('https://hooks.example.com/chat', { body, headers, signal });
 */
export class OutboundRefusedError extends Error {
  constructor(readonly url: string, reason: string) {
    super(`refused to call ${url}: ${reason}`);
    this.name = 'OutboundRefusedError';
  }
}

export type Lookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export interface OutboundOptions {
  /** `CAAS_OUTBOUND_ALLOW_HOSTS`: comma-separated host names, addresses or CIDRs. */
  allowHosts?: string | undefined;
  /** DNS resolution; tests substitute their own. Default: the system resolver, every address. */
  lookup?: Lookup;
  /** Largest response body kept, in bytes (the rest is discarded). Default 64 KiB. */
  maxResponseBytes?: number;
}

export interface OutboundRequest {
  headers?: Record<string, string>;
  body: string;
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Outbound {
  /** Checks a URL the way a call would, without calling it: the address it would connect to. */
  resolve(url: string): Promise<{ url: URL; address: string; family: 4 | 6 }>;
  post(url: string, request: OutboundRequest): Promise<OutboundResponse>;
}

const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Syntax-only check for URLs customers register: scheme, no credentials, no literal forbidden address. */
export function checkOutboundUrl(raw: string, allowlist: Allowlist = parseAllowlist('')): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefusedError(raw, 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefusedError(raw, `scheme ${url.protocol} is not http or https`);
  if (url.username || url.password) throw new OutboundRefusedError(raw, 'credentials in the URL are not allowed');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !allowlist.allowsAddress(host) && !allowlist.allowsHost(host) && isForbiddenAddress(host)) {
    throw new OutboundRefusedError(raw, `${host} is not a public address`);
  }
  return url;
}

export function createOutbound(options: OutboundOptions = {}): Outbound {
  const allowlist = parseAllowlist(options.allowHosts);
  const lookup = options.lookup ?? systemLookup;
  const maxBytes = options.maxResponseBytes ?? 65_536;
  // Kept-alive sockets are pooled by the address connected to (and TLS server name), so a reused
  // socket always leads to an address that was checked.
  const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };

  async function resolve(raw: string): Promise<{ url: URL; address: string; family: 4 | 6 }> {
    const url = checkOutboundUrl(raw, allowlist);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const literal = isIP(host);
    const addresses = literal ? [{ address: host, family: literal }] : await lookup(host).catch((error: unknown) => {
      throw new OutboundRefusedError(raw, `${host} does not resolve (${error instanceof Error ? error.message : String(error)})`);
    });
    if (addresses.length === 0) throw new OutboundRefusedError(raw, `${host} does not resolve`);
    const hostAllowed = allowlist.allowsHost(host);
    for (const { address } of addresses) {
      if (!hostAllowed && !allowlist.allowsAddress(address) && isForbiddenAddress(address)) {
        throw new OutboundRefusedError(raw, `${host} resolves to ${address}, which is not a public address`);
      }
    }
    const first = addresses[0]!;
    return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
  }

  async function post(raw: string, request: OutboundRequest): Promise<OutboundResponse> {
    const { url, address, family } = await resolve(raw);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<OutboundResponse>((done, fail) => {
      const req = send(
        {
          host: address,
          family,
          port: url.port || (url.protocol === 'https:' ? 443 : 80),
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          servername: isIP(url.hostname) ? undefined : url.hostname,
          headers: { host: url.host, 'content-length': Buffer.byteLength(request.body), ...request.headers },
          agent: url.protocol === 'https:' ? agents.https : agents.http,
          signal: request.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          res.on('data', (chunk: Buffer) => {
            if (kept < maxBytes) chunks.push(chunk.subarray(0, maxBytes - kept));
            kept += chunk.length;
          });
          res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.end(request.body);
    });
  }

  return { resolve, post };
}
