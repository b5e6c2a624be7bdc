import type { JWK } from 'jose';
import type { StorePort } from '../../infra/store/port.ts';
import { GENESIS_HASH, linkHash, linkId, links, type AuditLink } from './audit-chain.ts';
import { checkpoints, verifyCheckpoint, type CheckpointDoc } from './checkpoints.ts';

/**
 * Walks a chain in seq order and names the first record that is not what was appended:
 * modified (its hash no longer matches), deleted (a seq missing), inserted (the next record links
 * past it), forked (it links to an older record than its predecessor), reordered or otherwise
 * relinked (its prevHash is not its predecessor's hash), rewritten (a signed checkpoint disagrees:
 * the chain was recomputed after the last checkpoint that still matches), truncated (a signed
 * checkpoint lies beyond the chain's end).
 */
export interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBad?: number;
  reason?: string;
}

export interface VerifyOptions {
  from?: number;
  to?: number;
  /** Public keys checkpoints must verify with (the published JWKS). */
  keys: JWK[];
  pageSize?: number;
}

type Verdict = { bad: number; reason: string } | null;

function judgeLink(link: AuditLink, expectedSeq: number, prev: string, prevPrev: string | null): Verdict {
  if (link.seq !== expectedSeq) return { bad: expectedSeq, reason: `deleted: record ${expectedSeq} is missing (the next one is ${link.seq})` };
  if (link._id !== linkId(link.appId, link.seq)) return { bad: link.seq, reason: `relinked: record ${link.seq} is stored under another position` };
  const intact = linkHash(link.appId, link.seq, link.prevHash, link.record) === link.hash;
  if (link.prevHash === prev) return intact ? null : { bad: link.seq, reason: `modified: record ${link.seq} does not match its hash` };
  if (prevPrev !== null && link.prevHash === prevPrev) {
    // It skips its predecessor: either the predecessor was slipped in (this original record was
    // renumbered, so its own hash no longer matches) or this record branches off an older one.
    return intact
      ? { bad: link.seq, reason: `forked: record ${link.seq} links to record ${link.seq - 2}, not to its predecessor` }
      : { bad: link.seq - 1, reason: `inserted: record ${link.seq - 1} is not part of the chain (record ${link.seq} links past it)` };
  }
  return { bad: link.seq, reason: `relinked: record ${link.seq} does not link to record ${link.seq - 1} (reordered or replaced)` };
}

async function judgeCheckpoint(checkpoint: CheckpointDoc, link: AuditLink, keys: JWK[], lastGood: number): Promise<Verdict> {
  let signed;
  try {
    signed = await verifyCheckpoint(checkpoint.jws, keys);
  } catch (error) {
    return { bad: checkpoint.seq, reason: `checkpoint at record ${checkpoint.seq} has no valid signature (${(error as Error).message})` };
  }
  if (signed.appId !== link.appId || signed.seq !== link.seq) return { bad: checkpoint.seq, reason: `checkpoint at record ${checkpoint.seq} signs another position` };
  if (signed.hash === link.hash) return null;
  return { bad: lastGood + 1, reason: `rewritten: the checkpoint signed at record ${link.seq} disagrees; the chain was recomputed after record ${lastGood}` };
}

export async function verifyChain(store: StorePort, appId: string, options: VerifyOptions): Promise<VerifyResult> {
  const from = Math.max(1, options.from ?? 1);
  const to = options.to ?? Number.MAX_SAFE_INTEGER;
  const pageSize = options.pageSize ?? 2_000;
  const signed = new Map<number, CheckpointDoc>();
  for (const checkpoint of await checkpoints(store).find({ appId, seq: { $gte: from, $lte: to } }, { sort: { seq: 1 } })) {
    signed.set(checkpoint.seq, checkpoint);
  }

  let prev = GENESIS_HASH;
  let prevPrev: string | null = null;
  if (from > 1) {
    const anchor = await links(store).findOne({ _id: linkId(appId, from - 1) });
    if (!anchor) return { ok: false, checked: 0, firstBad: from - 1, reason: `deleted: record ${from - 1} (the anchor of the range) is missing` };
    prev = anchor.hash;
  }
  let expected = from;
  let checked = 0;
  let lastGoodCheckpoint = from - 1;
  for (;;) {
    // Ranges on `_id` (the padded seq): every engine serves them from its primary index.
    const range = { $gte: linkId(appId, expected), $lte: linkId(appId, Math.min(to, 999_999_999_999)) };
    const page = await links(store).find({ _id: range }, { sort: { _id: 1 }, limit: pageSize });
    for (const link of page) {
      const verdict = judgeLink(link, expected, prev, prevPrev);
      if (verdict) return { ok: false, checked, firstBad: verdict.bad, reason: verdict.reason };
      const checkpoint = signed.get(link.seq);
      if (checkpoint) {
        const disagreement = await judgeCheckpoint(checkpoint, link, options.keys, lastGoodCheckpoint);
        if (disagreement) return { ok: false, checked, firstBad: disagreement.bad, reason: disagreement.reason };
        lastGoodCheckpoint = link.seq;
      }
      prevPrev = prev;
      prev = link.hash;
      expected += 1;
      checked += 1;
    }
    if (page.length < pageSize) break;
  }
  const beyond = [...signed.keys()].filter((seq) => seq >= expected).sort((a, b) => a - b)[0];
  if (beyond !== undefined) {
    return { ok: false, checked, firstBad: expected, reason: `truncated: a checkpoint was signed at record ${beyond} but the chain ends at record ${expected - 1}` };
  }
  const later = options.to !== undefined && expected <= options.to ? await links(store).find({ _id: { $gt: linkId(appId, options.to) } }, { sort: { _id: 1 }, limit: 1 }) : [];
  if (later.some((link) => link.appId === appId)) {
    return { ok: false, checked, firstBad: expected, reason: `deleted: record ${expected} is missing` };
  }
  return { ok: true, checked };
}
