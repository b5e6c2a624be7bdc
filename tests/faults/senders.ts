import { sleep } from '../support/wait-for.ts';
import type { Attempt, SendRecord } from './history.ts';

/**
 * Concurrent senders as an operator's clients behave: every send carries a unique clientMessageId
 * and is retried with the same id until acknowledged — after a connection error, a timeout, a 5xx,
 * a 408, 409 (another attempt with this id in progress) or 429 — with backoff from 50 ms doubling to
 * 1 s. Any other answer ends the send (the checker reports it as stranded, with that answer).
 */
export interface SendersOptions {
  apiUrl: string;
  conversationIds: string[];
  /** Tokens of members of every conversation; sender w uses tokens[w % length]. */
  tokens: string[];
  concurrency: number;
  /** Label prefix of the clientMessageIds (unique per scenario). */
  label: string;
  attemptTimeoutMs?: number;
}

const RETRYABLE_STATUSES = new Set([408, 409, 429]);

export class Senders {
  readonly sends: SendRecord[] = [];
  private stopNew = false;
  private giveUp = false;
  private readonly loops: Promise<void>[];

  constructor(private readonly options: SendersOptions) {
    this.loops = Array.from({ length: options.concurrency }, (_, w) => this.loop(w));
  }

  /** Sends acknowledged (by their first ack) at or after `since`. */
  acknowledgedSince(since = 0): number {
    return this.sends.filter((send) => send.attempts.some((a) => a.outcome === 'acked' && a.at >= since)).length;
  }

  /** Stops starting new sends; unacknowledged ones keep retrying for up to `settleMs`, then give up. */
  async finish(settleMs: number): Promise<SendRecord[]> {
    this.stopNew = true;
    const settled = Promise.all(this.loops);
    const timer = sleep(settleMs).then(() => (this.giveUp = true));
    await Promise.race([settled, timer]);
    this.giveUp = true;
    await settled;
    return this.sends;
  }

  private async loop(w: number): Promise<void> {
    const { conversationIds, tokens, label } = this.options;
    for (let i = 0; !this.stopNew; i++) {
      const record: SendRecord = {
        clientMessageId: `${label}-w${w}-${i}`,
        conversationId: conversationIds[(w + i) % conversationIds.length]!,
        attempts: [],
      };
      this.sends.push(record);
      await this.deliver(record, tokens[w % tokens.length]!);
    }
  }

  private async deliver(record: SendRecord, token: string): Promise<void> {
    for (let delayMs = 50; ; delayMs = Math.min(delayMs * 2, 1_000)) {
      const attempt = await this.attempt(record, token);
      record.attempts.push(attempt);
      if (attempt.outcome === 'acked') return;
      const retryable = attempt.outcome === 'error' || attempt.status! >= 500 || RETRYABLE_STATUSES.has(attempt.status!);
      if (!retryable || this.giveUp) return;
      await sleep(delayMs);
    }
  }

  private async attempt(record: SendRecord, token: string): Promise<Attempt> {
    const { apiUrl, attemptTimeoutMs = 10_000 } = this.options;
    const sentAt = Date.now();
    try {
      const response = await fetch(`${apiUrl}/v1/conversations/${record.conversationId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: record.clientMessageId, clientMessageId: record.clientMessageId }),
        signal: AbortSignal.timeout(attemptTimeoutMs),
      });
      const body = (await response.json().catch(() => ({}))) as { id?: string; seq?: number; code?: string };
      const at = Date.now();
      if ((response.status === 200 || response.status === 201) && body.id) {
        return { sentAt, at, outcome: 'acked', status: response.status, messageId: body.id, seq: body.seq };
      }
      return { sentAt, at, outcome: 'status', status: response.status, code: body.code };
    } catch (error) {
      return { sentAt, at: Date.now(), outcome: 'error', code: (error as { cause?: { code?: string }; name?: string }).cause?.code ?? (error as Error).name };
    }
  }
}
