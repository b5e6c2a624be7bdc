/** CaaS in local mode (router + workers, embedded engines in a temp dir), seeded with an app, two users and a conversation. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../functions/apps/apps.ts';
import { createConversation } from '../../functions/conversations/conversation-lifecycle.ts';
import { upsertUser } from '../../functions/users/users.ts';
import { functions } from '../../routes.ts';
import { mintUserToken } from '../../runtime/auth/user-tokens.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createRouter } from '../../runtime/http/create-router.ts';
import { serveRouter } from '../../runtime/http/serve.ts';
import { startPreparedServices } from '../../runtime/platform.ts';
import { startBackgroundWork } from '../../workers/index.ts';
import { domain } from '../../functions/domain.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'caas-bench-'));
const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', CAAS_DATA_DIR: dataDir, CAAS_LOG_LEVEL: 'silent', CAAS_RATE_LIMIT_USER: '0' });
const services = await startPreparedServices(domain, config);
const server = await serveRouter(createRouter({ services, functions }), services);
await startBackgroundWork(services);

const { app } = await createApp(services, { name: 'bench' });
await upsertUser(services, app._id, 'sender', {});
await upsertUser(services, app._id, 'reader', {});
const { conversation } = await createConversation(services, app._id, 'sender', { type: 'group', memberIds: ['reader'] });
const { token } = await mintUserToken({ appId: app._id, userId: 'sender', tokenVersion: 0, ttlSec: 3600, now: Date.now() }, app.signingSecret);
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.port}`, token, conversationId: conversation._id })}\n`);
process.on('SIGINT', () => process.exit(0));
