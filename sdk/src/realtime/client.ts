import { resolveToken } from '../rest/client.ts';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
import type { RealtimeClientOptions, WebSocketConstructor, WebSocketLike } from './client-options.ts';
import { Emitter } from './emitter.ts';
import type { ChatEvent, ConnectionState, PresenceView, RealtimeEvents, ServerFrame } from './frames.ts';
import { memoryPositions, type PositionStore } from './positions.ts';

export type { RealtimeClientOptions, WebSocketConstructor, WebSocketLike } from './client-options.ts';
import { catchUp } from './catch-up.ts';

/** Close codes after which retrying cannot help (docs/realtime-protocol.md §8). */
const FATAL = new Set([4003, 4005]);
const OPEN = 1;

/**
 * A realtime connection that survives anything: reconnects with backoff and jitter, resumes from
 * the kept positions, drops duplicates, refreshes its token, and emits typed events.
 *
 * @example
 *   const rt = new RealtimeClient({ baseUrl, token: () => fetchToken() });
 *   rt.on('event', (e) => console.log(e.conversationId, e.seq, e.type));
 *   await rt.connect();
 */
export class RealtimeClient extends Emitter<RealtimeEvents> {
  readonly positions: PositionStore;
  #state: ConnectionState = 'idle';
  #socket: WebSocketLike | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #pendingQueries: Array<(users: PresenceView[]) => void> = [];
  /** Live events held back while a resync gap of that conversation is paged in. */
  readonly #held = new Map<string, ChatEvent[]>();

  constructor(private readonly options: RealtimeClientOptions) {
    super();
    this.positions = options.positions ?? memoryPositions();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Opens the connection; resolves once delivery has started (`subscribed`). */
  connect(): Promise<void> {
    const started = new Promise<void>((resolve, reject) => {
      const offSubscribed = this.on('subscribed', () => (offSubscribed(), offState(), resolve()));
      const offState = this.on('state', ({ state, closeCode }) => {
        if (state === 'closed') (offSubscribed(), offState(), reject(new Error(`realtime closed (${closeCode ?? 'by client'})`)));
      });
    });
    if (this.#state === 'idle' || this.#state === 'closed') void this.#open();
    return started;
  }

  /** Closes for good (no reconnect). */
  close(): void {
    this.#setState('closed');
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#refreshTimer);
    this.#socket?.close(1000, 'client closed');
    this.#socket = undefined;
  }

  typingStart(conversationId: string): void {
    this.#send({ type: 'typing.start', conversationId });
  }

  typingStop(conversationId: string): void {
    this.#send({ type: 'typing.stop', conversationId });
  }

  setPresence(status: 'online' | 'away'): void {
    this.#send({ type: 'presence.set', status });
  }

  /** Presence of up to 100 users who share a conversation with you. */
  queryPresence(userIds: string[]): Promise<PresenceView[]> {
    return new Promise((resolve) => {
      this.#pendingQueries.push(resolve);
      this.#send({ type: 'presence.query', userIds });
    });
  }

  #send(frame: Record<string, unknown>): boolean {
    if (this.#socket?.readyState !== OPEN) return false;
    this.#socket.send(JSON.stringify({ v: 1, ...frame }));
    return true;
  }

  #setState(state: ConnectionState, extra: { closeCode?: number; retryInMs?: number } = {}): void {
    this.#state = state;
    this.emit('state', { state, ...extra });
  }

  async #open(): Promise<void> {
    this.#setState(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    let token: string | undefined;
    try {
      token = await resolveToken(this.options.token);
    } catch (error) {
      this.emit('error', { code: 'TOKEN_UNAVAILABLE', message: error instanceof Error ? error.message : String(error) });
    }
    if (this.#state === 'closed') return;
    if (!token) return this.#scheduleRetry(undefined);
    const Socket = this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Socket) throw new Error('no WebSocket implementation: pass options.WebSocket (e.g. the ws package on Node 20)');
    const url = `${this.options.baseUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/v1/realtime`;
    const socket = new Socket(url, ['caas.v1', `bearer.${token}`]);
    this.#socket = socket;
    socket.onopen = () => this.#send({ type: 'resume', conversations: this.positions.all() });
    socket.onmessage = (message) => this.#handle(JSON.parse(String(message.data)) as ServerFrame);
    socket.onerror = () => {};
    socket.onclose = ({ code }) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      clearTimeout(this.#refreshTimer);
      for (const resolve of this.#pendingQueries.splice(0)) resolve([]);
      if (this.#state === 'closed') return;
      if (FATAL.has(code)) return this.#setState('closed', { closeCode: code });
      this.#scheduleRetry(code);
    };
  }

  #scheduleRetry(closeCode: number | undefined): void {
    const delay = backoffDelay(this.#attempt++, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
    this.#setState('reconnecting', { ...(closeCode === undefined ? {} : { closeCode }), retryInMs: delay });
    this.#retryTimer = setTimeout(() => void this.#open(), delay);
  }

  /**
   * Asks the token callback for a fresh token `refreshBeforeMs` before expiry (at least a second
   * from now, and at half the remaining life when that is shorter, so a short token never spins).
   */
  #scheduleRefresh(expiresAt: number): void {
    clearTimeout(this.#refreshTimer);
    const remaining = expiresAt - Date.now();
    const before = this.options.refreshBeforeMs ?? 60_000;
    const wait = Math.max(1_000, before < remaining ? remaining - before : remaining / 2);
    this.#refreshTimer = setTimeout(async () => {
      const token = await resolveToken(this.options.token).catch(() => undefined);
      if (token) this.#send({ type: 'auth', token });
    }, Math.min(wait, 2 ** 31 - 1));
  }

