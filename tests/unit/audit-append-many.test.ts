import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainAppender, GENESIS_HASH, linkHash, links } from '../../functions/audit/audit-chain.ts';
import { auditChainIndexes } from '../../functions/audit/audit-chain.ts';
import { LocalStore } from '../../infra/store/local.ts';
import { auditRecord } from '../support/audit-chains.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

describe('ChainAppender.appendMany: a bus batch into the audit chains', () => {
  const dirs = useTempDirs();
  let store: LocalStore;

  beforeAll(async () => {
    store = new LocalStore({ dataDir: await dirs.make('caas-audit-many-') });
    for (const { collection, specs } of auditChainIndexes) await store.ensureIndexes(collection, specs);
  });
  afterAll(() => store.close());

  async function chain(appId: string) {
    const all = await links(store).find({ appId }, { sort: { seq: 1 } });
    let prev = GENESIS_HASH;
    for (const [i, link] of all.entries()) {
      expect(link.seq).toBe(i + 1);
      expect(link.prevHash).toBe(prev);
      expect(link.hash).toBe(linkHash(appId, link.seq, prev, link.record));
      prev = link.hash;
    }
    return all.map((link) => link.record.requestId);
  }

  it('appends each app share of a batch in order, as one chain per app', async () => {
    const appender = new ChainAppender(store);
    const records = [auditRecord('app_a', 1), auditRecord('app_b', 2), auditRecord('app_a', 3), auditRecord('app_a', 4)];
    const outcomes = await appender.appendMany(records);
    expect(outcomes.map((o) => `${o.chain}:${o.outcome}`)).toEqual(['app_a:appended', 'app_a:appended', 'app_a:appended', 'app_b:appended']);
    expect(await chain('app_a')).toEqual(['req_1', 'req_3', 'req_4']);
    expect(await chain('app_b')).toEqual(['req_2']);
  });

  it('recognises a redelivered batch (also from a fresh appender) and appends only what is new', async () => {
    const appender = new ChainAppender(store); // a restarted worker: no tails in memory
    const outcomes = await appender.appendMany([auditRecord('app_a', 3), auditRecord('app_a', 4), auditRecord('app_a', 5)]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['duplicate', 'duplicate', 'appended']);
    expect(await chain('app_a')).toEqual(['req_1', 'req_3', 'req_4', 'req_5']);
  });

  it('keeps one chain dense when two appenders write batches side by side', async () => {
    const first = new ChainAppender(store);
    const second = new ChainAppender(store);
    await Promise.all([
      first.appendMany(Array.from({ length: 10 }, (_, i) => auditRecord('app_c', 100 + i))),
      second.appendMany(Array.from({ length: 10 }, (_, i) => auditRecord('app_c', 200 + i))),
    ]);
    expect(await chain('app_c')).toHaveLength(20);
  });
});
