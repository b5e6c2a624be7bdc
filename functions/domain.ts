import type { Domain } from '../runtime/context.ts';
import { credentialLookup } from './credentials.ts';
import { Envelope } from './crypto/envelope.ts';
import { sealedStore } from './crypto/sealed-store.ts';
import { allIndexes } from './store-indexes.ts';

/**
 * What the runtime needs from the domain, passed in from the top (bin/, entries, tests) so that
 * `runtime/` never imports `functions/`: the indexes to create, the credential lookup, and the
 * sealing of the store (encryption at rest, functions/crypto/sealed-fields.ts).
 */
export const domain: Domain = {
  indexes: allIndexes,
  credentials: credentialLookup,
  sealPorts: (ports) => ({ ...ports, store: sealedStore(ports.store, new Envelope({ kms: ports.kms, store: ports.store })) }),
};
