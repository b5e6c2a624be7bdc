import type { Attempt, History } from './history.ts';

/**
 * Judges one fault scenario from its record and the platform's final state. A pure function: the
 * same history always gives the same verdict (tests/faults/checker.test.ts feeds it hand-made ones).
 *
 * Allowed by the protocol (docs/realtime-protocol.md, "Guarantees"; docs/send-path.md): a sequence
 * number that no event carries — reserved by a writer that crashed, or by the loser of two racing
 * retries — as long as it never appears later. Those are counted (`allowedGaps`), not failed. Every
 * other finding is a violation.
 */
export interface SeqRef {
  conversationId: string;
  seq: number;
}

export interface Verdict {
  /** Acknowledged sends whose message is not in the history; completed uploads that cannot be downloaded intact. */
  lost: string[];
  /** clientMessageIds with two messages, or acknowledged as two different messages. */
  duplicated: string[];
  /** Events in the store the socket never received (after its starting position). */
  gaps: SeqRef[];
  /** Sequence numbers no event carries: allowed. */
  allowedGaps: SeqRef[];
  /** Within one connection, a seq lower than one received before it. */
  reordered: SeqRef[];
  /** A seq the socket had already received, sent again. */
  duplicateDeliveries: SeqRef[];
  /** Stored messages no client sent, and frames for events the store does not have. */
  ghosts: string[];
  /** Sends (and uploads) never acknowledged, with their last answer. */
  stranded: Array<{ clientMessageId: string; last: string }>;
  /** From the fault's end to the first acknowledged send, and to the first frame of a message sent after it; null if none came. */
  recovery: { firstAckMs: number | null; firstFrameMs: number | null };
  acknowledged: number;
  violations: string[];
}

export function checkHistory(history: History): Verdict {
  const storedById = new Map<string, { clientMessageId: string | null }>();
  const storedByClientId = new Map<string, string[]>();
  for (const { messages } of Object.values(history.final)) {
    for (const message of messages) {
      storedById.set(message.id, message);
      if (message.clientMessageId === null) continue;
      storedByClientId.set(message.clientMessageId, [...(storedByClientId.get(message.clientMessageId) ?? []), message.id]);
    }
  }

  const lost: string[] = [];
  const duplicated = new Set<string>();
  const stranded: Verdict['stranded'] = [];
  const sent = new Set<string>();
  let acknowledged = 0;
  for (const send of history.sends) {
    sent.add(send.clientMessageId);
    const ackedIds = new Set(send.attempts.flatMap((attempt) => (attempt.outcome === 'acked' && attempt.messageId ? [attempt.messageId] : [])));
    if (ackedIds.size > 0) acknowledged++;
    if ([...ackedIds].some((id) => !storedById.has(id))) lost.push(send.clientMessageId);
    if (ackedIds.size > 1 || (storedByClientId.get(send.clientMessageId)?.length ?? 0) > 1) duplicated.add(send.clientMessageId);
    if (ackedIds.size === 0) {
      stranded.push({ clientMessageId: send.clientMessageId, last: describeAttempt(send.attempts.at(-1)) });
    }
  }
  for (const upload of history.uploads?.records ?? []) {
    const mediaId = upload.attempts.find((attempt) => attempt.outcome === 'acked')?.messageId;
    if (mediaId === undefined) stranded.push({ clientMessageId: upload.clientMessageId, last: describeAttempt(upload.attempts.at(-1)) });
    else if (history.uploads?.readable[mediaId] !== true) lost.push(`${upload.clientMessageId} (media ${mediaId})`);
  }
  const ghosts: string[] = [];
  for (const [id, message] of storedById) {
    if (message.clientMessageId === null || !sent.has(message.clientMessageId)) ghosts.push(`message ${id} (${message.clientMessageId ?? 'no clientMessageId'})`);
  }
  for (const [clientMessageId, ids] of storedByClientId) if (ids.length > 1 && sent.has(clientMessageId)) duplicated.add(clientMessageId);

  const { gaps, allowedGaps, reordered, duplicateDeliveries, phantomFrames } = checkSequences(history);
  ghosts.push(...phantomFrames.map(({ conversationId, seq }) => `frame ${conversationId}#${seq} (no such event)`));

  const afterFault = (at: number) => (at >= history.fault.end ? at - history.fault.end : null);
  const firstAck = minimum(history.sends.flatMap((send) => send.attempts.filter((a) => a.outcome === 'acked').map((a) => afterFault(a.at))));
  // Live delivery is back when a message first sent after the fault reaches the socket (a backlog
  // of older events may arrive earlier and says nothing about new ones).
  const sentAfter = new Set(history.sends.filter((send) => (send.attempts[0]?.sentAt ?? 0) >= history.fault.end).map((send) => send.clientMessageId));
  const firstFrame = minimum(history.socket.frames.filter((f) => f.clientMessageId !== null && sentAfter.has(f.clientMessageId)).map((f) => afterFault(f.at)));

  const verdict: Verdict = {
    lost,
    duplicated: [...duplicated],
    gaps,
    allowedGaps,
    reordered,
    duplicateDeliveries,
    ghosts,
    stranded,
    recovery: { firstAckMs: firstAck, firstFrameMs: firstFrame },
    acknowledged,
    violations: [],
  };
  verdict.violations = describeViolations(verdict);
  return verdict;
}

