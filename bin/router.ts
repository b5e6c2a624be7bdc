/** Cluster mode: the router process, every function behind one port. Configured only by env. */
import { domain } from '../functions/domain.ts';
import { functions } from '../routes.ts';
import { serveFunctions } from '../runtime/entries/node-server.ts';
import { exitOnStartFailure } from '../runtime/fatal.ts';

serveFunctions(domain, functions, 'router').catch((error: unknown) => exitOnStartFailure('router', error));
