/** @caas/sdk: typed REST client, realtime client, uploads and an offline outbox for CaaS. */
export { createRestClient, type RestClient, type RestClientOptions, type TokenSource } from './rest/client.ts';
export { ApiError, NetworkError, isRetryable, type Problem } from './rest/errors.ts';
export type { BodyOf, CallOptions, FunctionName, ParamsOf, QueryOf, ResultOf } from './rest/types.ts';
export { routes } from './generated/routes.ts';
export { RealtimeClient, type RealtimeClientOptions, type WebSocketConstructor, type WebSocketLike } from './realtime/client.ts';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './realtime/backoff.ts';
export { localStoragePositions, memoryPositions, type PositionStore } from './realtime/positions.ts';
export { typingIndicator, typingTracker } from './realtime/typing.ts';
export {
  isMessageChange, isNewMessage, messageOf,
  type ChatEvent, type ConnectionState, type EventType, type Message, type MessageChangeEvent, type NewMessageEvent, type PresenceView, type RealtimeEvents,
} from './realtime/frames.ts';
export { sha256Base64, uploadFile, type Media, type UploadOptions } from './upload.ts';
export { Outbox, type OutboxOptions } from './outbox/outbox.ts';
export { memoryOutboxStore, type OutboxItem, type OutboxStore } from './outbox/store.ts';
export { hasIndexedDb, indexedDbOutboxStore } from './outbox/indexeddb-store.ts';
