import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSecret } from '../../runtime/ids.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { apiClient, type ApiCall } from '../support/http-client.ts';
import { startLocalPlatform, type LocalPlatform } from '../support/local-platform.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { createWebhook, eventually, FAST_WEBHOOKS } from '../support/webhook-fixtures.ts';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

/** The retry schedule lives in the store: a platform restarted mid-retry carries on where it stopped. */
const dirs = useTempDirs();
let env: Record<string, string>;
let platform: LocalPlatform;
let receiver: WebhookReceiver;
let call: ApiCall;
let world: ChatWorld;

async function start(): Promise<void> {
  platform = await startLocalPlatform(env);
  call = apiClient(platform.url);
}

beforeAll(async () => {
  receiver = await startReceiver();
  const dataDir = await dirs.make('caas-webhook-restart-');
  env = {
    ...FAST_WEBHOOKS,
    CAAS_WEBHOOK_RETRY_BASE_MS: '50',
    CAAS_WEBHOOK_RETRY_MAX_MS: '200',
    CAAS_WEBHOOK_RETRY_WINDOW_MS: '60000',
    CAAS_DATA_DIR: dataDir,
    CAAS_NAMESPACE: `w${newSecret(6).toLowerCase().replace(/[^a-z0-9]/g, '')}`,
  };
  await start();
  world = await createChatWorld(call, platform.adminToken, ['alice', 'bob']);
});

afterAll(async () => {
  await platform?.close();
  await receiver?.close();
});

describe('webhooks across a restart', () => {
  it('a delivery failing before a restart is retried after it, with its attempts kept, and delivered once', async () => {
    let up = false;
    receiver.on('/restart', () => ({ status: up ? 200 : 500 }));
    const hook = await createWebhook(call, world.app.serverKey, { url: receiver.url('/restart'), eventTypes: ['message.new'] });
    const conversationId = await createGroup(call, world.tokens.alice!, ['bob']);
    await send(call, world.tokens.alice!, conversationId, { text: 'survive a restart' });
    await eventually(async () => receiver.received('/restart').length, (count) => count >= 2, 'two failed attempts');
    await platform.close();
    const beforeRestart = receiver.received('/restart').length;
    up = true;
    await start();
    const log = await eventually(
      async () => (await call('GET', `/v1/webhooks/${hook.id}/deliveries`, { token: world.app.serverKey })).body.deliveries as any[],
      (rows) => rows[0]?.status === 'succeeded',
      'delivered after the restart',
    );
    expect(log).toHaveLength(1);
    expect(log[0].attempts.length).toBeGreaterThanOrEqual(3);
    expect(log[0].attempts[0].status).toBe(500);
    expect(log[0].attempts.at(-1).status).toBe(200);
    expect(receiver.received('/restart').length - beforeRestart).toBe(1);
    // Attempts refused by the open circuit breaker reach no server: they have no HTTP status.
    expect(log[0].attempts.filter((attempt: any) => attempt.status !== null)).toHaveLength(beforeRestart + 1);
  });
});
