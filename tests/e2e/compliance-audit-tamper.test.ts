import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JWK } from 'jose';
import { createStore } from '../../infra/store/index.ts';
import type { StorePort } from '../../infra/store/port.ts';
import { loadConfig } from '../../runtime/config.ts';
import { linkId, links, nextLink, type AuditLink } from '../../functions/audit/audit-chain.ts';
import { auditIndexes } from '../../functions/audit/audit-indexes.ts';
import { verifyChain } from '../../functions/audit/chain-verify.ts';
import { auditRecord, buildChain, testSigner } from '../support/audit-chains.ts';
import { engineEnv } from '../support/local-platform.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * Tampering with the audit chain by writing to the store directly, as an attacker with database
 * access would: every kind of change is reported by verify, naming the first bad record. Runs on
 * the embedded store, and on MongoDB/FerretDB under test:infra (CAAS_E2E_ENGINES=1).
 */
const dirs = useTempDirs();
let store: StorePort;
let keys: JWK[];
let signer: Awaited<ReturnType<typeof testSigner>>;
const LENGTH = 30;
const EVERY = 10;

beforeAll(async () => {
  const env = engineEnv();
  store = await createStore(loadConfig({ ...env, CAAS_DATA_DIR: dirs.makeSync('caas-audit-'), MONGO_DB: `caas_audit_${randomBytes(4).toString('hex')}` }));
  await store.ping(); // capabilities are exact once the server answered
  for (const { collection, specs } of auditIndexes) await store.ensureIndexes(collection, specs);
  signer = await testSigner();
  keys = [signer.publicJwk];
});

afterAll(async () => {
  await store.dropCollections('audit_');
  await store.close();
});

async function freshChain(): Promise<{ appId: string; chain: AuditLink[] }> {
  const appId = `app_${randomBytes(6).toString('hex')}`;
  return { appId, chain: await buildChain(store, appId, LENGTH, { signer, checkpointEvery: EVERY }) };
}

/** Moves a link to another seq (its _id names the seq, so it is deleted and written again). */
async function renumber(link: AuditLink, seq: number): Promise<void> {
  await links(store).deleteOne({ _id: link._id });
  await links(store).insertOne({ ...link, _id: linkId(link.appId, seq), seq });
}

describe('audit chain verification against direct store writes', () => {
  it('passes a clean chain, whole or in a range', async () => {
    const { appId } = await freshChain();
    expect(await verifyChain(store, appId, { keys })).toEqual({ ok: true, checked: LENGTH });
    expect(await verifyChain(store, appId, { keys, from: 5, to: 8 })).toEqual({ ok: true, checked: 4 });
  });

  it('names a modified record', async () => {
    const { appId, chain } = await freshChain();
    await links(store).updateOne({ _id: chain[11]!._id }, { $set: { 'record.action': 'users.delete' } });
    expect(await verifyChain(store, appId, { keys })).toMatchObject({ ok: false, firstBad: 12, checked: 11, reason: expect.stringMatching(/^modified/) });
  });

  it('names a deleted record', async () => {
    const { appId, chain } = await freshChain();
    await links(store).deleteOne({ _id: chain[11]!._id });
    expect(await verifyChain(store, appId, { keys })).toMatchObject({ ok: false, firstBad: 12, reason: expect.stringMatching(/^deleted/) });
  });

  it('names an inserted record, even one with a well-formed hash', async () => {
    const { appId, chain } = await freshChain();
    for (const link of chain.slice(11).reverse()) await renumber(link, link.seq + 1);
    await links(store).insertOne(nextLink(appId, { seq: 11, hash: chain[10]!.hash }, auditRecord(appId, 999)));
    expect(await verifyChain(store, appId, { keys })).toMatchObject({ ok: false, firstBad: 12, reason: expect.stringMatching(/^inserted/) });
  });

  it('names reordered records', async () => {
    const { appId, chain } = await freshChain();
    const [twelve, thirteen] = [chain[11]!, chain[12]!];
    await links(store).deleteMany({ _id: { $in: [twelve._id, thirteen._id] } });
    await links(store).insertMany([
      { ...thirteen, _id: twelve._id, seq: 12 },
      { ...twelve, _id: thirteen._id, seq: 13 },
    ]);
    expect(await verifyChain(store, appId, { keys })).toMatchObject({ ok: false, firstBad: 12, reason: expect.stringMatching(/^relinked/) });
  });

  it('names the first missing record of a truncated chain (a signed checkpoint lies beyond its end)', async () => {
    const { appId } = await freshChain();
    await links(store).deleteMany({ appId, seq: { $gte: 25 } });
    expect(await verifyChain(store, appId, { keys })).toMatchObject({ ok: false, checked: 24, firstBad: 25, reason: expect.stringMatching(/^truncated/) });
  });

  it('names a forked record (one linking to an older record than its predecessor)', async () => {
    const { appId, chain } = await freshChain();
    await links(store).insertOne(nextLink(appId, { seq: LENGTH, hash: chain[LENGTH - 2]!.hash }, auditRecord(appId, 777)));
    expect(await verifyChain(store, appId, { keys })).toMatchObject({ ok: false, firstBad: LENGTH + 1, reason: expect.stringMatching(/^forked/) });
  });

  it('catches a consistently recomputed branch through the signed checkpoints', async () => {
    const { appId, chain } = await freshChain();
    await links(store).deleteMany({ appId, seq: { $gte: 15 } });
    await buildChain(store, appId, LENGTH - 14, { tail: { seq: 14, hash: chain[13]!.hash }, record: (n) => auditRecord(appId, n + 5_000) });
    expect(await verifyChain(store, appId, { keys })).toMatchObject({ ok: false, firstBad: 11, reason: expect.stringMatching(/^rewritten/) });
  });

  it('refuses a checkpoint signed by a key that is not published', async () => {
    const { appId } = await freshChain();
    const other = await testSigner();
    expect(await verifyChain(store, appId, { keys: [other.publicJwk] })).toMatchObject({ ok: false, firstBad: EVERY, reason: expect.stringMatching(/no valid signature/) });
  });

  // FerretDB v1 (atomicUpdates: false) evaluates ranges and sorts in Go over every document its
  // equalities match, here the app's whole chain per page (≈ 7 k documents/s): a 100 000-record
  // chain cannot be paged within the store's 10 s timeout, so there the same test runs on 10 000
  // records. A visible, tracked gap (docs/compliance.md).
  it('verifies a clean chain of 100 000 records (10 000 on FerretDB) with no false alarm', { timeout: 600_000 }, async () => {
    const length = store.capabilities.atomicUpdates === false ? 10_000 : 100_000;
    const appId = `app_big_${randomBytes(4).toString('hex')}`;
    await buildChain(store, appId, length, { signer, checkpointEvery: 1_000 });
    expect(await verifyChain(store, appId, { keys })).toEqual({ ok: true, checked: length });
  });
});
