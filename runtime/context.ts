import type { Ports } from '../infra/ports.ts';
import type { IndexDeclaration } from '../infra/store/port.ts';
import type { CredentialLookup } from './auth/credential-lookup.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { ReadCache } from './read-cache.ts';

/** Who is calling, resolved by the auth middleware. Every non-admin caller is bound to one app. */
export type Caller =
  | { kind: 'admin' }
  /** `onBehalfOf`: the user a server call acts as (X-On-Behalf-Of header), checked to exist in the app. */
  | { kind: 'server'; appId: string; keyId: string; onBehalfOf: string | null }
  | { kind: 'user'; appId: string; userId: string }
  | { kind: 'public' };

/** Preparing the engines at startup (indexes): retried in the background until done. */
export interface Startup {
  done: boolean;
  lastError: string | null;
  prepared: Promise<void>;
  abort(): void;
}

/** Where the process is in its life after startup: `draining` from the shutdown signal on. */
export interface Lifecycle {
  draining: boolean;
}

/** What the domain hands the runtime at startup (see functions/domain.ts). */
export interface Domain {
  indexes: IndexDeclaration[];
  credentials: CredentialLookup;
  /** Wraps the ports once at startup (the domain's encryption at rest seals the store). */
  sealPorts?: (ports: Ports) => Ports;
}

/** What every handler, worker and realtime node receives: ports, identity, logger, clock. */
export interface Services {
  ports: Ports;
  config: Config;
  clock: Clock;
  log: Logger;
  startup: Startup;
  lifecycle: Lifecycle;
  credentials: CredentialLookup;
  /** Hot reads on the request path, kept briefly and dropped everywhere on change (read-cache.ts). */
  reads: ReadCache;
}

export interface FunctionContext extends Services {
  caller: Caller;
  requestId: string;
  /** The HTTP request, for the few handlers that negotiate on headers (streams: Accept, Last-Event-ID). */
  request?: Request;
}
