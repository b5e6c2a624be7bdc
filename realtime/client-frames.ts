/**
 * What the server does with each client frame (docs/realtime-protocol.md). Frames of one
 * connection are handled in arrival order; a bad frame gets an `error` frame, not a close,
 * except where the protocol says the connection cannot go on (credentials, version).
 */
import type { RawData } from 'ws';
import { membershipsOf } from '../functions/conversations/memberships.ts';
import type { Services } from '../runtime/context.ts';
import { isAppError } from '../runtime/errors.ts';
import { CLOSE } from './close-codes.ts';
import type { Connection } from './connection.ts';
import { identify, type Identity } from './credentials.ts';
import type { Delivery } from './delivery.ts';
import type { PresenceTracker } from './presence-tracker.ts';
import { ClientFrame, PROTOCOL_VERSION, serverFrames } from './protocol.ts';
import type { TypingRelay } from './typing.ts';

export interface FrameContext {
  services: Services;
  delivery: Delivery;
  typing: TypingRelay;
  presence: PresenceTracker;
  /** Binds an identity to the connection and sends `ready`. */
  authenticated(connection: Connection, identity: Identity): void;
}

export type Decoded = { ok: true; frame: ClientFrame } | { ok: false; code: 'BAD_FRAME' | 'UNSUPPORTED_VERSION'; message: string };

export function decodeFrame(data: RawData, isBinary: boolean): Decoded {
  if (isBinary) return { ok: false, code: 'BAD_FRAME', message: 'frames are JSON text' };
  let value: unknown;
  try {
    value = JSON.parse(data.toString());
  } catch {
    return { ok: false, code: 'BAD_FRAME', message: 'frame is not valid JSON' };
  }
  const version = (value as { v?: unknown } | null)?.v;
  if (version !== undefined && version !== PROTOCOL_VERSION) {
    return { ok: false, code: 'UNSUPPORTED_VERSION', message: `protocol version ${String(version)} is not supported; use ${PROTOCOL_VERSION}` };
  }
  const parsed = ClientFrame.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, code: 'BAD_FRAME', message: issue ? `${issue.path.join('.') || 'frame'}: ${issue.message}` : 'invalid frame' };
  }
  return { ok: true, frame: parsed.data };
}

export async function handleFrame(ctx: FrameContext, connection: Connection, frame: ClientFrame): Promise<void> {
  if (connection.closed) return;
  try {
    await dispatch(ctx, connection, frame);
  } catch (error) {
    refuse(ctx, connection, frame, error);
  }
}

async function dispatch(ctx: FrameContext, connection: Connection, frame: ClientFrame): Promise<void> {
  if (frame.type === 'auth') return authenticate(ctx, connection, frame.token);
  if (connection.state === 'authenticating') {
    connection.close(CLOSE.UNAUTHENTICATED, 'send an auth frame first', 'unauthenticated');
    return;
  }
  switch (frame.type) {
    case 'resume':
      if (connection.state !== 'ready') {
        connection.sendFrame(serverFrames.error('ALREADY_STARTED', 'resume is accepted once per connection; reconnect to resume again'));
        return;
      }
      await ctx.delivery.start(connection, frame.conversations);
      await ctx.presence.changed(connection.appId, connection.userId, connection.presenceScope, [...connection.cursors.keys()]);
      return;
    case 'ping':
      connection.sendFrame(serverFrames.pong(frame.id));
      return;
  }
  if (connection.state !== 'live') {
    connection.sendFrame(serverFrames.error('NOT_STARTED', `send resume before ${frame.type}`));
    return;
  }
  switch (frame.type) {
    case 'typing.start':
      return ctx.typing.start(connection, frame.conversationId);
    case 'typing.stop':
      return ctx.typing.stop(connection, frame.conversationId);
    case 'presence.set':
      connection.status = frame.status;
      return ctx.presence.changed(connection.appId, connection.userId, connection.presenceScope, [...connection.cursors.keys()]);
    case 'presence.query':
      return queryPresence(ctx, connection, frame.userIds);
  }
}

async function authenticate(ctx: FrameContext, connection: Connection, token: string): Promise<void> {
  const identity = await identify(ctx.services, token, connection.origin);
  if (connection.state === 'authenticating') {
    ctx.authenticated(connection, identity);
    return;
  }
  // A fresh token for the same user extends the connection past the old token's expiry.
  if (identity.appId !== connection.appId || identity.userId !== connection.userId) {
    connection.close(CLOSE.UNAUTHENTICATED, 'token is for another user', 'unauthenticated');
    return;
  }
  connection.expiresAt = identity.expiresAt;
  connection.sendFrame(serverFrames.authRefreshed(identity.expiresAt));
}

/** Presence of users who share at least one conversation with the caller; others are left out. */
async function queryPresence(ctx: FrameContext, connection: Connection, userIds: string[]): Promise<void> {
  const rows = await membershipsOf(ctx.services.ports.store, connection.appId, userIds);
  const visible = new Set(rows.filter((row) => connection.cursors.has(row.conversationId)).map((row) => row.userId));
  const views = await Promise.all([...visible].map((userId) => ctx.presence.registry.read(connection.appId, userId)));
  connection.sendFrame(serverFrames.presenceState(views));
}

function refuse(ctx: FrameContext, connection: Connection, frame: ClientFrame, error: unknown): void {
  if (isAppError(error) && (error.code === 'UNAUTHENTICATED' || error.code === 'TOKEN_EXPIRED')) {
    connection.close(CLOSE.UNAUTHENTICATED, error.code === 'TOKEN_EXPIRED' ? 'token expired' : 'invalid token', 'unauthenticated');
  } else if (isAppError(error) && error.code === 'FORBIDDEN' && frame.type === 'auth') {
    connection.close(CLOSE.FORBIDDEN_ORIGIN, 'origin not allowed', 'unauthenticated');
  } else if (isAppError(error) && error.status < 500) {
    connection.sendFrame(serverFrames.error(error.code, error.message));
  } else {
    connection.fail(error);
  }
}
