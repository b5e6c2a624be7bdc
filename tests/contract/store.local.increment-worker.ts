/**
 * Child process for store.local.test.ts: opens the embedded store on the data dir it is given and
 * takes `count` numbers from a shared counter, printing them as JSON. Two of these at once prove
 * that processes sharing the file never lose or repeat an increment.
 */
import { createLocalStore } from '../../infra/store/local.ts';

const [dataDir, collection, count] = process.argv.slice(2);
const store = await createLocalStore({ dataDir: dataDir! });
const counters = store.collection(collection!);
const taken: number[] = [];
for (let i = 0; i < Number(count); i++) {
  const doc = await counters.findOneAndUpdate({ _id: 'shared' }, { $inc: { seq: 1 } }, { upsert: true });
  taken.push(doc!.seq as number);
  // Yield so the other process gets its turns at the write lock.
  if (i % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
}
await store.close();
process.stdout.write(JSON.stringify(taken));
