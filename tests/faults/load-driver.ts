import { waitFor } from '../support/wait-for.ts';
import { lastSeqs, readFinalState } from './final-state.ts';
import type { FaultWindow, History } from './history.ts';
import { ResumingSocket } from './resuming-socket.ts';
import { Senders } from './senders.ts';
import { Uploaders } from './uploads.ts';

/**
 * The load of a fault scenario: 16 concurrent senders with client retries (senders.ts) into a few
 * conversations, and one resuming socket following them all from their first event
 * (resuming-socket.ts). `finish` ends the load and returns the history the checker judges.
 */
export interface LoadOptions {
  apiUrl: string;
  realtimeUrl: string;
  conversationIds: string[];
  senderTokens: string[];
  /** A member of every conversation: follows them on the socket and reads the final state. */
  readerToken: string;
  label: string;
  concurrency?: number;
  /** Concurrent media uploads beside the sends (by the first sender). */
  uploaders?: number;
}

export class LoadDriver {
  readonly senders: Senders;
  readonly socket: ResumingSocket;
  readonly uploaders: Uploaders | null;

  constructor(private readonly options: LoadOptions) {
    this.senders = new Senders({
      apiUrl: options.apiUrl,
      conversationIds: options.conversationIds,
      tokens: options.senderTokens,
      concurrency: options.concurrency ?? 16,
      label: options.label,
    });
    this.socket = new ResumingSocket(() => options.realtimeUrl, options.readerToken, options.conversationIds);
    this.uploaders = options.uploaders ? new Uploaders(options.apiUrl, options.senderTokens[0]!, options.uploaders, options.label) : null;
  }

  /**
   * Stops new sends, lets unacknowledged ones retry for `settleMs`, reads the final state, waits up
   * to `catchUpMs` for the socket to receive the last event of each conversation, and stops it.
   */
  async finish(fault: FaultWindow, { settleMs = 30_000, catchUpMs = 120_000 } = {}): Promise<History> {
    const [sends, uploads] = await Promise.all([this.senders.finish(settleMs), this.uploaders?.finish(settleMs)]);
    const { apiUrl, readerToken, conversationIds } = this.options;
    const final = await readFinalState(apiUrl, readerToken, conversationIds);
    const targets = lastSeqs(final);
    await waitFor(() => this.socket.reached(targets), catchUpMs, 'the socket catching up').catch(() => undefined);
    await this.socket.stop();
    const history: History = { fault, sends, socket: { connections: this.socket.connections, frames: this.socket.frames }, final };
    if (uploads && this.uploaders) history.uploads = { records: uploads, readable: await this.uploaders.readable() };
    return history;
  }
}
