/**
 * CaaS for the send benchmark: router and workers in one process as `npm start` runs them (local mode:
 * the bus consumers in a thread of their own), in local mode
 * or, when the parent passes engine URLs in the environment, on those engines (cluster mode).
 * Seeds one app and one user per connection; `one` puts every sender in one group conversation,
 * `many` gives each sender a conversation of its own. Prints the URL and one target per sender.
 *
 *   node --import tsx bench/servers/caas.ts <one|many> <senders>
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../functions/apps/apps.ts';
import { createConversation } from '../../functions/conversations/conversation-lifecycle.ts';
import { domain } from '../../functions/domain.ts';
import { upsertUser } from '../../functions/users/users.ts';
import { functions } from '../../routes.ts';
import { mintUserToken } from '../../runtime/auth/user-tokens.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createRouter } from '../../runtime/http/create-router.ts';
import { serveRouter } from '../../runtime/http/serve.ts';
import { newSecret } from '../../runtime/ids.ts';
import { startPreparedServices } from '../../runtime/platform.ts';
import { startAllInOneWork } from '../../workers/background-thread.ts';
import { startBackgroundWork } from '../../workers/index.ts';
import type { SendTarget } from '../load.ts';
import { BENCH_BUDGETS } from './bench-budgets.ts';

const [shape = 'one', count = '64', workers = 'all'] = process.argv.slice(2);
const senders = Array.from({ length: Number(count) }, (_, i) => `sender${i}`);
const dataDir = await mkdtemp(join(tmpdir(), 'caas-bench-'));
const config = loadConfig({
  ...process.env,
  PORT: '0',
  HOST: '127.0.0.1',
  CAAS_DATA_DIR: dataDir,
  CAAS_LOG_LEVEL: 'silent',
  ...BENCH_BUDGETS,
  // A run of its own on shared engines (cluster mode); ignored by the embedded adapters' files.
  CAAS_NAMESPACE: `bench${newSecret(6).toLowerCase().replace(/[^a-z0-9]/g, '')}`,
});
const services = await startPreparedServices(domain, config);
const server = await serveRouter(createRouter({ services, functions }), services);
await (workers === 'relay-only' ? startBackgroundWork(services, ['outbox-relay']) : startAllInOneWork(services));

const { app } = await createApp(services, { name: 'bench' });
for (const userId of senders) await upsertUser(services, app._id, userId, {});
const conversationIds: string[] = [];
if (shape === 'one') {
  const { conversation } = await createConversation(services, app._id, senders[0]!, { type: 'group', memberIds: senders.slice(1) });
  conversationIds.push(conversation._id);
} else {
  for (const userId of senders) {
    const { conversation } = await createConversation(services, app._id, userId, { type: 'group', memberIds: [] });
    conversationIds.push(conversation._id);
  }
}
const targets: SendTarget[] = [];
for (const [i, userId] of senders.entries()) {
  const { token } = await mintUserToken({ appId: app._id, userId, tokenVersion: 0, ttlSec: 3600, now: Date.now() }, app.signingSecret);
  targets.push({ path: `/v1/conversations/${conversationIds[i % conversationIds.length]}/messages`, headers: { authorization: `Bearer ${token}` } });
}
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.port}`, targets })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