  #handle(frame: ServerFrame): void {
    switch (frame.type) {
      case 'ready':
        this.#scheduleRefresh(frame.expiresAt);
        return this.emit('ready', frame);
      case 'auth.refreshed':
        this.#scheduleRefresh(frame.expiresAt);
        return this.emit('refreshed', frame);
      case 'subscribed':
        this.#attempt = 0;
        for (const [id, seq] of Object.entries(frame.conversations)) if (this.positions.get(id) === undefined) this.positions.set(id, seq);
        this.#setState('open');
        return this.emit('subscribed', frame);
      case 'event':
        return this.#deliver(frame.event);
      case 'resync':
        return void this.#resync(frame);
      case 'typing':
        return this.emit('typing', frame);
      case 'presence':
        return this.emit('presence', frame);
      case 'presence.state':
        return this.#pendingQueries.shift()?.(frame.users);
      case 'error':
        return this.emit('error', frame as RealtimeEvents['error']);
      default:
        return;
    }
  }

  #deliver(event: ChatEvent, fromGap = false): void {
    const held = fromGap ? undefined : this.#held.get(event.conversationId);
    if (held) return void held.push(event);
    if (event.seq <= (this.positions.get(event.conversationId) ?? -1)) return;
    this.positions.set(event.conversationId, event.seq);
    this.emit('event', event);
  }

  /** Too much was missed to replay: page the gap in over REST, holding back live events meanwhile. */
  async #resync(frame: Extract<ServerFrame, { type: 'resync' }>): Promise<void> {
    this.emit('resync', frame);
    if (frame.reason === 'not_a_member') return this.positions.delete(frame.conversationId);
    if (!this.options.rest) return this.positions.set(frame.conversationId, frame.toSeq);
    this.#held.set(frame.conversationId, []);
    try {
      for await (const event of catchUp(this.options.rest, frame.conversationId, frame.fromSeq, frame.toSeq)) this.#deliver(event, true);
    } catch (error) {
      this.emit('error', { code: 'RESYNC_FAILED', message: error instanceof Error ? error.message : String(error) });
      this.positions.set(frame.conversationId, frame.toSeq);
    }
    const held = this.#held.get(frame.conversationId) ?? [];
    this.#held.delete(frame.conversationId);
    for (const event of held) this.#deliver(event);
  }
}
