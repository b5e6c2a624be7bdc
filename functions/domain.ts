import type { Domain } from '../runtime/context.ts';
import { credentialLookup } from './credentials.ts';
import { blobSealing } from './crypto/blob-sealing.ts';
import { Envelope } from './crypto/envelope.ts';
import { sealedStore } from './crypto/sealed-store.ts';
import { allIndexes } from './store-indexes.ts';

/**
 * What the runtime needs from the domain, passed in from the top (bin/, entries, tests) so that
 * `runtime/` never imports `functions/`: the indexes to create, the credential lookup, and the
 * sealing of the store and the local blob files (encryption at rest, functions/crypto/).
 */
export const domain: Domain = {
  indexes: allIndexes,
  credentials: credentialLookup,
  sealPorts: (ports) => {
    const envelope = new Envelope({ kms: ports.kms, store: ports.store });
    // Blob files: the local adapter seals them with the app's data key; S3 encrypts server-side (docs/encryption.md).
    return { ...ports, store: sealedStore(ports.store, envelope), blob: ports.blob.sealWith?.(blobSealing(envelope)) ?? ports.blob };
  },
};
