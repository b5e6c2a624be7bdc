import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AuditRecord } from '../../runtime/audit/audit-trail.ts';
import { AppError, isAppError } from '../../runtime/errors.ts';
import type { Collection, IndexDeclaration, StorePort } from '../../infra/store/port.ts';
import { canonicalJson } from './canonical-json.ts';

/**
 * The per-app audit hash chain. Link n stores the (pseudonymized) record and
 * hash(n) = SHA-256(JCS({ appId, seq, prevHash: hash(n-1), record })), hash(0) = GENESIS_HASH.
 *
 * Appending needs no transaction or atomic update, so it is correct on FerretDB too: the unique
 * (appId, seq) index referees concurrent appenders (the loser re-reads the tail and retries) and
 * the unique (appId, recordKey) index makes a redelivered record a no-op instead of a second link.
 */
export const AUDIT_LINKS = 'audit_links';
export const GENESIS_HASH = '0'.repeat(64);
/** The chain of records that belong to no app (platform admin calls without an app in the path). */
export const PLATFORM_CHAIN = '_platform';

export const AuditRecordSchema = z.object({
  at: z.number(),
  requestId: z.string(),
  appId: z.string().nullable(),
  actor: z.object({ kind: z.string(), id: z.string().nullable() }),
  action: z.string(),
  method: z.string(),
  path: z.string(),
  target: z.record(z.string(), z.string()),
  status: z.number().int(),
  outcome: z.enum(['success', 'denied', 'failure']),
});

export interface AuditLink {
  _id: string;
  appId: string;
  seq: number;
  prevHash: string;
  hash: string;
  /** SHA-256 of the canonical record: what makes a redelivered record recognisable. */
  recordKey: string;
  record: AuditRecord;
  /** Query aids derived from the record (not hashed): the record's time and target values. */
  at: number;
  resources: string[];
  [key: string]: unknown;
}

export interface ChainTail {
  seq: number;
  hash: string;
}

export const auditChainIndexes: IndexDeclaration[] = [
  {
    collection: AUDIT_LINKS,
    specs: [
      { name: 'app_seq_unique', keys: { appId: 1, seq: 1 }, unique: true },
      { name: 'app_record_unique', keys: { appId: 1, recordKey: 1 }, unique: true },
      { name: 'app_actor_seq', keys: { appId: 1, 'record.actor.id': 1, seq: 1 } },
      { name: 'app_action_seq', keys: { appId: 1, 'record.action': 1, seq: 1 } },
      { name: 'app_resources_seq', keys: { appId: 1, resources: 1, seq: 1 } },
    ],
  },
];

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function linkHash(appId: string, seq: number, prevHash: string, record: AuditRecord): string {
  return sha256Hex(canonicalJson({ appId, seq, prevHash, record }));
}

export function linkId(appId: string, seq: number): string {
  return `${appId}:${String(seq).padStart(12, '0')}`;
}

export function chainOf(record: AuditRecord): string {
  return record.appId ?? PLATFORM_CHAIN;
}

/** The link that follows `tail`; pure, so a test or benchmark can build long chains quickly. */
export function nextLink(appId: string, tail: ChainTail, record: AuditRecord): AuditLink {
  const seq = tail.seq + 1;
  return {
    _id: linkId(appId, seq),
    appId,
    seq,
    prevHash: tail.hash,
    hash: linkHash(appId, seq, tail.hash, record),
    recordKey: sha256Hex(canonicalJson(record)),
    record,
    at: record.at,
    resources: Object.values(record.target),
  };
}

export function links(store: StorePort): Collection<AuditLink> {
  return store.collection<AuditLink>(AUDIT_LINKS);
}

export const AUDIT_HEADS = 'audit_heads';

interface HeadDoc {
  _id: string;
  seq: number;
  [key: string]: unknown;
}

/**
 * The chain's last link. A per-app head document remembers a recent seq (a hint, written every
 * HEAD_EVERY appends, so it may lag); from there the tail is found by point reads on `_id`, which
 * every engine serves from its primary index (FerretDB sorts a large chain slowly).
 */
