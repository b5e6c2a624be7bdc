/**
 * An envelope in a worker thread, on a store and master key shared with the test's thread: it
 * decrypts `sealed` (caching the data key) and answers with the text, then once more per
 * 'decrypt' message, answering with the text or the error code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Envelope } from '../../functions/crypto/index.ts';
import { LocalKms } from '../../infra/kms/local.ts';
import { createLocalStore } from '../../infra/store/local.ts';

const { dataDir, masterKey, app, sealed } = workerData as { dataDir: string; masterKey: string; app: string; sealed: string };
const store = await createLocalStore({ dataDir });
const envelope = new Envelope({ kms: new LocalKms({ masterKey, masterKeySource: 'CAAS_MASTER_KEY', store }), store, keyTtlMs: 3_600_000 });
const ref = { appId: app, collection: 'messages', docId: 'm1', field: 'text' };
const decrypt = () =>
  envelope.decrypt(ref, sealed).then(
    (text) => parentPort!.postMessage(text),
    (error: { code?: string }) => parentPort!.postMessage(error.code ?? String(error)),
  );
parentPort!.on('message', () => void decrypt());
await decrypt();
