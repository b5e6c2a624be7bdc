import { ConfigError } from './config.ts';

/** The exit code of a process refused by its configuration (sysexits EX_CONFIG). */
export const CONFIG_EXIT_CODE = 78;

/**
 * Ends a process that cannot run as configured — invalid variables, no master key in cluster mode,
 * a master key other than the data's — with the problem on stderr and exit code 78, so supervisors
 * show the reason instead of restarting it in a loop.
 */
export function exitOnConfigError(error: ConfigError): never {
  process.stderr.write(`${error.message}\n`);
  process.exit(CONFIG_EXIT_CODE);
}

/** Entry points' last catch: configuration errors exit 78, anything else 1 with its stack. */
export function exitOnStartFailure(what: string, error: unknown): never {
  if (error instanceof ConfigError) exitOnConfigError(error);
  process.stderr.write(`${what} failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