function checkSequences(history: History) {
  const gaps: SeqRef[] = [];
  const allowedGaps: SeqRef[] = [];
  const reordered: SeqRef[] = [];
  const duplicateDeliveries: SeqRef[] = [];
  const phantomFrames: SeqRef[] = [];
  const start = history.socket.connections[0]?.resumedFrom ?? {};
  for (const [conversationId, { eventSeqs }] of Object.entries(history.final)) {
    const stored = new Set(eventSeqs);
    const top = Math.max(0, ...eventSeqs);
    for (let seq = 1; seq <= top; seq++) if (!stored.has(seq)) allowedGaps.push({ conversationId, seq });

    const frames = history.socket.frames.filter((frame) => frame.conversationId === conversationId);
    const received = new Set<number>();
    const lastInConnection = new Map<number, number>();
    for (const { seq, connection } of frames) {
      if (received.has(seq)) duplicateDeliveries.push({ conversationId, seq });
      else if (seq < (lastInConnection.get(connection) ?? 0)) reordered.push({ conversationId, seq });
      if (!stored.has(seq)) phantomFrames.push({ conversationId, seq });
      received.add(seq);
      lastInConnection.set(connection, Math.max(seq, lastInConnection.get(connection) ?? 0));
    }
    const from = start[conversationId];
    if (from === undefined) continue; // the socket never followed this conversation
    for (const seq of eventSeqs) if (seq > from && !received.has(seq)) gaps.push({ conversationId, seq });
  }
  return { gaps, allowedGaps, reordered, duplicateDeliveries, phantomFrames };
}

function describeAttempt(attempt: Attempt | undefined): string {
  return attempt ? `${attempt.outcome} ${attempt.status ?? ''} ${attempt.code ?? ''}`.replace(/ +/g, ' ').trim() : 'never tried';
}

function minimum(values: Array<number | null>): number | null {
  const present = values.filter((value): value is number => value !== null);
  return present.length > 0 ? Math.min(...present) : null;
}

function describeViolations(verdict: Verdict): string[] {
  const refs = (list: SeqRef[]) => list.slice(0, 10).map((ref) => `${ref.conversationId}#${ref.seq}`).join(', ');
  const found: string[] = [];
  if (verdict.lost.length) found.push(`${verdict.lost.length} lost: ${verdict.lost.slice(0, 10).join(', ')}`);
  if (verdict.duplicated.length) found.push(`${verdict.duplicated.length} duplicated: ${verdict.duplicated.slice(0, 10).join(', ')}`);
  if (verdict.gaps.length) found.push(`${verdict.gaps.length} events never delivered: ${refs(verdict.gaps)}`);
  if (verdict.reordered.length) found.push(`${verdict.reordered.length} reordered: ${refs(verdict.reordered)}`);
  if (verdict.duplicateDeliveries.length) found.push(`${verdict.duplicateDeliveries.length} delivered twice: ${refs(verdict.duplicateDeliveries)}`);
  if (verdict.ghosts.length) found.push(`${verdict.ghosts.length} ghosts: ${verdict.ghosts.slice(0, 10).join(', ')}`);
  if (verdict.stranded.length) {
    found.push(`${verdict.stranded.length} stranded: ${verdict.stranded.slice(0, 10).map((s) => `${s.clientMessageId} (${s.last})`).join(', ')}`);
  }
  if (verdict.recovery.firstAckMs === null) found.push('no send was acknowledged after the fault ended');
  if (verdict.recovery.firstFrameMs === null) found.push('no message sent after the fault ended reached the socket');
  return found;
}
