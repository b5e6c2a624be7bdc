/**
 * A realtime node: accepts sockets on `GET /v1/realtime`, delivers conversation events from the
 * fan-out channel, relays typing and presence, and shuts down by telling every client to
 * reconnect elsewhere (1001 going away). Several nodes share nothing but the cache and the store.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Registry } from 'prom-client';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Unsubscribe } from '../infra/cache/port.ts';
import { USER_ACCESS_CHANNEL } from '../functions/users/access-changes.ts';
import type { Services } from '../runtime/context.ts';
import { newId } from '../runtime/ids.ts';
import { decodeFrame, handleFrame, type FrameContext } from './client-frames.ts';
import { closeOnAccessChange } from './access-changes.ts';
import { CLOSE } from './close-codes.ts';
import { Connection } from './connection.ts';
import type { Identity } from './credentials.ts';
import { Delivery } from './delivery.ts';
import { EVENTS_CHANNEL, startFanout, type Fanout } from './fanout.ts';
import { startHeartbeat } from './heartbeat.ts';
import { createRealtimeMetrics, type DisconnectReason } from './metrics.ts';
import { realtimeOptions, type RealtimeOptions } from './options.ts';
import { OccupancyNotifier } from './occupancy.ts';
import { PresenceTracker } from './presence-tracker.ts';
import { SUBPROTOCOL, serverFrames } from './protocol.ts';
import { SIGNALS_CHANNEL, routeSignal, type Signal } from './signals.ts';
import { SubscriptionIndex } from './subscription-index.ts';
import { TokenBucket } from './token-bucket.ts';
import { TypingRelay } from './typing.ts';
import { handleUpgrade } from './upgrade.ts';

export interface RealtimeNode {
  readonly nodeId: string;
  readonly options: RealtimeOptions;
  /** For the node:http server's 'upgrade' event. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  connectionCount(): number;
  /** Stops accepting, closes every socket with 1001 going away (terminating stragglers after the grace period). */
  close(): Promise<void>;
  /** Simulates a crash for tests: sockets dropped without a close frame, presence left to expire. */
  crash(): Promise<void>;
}

const CONNECTION = Symbol('connection');
type SocketWithConnection = WebSocket & { [CONNECTION]: Connection };

function connectionOf(ws: WebSocket): Connection {
  return (ws as SocketWithConnection)[CONNECTION];
}

export interface StartRealtimeOptions extends Partial<RealtimeOptions> {
  /** The registry served at /metrics; a private one when absent. */
  registry?: Registry;
}

