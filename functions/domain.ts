import type { Domain } from '../runtime/context.ts';
import { credentialLookup } from './credentials.ts';
import { allIndexes } from './store-indexes.ts';

/**
 * What the runtime needs from the domain, passed in from the top (bin/, entries, tests) so that
 * `runtime/` never imports `functions/`: the indexes to create and the credential lookup.
 */
export const domain: Domain = { indexes: allIndexes, credentials: credentialLookup };
