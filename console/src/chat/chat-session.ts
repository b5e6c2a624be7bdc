import {
  createRestClient, indexedDbOutboxStore, hasIndexedDb, localStoragePositions, memoryOutboxStore, Outbox, RealtimeClient,
  type Message, type OutboxItem, type RestClient,
} from '../../../sdk/src/index.ts';
import { baseUrl } from '../session.ts';

/** One demo user's live connection: REST client, realtime client and outbox, all from the SDK. */
export interface ChatSession {
  userId: string;
  rest: RestClient;
  realtime: RealtimeClient;
  outbox: Outbox;
  close(): void;
}

export interface ChatCallbacks {
  onSent(item: OutboxItem, message: Message): void;
  onFailed(item: OutboxItem, error: unknown): void;
}

/**
 * Connects as `userId`. The token callback mints a fresh user token with the console's server key
 * whenever the current one is within two minutes of expiring (the SDK calls it at every connect
 * and before expiry): how a real app would ask its own backend.
 */
export async function startChatSession(server: RestClient, appKey: string, userId: string, callbacks: ChatCallbacks): Promise<ChatSession> {
  let current = { token: '', expiresAt: 0 };
  const token = async () => {
    if (current.expiresAt - Date.now() < 120_000) {
      current = await server.call('users.tokens.create', { params: { userId }, body: { ttlSeconds: 3600 } });
    }
    return current.token;
  };
  await token();
  const rest = createRestClient({ baseUrl, token });
  const realtime = new RealtimeClient({ baseUrl, token, rest, positions: localStoragePositions(`caas.positions.${appKey}.${userId}`) });
  const outbox = new Outbox({
    rest,
    store: hasIndexedDb() ? indexedDbOutboxStore(`caas-outbox-${appKey}-${userId}`) : memoryOutboxStore(),
    onSent: callbacks.onSent,
    onFailed: callbacks.onFailed,
  });
  // Whenever delivery (re)starts or the browser is back online, whatever was queued goes out, once.
  const flush = () => void outbox.flush();
  const offSubscribed = realtime.on('subscribed', flush);
  window.addEventListener('online', flush);
  return {
    userId,
    rest,
    realtime,
    outbox,
    close() {
      offSubscribed();
      window.removeEventListener('online', flush);
      realtime.close();
    },
  };
}