export async function startRealtime(services: Services, { registry, ...overrides }: StartRealtimeOptions = {}): Promise<RealtimeNode> {
  const options = realtimeOptions({ maxSocketsPerUser: services.config.CAAS_MAX_SOCKETS_PER_USER, ...overrides });
  const nodeId = newId('rtn');
  const log = services.log.child({ realtimeNode: nodeId });
  const { cache } = services.ports;
  const index = new SubscriptionIndex();
  const delivery = new Delivery(services, options, index);
  const presence = new PresenceTracker(services, index, nodeId, options.presenceTtlMs, new OccupancyNotifier(services, options));
  const typing = new TypingRelay(services, options);
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: options.maxPayloadBytes,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  const frameContext: FrameContext = {
    services,
    delivery,
    typing,
    presence,
    authenticated(connection, identity) {
      if (connection.authTimer) clearTimeout(connection.authTimer);
      connection.authTimer = null;
      connection.appId = identity.appId;
      connection.userId = identity.userId;
      connection.expiresAt = identity.expiresAt;
      if ([...index.connectionsOf(identity.appId, identity.userId)].length >= options.maxSocketsPerUser) {
        connection.close(CLOSE.RATE_LIMITED, 'too many sockets for this user', 'rate_limited');
        return;
      }
      connection.state = 'ready';
      index.addUser(connection);
      connection.sendFrame(serverFrames.ready(connection.id, identity.userId, identity.expiresAt, options.heartbeatMs, options.maxReplay));
    },
  };

  // One set of listeners per node, not closures per socket: `this` is the socket (memory per idle socket).
  function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    onMessage(connectionOf(this), data, isBinary);
  }
  function onSocketPong(this: WebSocket): void {
    connectionOf(this).alive = true;
  }
  function onSocketClose(this: WebSocket): void {
    onClose(connectionOf(this));
  }
  function onSocketError(this: WebSocket, error: Error): void {
    log.debug({ err: error, connectionId: connectionOf(this).id }, 'socket error');
  }

  function accept(ws: WebSocket, origin: string | undefined, identity: Identity | null): void {
    const connection = new Connection(ws, origin, new TokenBucket(options.framesPerSecond, options.frameBurst, services.clock.now()), hooks);
    (ws as SocketWithConnection)[CONNECTION] = connection;
    index.addConnection(connection);
    ws.on('message', onSocketMessage);
    ws.on('pong', onSocketPong);
    ws.on('close', onSocketClose);
    ws.on('error', onSocketError);
    if (identity) frameContext.authenticated(connection, identity);
    else {
      connection.authTimer = setTimeout(() => connection.close(CLOSE.UNAUTHENTICATED, 'authentication timeout', 'unauthenticated'), options.authTimeoutMs);
      connection.authTimer.unref();
    }
  }

  function onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    connection.alive = true;
    if (connection.closed) return;
    if (!connection.bucket.take(services.clock.now())) {
      connection.refused += 1;
      // Frames accepted before are answered first: they wait in the inbox, and a burst that arrived
      // in one read would otherwise see the close overtake their answers.
      if (connection.refused >= options.frameBurst) {
        const cutOff = () => connection.close(CLOSE.RATE_LIMITED, 'too many frames', 'rate_limited');
        void connection.inbox.then(cutOff, cutOff);
      }
      else connection.sendFrame(serverFrames.error('RATE_LIMITED', 'too many frames; slow down', { retryAfterMs: connection.bucket.retryAfterMs() }));
      return;
    }
    connection.refused = 0;
    const decoded = decodeFrame(data, isBinary);
    if (!decoded.ok) {
      if (decoded.code === 'UNSUPPORTED_VERSION') connection.close(CLOSE.UNSUPPORTED_VERSION, decoded.message, 'error');
      else connection.sendFrame(serverFrames.error(decoded.code, decoded.message));
      return;
    }
    connection.inbox = connection.inbox.then(() => handleFrame(frameContext, connection, decoded.frame));
  }

  function onClose(connection: Connection): void {
    const wasLive = connection.state === 'live' || connection.state === 'starting';
    const conversationIds = connection.presenceScope;
    const subscribedIds = [...connection.cursors.keys()];
    connection.state = 'closed';
    if (connection.authTimer) clearTimeout(connection.authTimer);
    index.removeConnection(connection);
    if (connection.closeReason === null) metrics.disconnected('client');
    if (wasLive) {
      void typing.stopAll(connection).catch((error: unknown) => log.warn({ err: error }, 'typing stop not published'));
      void presence.changed(connection.appId, connection.userId, conversationIds, subscribedIds);
    }
    if (index.size === 0) drained?.();
  }

  const onEvent = (raw: string) => {
    delivery.onEvent(raw).catch((error: unknown) => log.error({ err: error }, 'conversation event not delivered'));
  };
  const onSignal = (raw: string) => routeSignal(JSON.parse(raw) as Signal, (id) => index.cursorsOf(id));
  // Started all or nothing, so a caller retrying a failed start (engines still down) leaks nothing.
  const unsubscribes: Unsubscribe[] = [];
  let fanout: Fanout | null = null;
  try {
    await presence.start();
    unsubscribes.push(await cache.subscribe(EVENTS_CHANNEL, onEvent));
    unsubscribes.push(await cache.subscribe(SIGNALS_CHANNEL, onSignal));
    unsubscribes.push(await cache.subscribe(USER_ACCESS_CHANNEL, closeOnAccessChange(index, log)));
    if (options.runFanout) fanout = await startFanout(services);
  } catch (error) {
    // Best-effort undo of a start that failed; the error that stopped it is the one thrown.
    for (const unsubscribe of unsubscribes) await unsubscribe().catch(() => undefined);
    await presence.stop();
    throw error;
  }
  // Registered only once started, so a retried start does not register the metrics twice.
  const metrics = createRealtimeMetrics(registry ?? new Registry(), {
    connections: () => index.size,
    sent: () => hooks.sent,
    replayed: () => delivery.counters.replayed,
    resyncs: () => delivery.counters.resyncs,
  });
  const hooks = {
    log,
    maxBufferedBytes: options.maxBufferedBytes,
    sent: 0,
    countDisconnect: (reason: DisconnectReason) => metrics.disconnected(reason),
  };
  const stopHeartbeat = startHeartbeat(() => index.all(), options.heartbeatMs, services.clock);

  let accepting = true;
  let drained: (() => void) | null = null;
  let closing: Promise<void> | null = null;
  const gate = { services, wss, accepting: () => accepting, accept };

  async function stopBackground(): Promise<void> {
    stopHeartbeat();
    for (const unsubscribe of unsubscribes) await unsubscribe();
    await fanout?.stop();
  }

  return {
    nodeId,
    options,
    handleUpgrade: (request, socket, head) => handleUpgrade(gate, request, socket, head),
    connectionCount: () => index.size,
    close() {
      closing ??= (async () => {
        accepting = false;
        const allClosed = new Promise<void>((resolve) => {
          drained = resolve;
          if (index.size === 0) resolve();
        });
        for (const connection of index.all()) connection.close(CLOSE.GOING_AWAY, 'going away; reconnect and resume', 'shutdown');
        const grace = setTimeout(() => {
          for (const connection of index.all()) connection.terminate('shutdown');
        }, options.shutdownGraceMs);
        await allClosed;
        clearTimeout(grace);
        await stopBackground();
        await presence.stop();
        log.info('realtime node stopped');
      })();
      return closing;
    },
    async crash() {
      accepting = false;
      closing ??= Promise.resolve();
      presence.halt();
      await stopBackground();
      for (const connection of index.all()) {
        connection.state = 'closed';
        connection.terminate('shutdown');
      }
    },
  };
}
