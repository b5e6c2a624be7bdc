/** Realtime tier: WebSocket delivery of conversation events, typing and presence (docs/realtime-protocol.md). */
export { attachRealtime } from './attach.ts';
export { CLOSE } from './close-codes.ts';
export { EVENTS_CHANNEL, FANOUT_GROUP } from './fanout.ts';
export { DEFAULT_REALTIME_OPTIONS, type RealtimeOptions } from './options.ts';
export { startRealtime, type RealtimeNode, type StartRealtimeOptions } from './node.ts';
export { BEARER_PREFIX, PROTOCOL_VERSION, SUBPROTOCOL } from './protocol.ts';
export { REALTIME_PATH } from './upgrade.ts';
