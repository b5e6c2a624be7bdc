import type { Caller, Services } from '../context.ts';
import type { Logger } from '../logger.ts';

/** Hono context variables every middleware and handler can rely on. */
export interface HttpEnv {
  Variables: {
    requestId: string;
    log: Logger;
    services: Services;
    caller: Caller;
  };
}