export async function readTail(store: StorePort, appId: string): Promise<ChainTail> {
  const head = await store.collection<HeadDoc>(AUDIT_HEADS).findOne({ _id: appId });
  let tail: ChainTail = { seq: 0, hash: GENESIS_HASH };
  let seq = head?.seq ?? 0;
  if (seq > 0) {
    const hinted = await links(store).findOne({ _id: linkId(appId, seq) }, { projection: { seq: 1, hash: 1 } });
    // A head ahead of the chain (the chain was cut) is ignored: the chain decides.
    if (hinted) tail = { seq: hinted.seq, hash: hinted.hash };
    else seq = 0;
  }
  for (;;) {
    const next = await links(store).findOne({ _id: linkId(appId, tail.seq + 1) }, { projection: { seq: 1, hash: 1 } });
    if (!next) return tail;
    tail = { seq: next.seq, hash: next.hash };
  }
}

/** Records a recent tail as the head hint; an older one never replaces a newer one. */
export async function noteHead(store: StorePort, appId: string, seq: number): Promise<void> {
  const heads = store.collection<HeadDoc>(AUDIT_HEADS);
  const updated = await heads.updateOne({ _id: appId, seq: { $lt: seq } }, { $set: { seq } });
  if (updated.matchedCount > 0) return;
  try {
    await heads.insertOne({ _id: appId, seq });
  } catch (error) {
    if (!isAppError(error) || error.code !== 'CONFLICT') throw error; // a newer head exists
  }
}

const MAX_ATTEMPTS = 8;
const HEAD_EVERY = 64;

/** Appends records to their app's chain, remembering each chain's tail between calls. */
export class ChainAppender {
  private readonly tails = new Map<string, ChainTail>();

  constructor(private readonly store: StorePort) {}

  /** 'appended' with the new link, or 'duplicate' when this record is already in the chain. */
  async append(record: AuditRecord): Promise<{ outcome: 'appended'; link: AuditLink } | { outcome: 'duplicate' }> {
    const appId = chainOf(record);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const tail = this.tails.get(appId) ?? (await readTail(this.store, appId));
      const link = nextLink(appId, tail, record);
      try {
        await links(this.store).insertOne(link);
        this.tails.set(appId, { seq: link.seq, hash: link.hash });
        if (link.seq % HEAD_EVERY === 0) await noteHead(this.store, appId, link.seq);
        return { outcome: 'appended', link };
      } catch (error) {
        if (!isAppError(error) || error.code !== 'CONFLICT') throw error;
        // Another appender moved the tail, or this record is a redelivery: find out which.
        this.tails.delete(appId);
        if (await links(this.store).findOne({ appId, recordKey: link.recordKey }, { projection: { _id: 1 } })) return { outcome: 'duplicate' };
      }
    }
    throw new AppError('ENGINE_UNAVAILABLE', `audit chain ${appId}: tail kept moving after ${MAX_ATTEMPTS} attempts`);
  }

  /**
   * Appends records in their order, each chain's share in one insertMany (all or nothing). When
   * that conflicts (a redelivery, or another appender moved the tail), those records are appended
   * one by one, which tells duplicates from new records. Outcomes come in input order per chain.
   */
  async appendMany(records: AuditRecord[]): Promise<Array<{ chain: string; outcome: 'appended'; link: AuditLink } | { chain: string; outcome: 'duplicate' }>> {
    const byChain = new Map<string, AuditRecord[]>();
    for (const record of records) {
      const chain = chainOf(record);
      const list = byChain.get(chain) ?? [];
      list.push(record);
      byChain.set(chain, list);
    }
    const outcomes: Array<{ chain: string; outcome: 'appended'; link: AuditLink } | { chain: string; outcome: 'duplicate' }> = [];
    for (const [chain, list] of byChain) {
      const start = this.tails.get(chain) ?? (await readTail(this.store, chain));
      let tail = start;
      const batch = list.map((record) => {
        const link = nextLink(chain, tail, record);
        tail = { seq: link.seq, hash: link.hash };
        return link;
      });
      try {
        await links(this.store).insertMany(batch);
      } catch (error) {
        if (!isAppError(error) || error.code !== 'CONFLICT') throw error;
        this.tails.delete(chain);
        for (const record of list) outcomes.push({ chain, ...(await this.append(record)) });
        continue;
      }
      this.tails.set(chain, tail);
      if (Math.floor(tail.seq / HEAD_EVERY) > Math.floor(start.seq / HEAD_EVERY)) await noteHead(this.store, chain, tail.seq);
      for (const link of batch) outcomes.push({ chain, outcome: 'appended', link });
    }
    return outcomes;
  }
}
