/**
 * CaaS in local mode for the fan-out benchmark: router + realtime node + workers on one port,
 * seeded with one channel of N members (each its own user and token). `publish` puts one event
 * on the realtime fan-out channel — the path every event takes after the bus — so the measured
 * span is fan-out itself: parse once, frame once, per-socket ordering and visibility, send.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../functions/apps/apps.ts';
import { createConversation, newMember } from '../../functions/conversations/conversation-lifecycle.ts';
import { CONVERSATIONS, MEMBERS, type MemberDoc } from '../../functions/conversations/conversations.ts';
import { currentSequence } from '../../functions/events/events.ts';
import { USERS, userKey, type UserDoc } from '../../functions/users/users.ts';
import { EVENTS_CHANNEL, attachRealtime, startRealtime } from '../../realtime/index.ts';
import { functions } from '../../routes.ts';
import { mintUserToken } from '../../runtime/auth/user-tokens.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createRouter } from '../../runtime/http/create-router.ts';
import { serveRouter } from '../../runtime/http/serve.ts';
import { startPreparedServices, stopServices } from '../../runtime/platform.ts';
import { startBackgroundWork } from '../../workers/index.ts';
import { cpuMicros, memoryAfterGc } from './memory.ts';
import { benchEvent, type ServerCommand, type ServerReply } from './wire.ts';
import { domain } from '../../functions/domain.ts';

const members = Number(process.argv[2]);
const dataDir = await mkdtemp(join(tmpdir(), 'caas-fanout-'));
const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', CAAS_DATA_DIR: dataDir, CAAS_LOG_LEVEL: 'silent' });
const services = await startPreparedServices(domain, config);
const router = createRouter({ services, functions });
const server = await serveRouter(router, services);
const realtime = await startRealtime(services, { registry: router.metrics.registry });
attachRealtime(server.server, realtime);
const work = await startBackgroundWork(services);
config.CAAS_PUBLIC_URL = `http://127.0.0.1:${server.port}`;

const { store } = services.ports;
const now = Date.now();
const { app } = await createApp(services, { name: 'fanout bench' });
const userIds = Array.from({ length: members }, (_, i) => `u${i}`);
const userDoc = (userId: string): UserDoc => ({
  _id: userKey(app._id, userId),
  appId: app._id,
  userId,
  name: null,
  image: null,
  custom: {},
  role: 'user',
  tokenVersion: 0,
  createdAt: now,
  updatedAt: now,
});
await store.collection<UserDoc>(USERS).insertMany(['sender', ...userIds].map(userDoc));
const { conversation } = await createConversation(services, app._id, 'sender', { type: 'channel', memberIds: [], name: 'all hands' });
await store.collection<MemberDoc>(MEMBERS).insertMany(userIds.map((userId) => newMember(app._id, conversation._id, userId, 'member', now)));
await store.collection(CONVERSATIONS).updateOne({ _id: conversation._id }, { $set: { memberCount: members + 1 } });

const mint = (userId: string) => mintUserToken({ appId: app._id, userId, tokenVersion: 0, ttlSec: 3600, now }, app.signingSecret);
const protocols: string[][] = [];
for (const userId of userIds) protocols.push(['caas.v1', `bearer.${(await mint(userId)).token}`]);
// Events published on the channel continue the conversation's sequence, as the relay's would
// (after any real messages the orchestrator sent over HTTP).
let seq = 0;

const reply = (message: ServerReply) => process.send!(message);
process.on('message', async (command: ServerCommand) => {
  if (command.type === 'memory') reply({ type: 'memory', ...(await memoryAfterGc()) });
  if (command.type === 'cpu') reply({ type: 'cpu', micros: cpuMicros() });
  if (command.type === 'publish') {
    seq = Math.max(seq, await currentSequence(services, conversation._id)) + 1;
    await services.ports.cache.publish(EVENTS_CHANNEL, JSON.stringify({ appId: app._id, ...benchEvent(conversation._id, seq, command.round) }));
    reply({ type: 'published', round: command.round });
  }
  if (command.type === 'stop') {
    await realtime.crash();
    await server.close();
    await work.stop();
    await stopServices(services);
    await rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  }
});
reply({
  type: 'ready',
  url: `ws://127.0.0.1:${server.port}/v1/realtime`,
  protocols,
  sender: { token: (await mint('sender')).token, conversationId: conversation._id },
});
