/**
 * CaaS in local mode as `npm start` runs it (like caas.ts), plus the hooks named (comma-separated):
 * `pre-send` sets a pre-send hook and/or `webhook` a webhook for every message, both at the
 * receiver's URL (allowed by CAAS_OUTBOUND_ALLOW_HOSTS). Prints its URL, a sender's token and the
 * conversation.
 *
 *   node --import tsx bench/servers/caas-hooks.ts <hooks|''> <receiver URL>
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../functions/apps/apps.ts';
import { createConversation } from '../../functions/conversations/conversation-lifecycle.ts';
import { HOOKS, hookId, type HookDoc } from '../../functions/hooks/hooks.ts';
import { newSigningSecret } from '../../functions/webhooks/signing.ts';
import { createWebhook } from '../../functions/webhooks/webhooks.ts';
import { domain } from '../../functions/domain.ts';
import { upsertUser } from '../../functions/users/users.ts';
import { functions } from '../../routes.ts';
import { mintUserToken } from '../../runtime/auth/user-tokens.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createRouter } from '../../runtime/http/create-router.ts';
import { serveRouter } from '../../runtime/http/serve.ts';
import { startPreparedServices } from '../../runtime/platform.ts';
import { startAllInOneWork } from '../../workers/background-thread.ts';
import { BENCH_BUDGETS } from './bench-budgets.ts';

const hooks = (process.argv[2] ?? '').split(',').filter(Boolean);
const receiver = process.argv[3] ?? 'http://127.0.0.2:9';
const dataDir = await mkdtemp(join(tmpdir(), 'caas-bench-'));
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  CAAS_DATA_DIR: dataDir,
  CAAS_LOG_LEVEL: 'silent',
  ...BENCH_BUDGETS,
  CAAS_OUTBOUND_ALLOW_HOSTS: new URL(receiver).hostname,
  CAAS_WEBHOOK_POLL_MS: '50',
});
const services = await startPreparedServices(domain, config);
const server = await serveRouter(createRouter({ services, functions }), services);
await startAllInOneWork(services);

const { app } = await createApp(services, { name: 'bench' });
await upsertUser(services, app._id, 'sender', {});
await upsertUser(services, app._id, 'reader', {});
const { conversation } = await createConversation(services, app._id, 'sender', { type: 'group', memberIds: ['reader'] });
if (hooks.includes('pre-send')) {
  const now = Date.now();
  const hook: HookDoc = { _id: hookId(app._id, 'pre-send'), appId: app._id, kind: 'pre-send', url: `${receiver}/pre-send`, secret: newSigningSecret(), timeoutMs: 800, failureMode: 'open', createdAt: now, updatedAt: now };
  await services.ports.store.collection<HookDoc>(HOOKS).insertOne(hook);
}
if (hooks.includes('webhook')) {
  await createWebhook(services, app._id, { url: `${receiver}/webhook`, eventTypes: ['message.new'], description: 'bench', enabled: true });
}
const { token } = await mintUserToken({ appId: app._id, userId: 'sender', tokenVersion: 0, ttlSec: 3600, now: Date.now() }, app.signingSecret);
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.port}`, token, conversationId: conversation._id })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
