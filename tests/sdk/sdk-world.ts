import { WebSocket } from 'ws';
import { createRestClient, RealtimeClient, type RestClient, type WebSocketConstructor } from '../../sdk/src/index.ts';

/** An app with users and a conversation, set up through the SDK itself. */
export interface SdkWorld {
  appId: string;
  serverKey: string;
  server: RestClient;
  tokens: Record<string, string>;
  /** A REST client acting as the user, against `baseUrl` (default the platform). */
  userApi(userId: string, baseUrl?: string, fetchImpl?: typeof fetch): RestClient;
  realtime(userId: string, baseUrl?: string): RealtimeClient;
}

export async function createSdkWorld(url: string, adminToken: string, userIds: string[]): Promise<SdkWorld> {
  const admin = createRestClient({ baseUrl: url, token: adminToken });
  const created = await admin.call('apps.create', { body: { name: 'sdk tests' } });
  const serverKey = created.serverKey.secret;
  const server = createRestClient({ baseUrl: url, token: serverKey });
  const tokens: Record<string, string> = {};
  for (const userId of userIds) {
    await server.call('users.upsert', { params: { userId }, body: { name: userId } });
    tokens[userId] = (await server.call('users.tokens.create', { params: { userId }, body: { ttlSeconds: 3600 } })).token;
  }
  return {
    appId: created.app.id,
    serverKey,
    server,
    tokens,
    userApi: (userId, baseUrl = url, fetchImpl) => createRestClient({ baseUrl, token: tokens[userId]!, ...(fetchImpl ? { fetch: fetchImpl } : {}) }),
    realtime: (userId, baseUrl = url) =>
      new RealtimeClient({ baseUrl, token: () => tokens[userId]!, WebSocket: WebSocket as unknown as WebSocketConstructor, backoff: { initialMs: 50, maxMs: 400 } }),
  };
}

/** Resolves when `check` passes, polling; rejects with the last failure after `ms`. */
export async function eventually<T>(check: () => T | Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
