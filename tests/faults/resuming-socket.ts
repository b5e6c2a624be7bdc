import WebSocket from 'ws';
import { sleep } from '../support/wait-for.ts';
import type { ConnectionRecord, FrameRecord } from './history.ts';

/**
 * A realtime client as docs/realtime-protocol.md tells clients to behave: token in the handshake,
 * `resume` with the last seq it received per conversation, reconnect (every 250 ms while refused)
 * after any close. Records every event frame and every (re)connection; it does not drop repeats or
 * reorder anything itself, so the checker sees exactly what the server sent.
 */
export class ResumingSocket {
  readonly connections: ConnectionRecord[] = [];
  readonly frames: FrameRecord[] = [];
  /** Other frames worth reading when a scenario fails (resync, error). */
  readonly notices: Array<Record<string, unknown>> = [];
  readonly positions: Record<string, number>;
  private stopped = false;
  private current: WebSocket | null = null;
  private readonly running: Promise<void>;

  /** Follows `conversationIds` from their start (resume from 0): every event of them must arrive. */
  constructor(
    private readonly realtimeUrl: () => string,
    private readonly token: string,
    conversationIds: string[],
  ) {
    this.positions = Object.fromEntries(conversationIds.map((id) => [id, 0]));
    this.running = this.run();
  }

  /** The highest seq received per conversation has reached `targets`. */
  reached(targets: Record<string, number>): boolean {
    return Object.entries(targets).every(([id, seq]) => (this.positions[id] ?? 0) >= seq);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.terminate();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.connectOnce();
      if (!this.stopped) await sleep(250);
    }
  }

  private connectOnce(): Promise<void> {
    const url = `${this.realtimeUrl().replace(/^http/, 'ws')}/v1/realtime`;
    const ws = new WebSocket(url, ['caas.v1', `bearer.${this.token}`]);
    this.current = ws;
    const connection = this.connections.length;
    return new Promise((resolve) => {
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as Record<string, any>;
        if (frame.type === 'ready') {
          const resumedFrom = { ...this.positions };
          this.connections.push({ connection, at: Date.now(), resumedFrom });
          ws.send(JSON.stringify({ v: 1, type: 'resume', conversations: resumedFrom }));
        } else if (frame.type === 'event') {
          const event = frame.event as { conversationId: string; seq: number; type: string; payload: { message?: { clientMessageId?: string | null } } };
          this.frames.push({
            connection,
            at: Date.now(),
            conversationId: event.conversationId,
            seq: event.seq,
            type: event.type,
            clientMessageId: event.payload.message?.clientMessageId ?? null,
          });
          this.positions[event.conversationId] = Math.max(this.positions[event.conversationId] ?? 0, event.seq);
        } else if (frame.type === 'resync' || frame.type === 'error') {
          this.notices.push({ ...frame, connection, at: Date.now() });
        }
      });
      ws.on('error', () => ws.terminate());
      ws.on('close', () => resolve());
    });
  }
}
