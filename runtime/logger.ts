import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

/** JSON logs on stdout; the HTTP layer derives a child per request carrying `requestId`. */
export function createLogger(config: Pick<Config, 'CAAS_LOG_LEVEL'>, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level: config.CAAS_LOG_LEVEL,
    base: { service: 'caas', ...bindings },
    redact: { paths: ['req.headers.authorization', '*.token', '*.secret', '*.signingSecret'], censor: '[redacted]' },
  });
}
