/** Cluster mode: the router process, every function behind one port. Configured only by env. */
import { domain } from '../functions/domain.ts';
import { functions } from '../routes.ts';
import { serveFunctions } from '../runtime/entries/node-server.ts';

serveFunctions(domain, functions, 'router').catch((error: unknown) => {
  process.stderr.write(`router failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
