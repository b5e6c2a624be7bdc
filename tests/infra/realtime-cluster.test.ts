import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCiphertext } from '../../functions/crypto/ciphertext.ts';
import { CONVERSATION_EVENTS_TOPIC } from '../../functions/events/events.ts';
import { closePorts, createPorts } from '../../infra/ports.ts';
import { loadConfig } from '../../runtime/config.ts';
import { newSecret } from '../../runtime/ids.ts';
import { waitFor } from '../support/wait-for.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { apiClient, type ApiCall } from '../support/http-client.ts';
import { connectLive, type RealtimeClient } from '../support/realtime-client.ts';

/**
 * Cluster mode on the real engines: the router, a worker and realtime nodes each in its own
 * process (bin/router.ts, bin/worker.ts, bin/realtime.ts), sharing MongoDB, Redis and Kafka in a
 * namespace of their own. Events cross nodes through the one fan-out path (Kafka group
 * 'realtime-fanout' → Redis pub/sub); a node killed with SIGKILL loses nothing for clients that
 * resume on another node.
 */
const ENGINE_VARS = ['MONGO_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'ELASTICSEARCH_URL', 'S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_REGION'];
const LIVE_TIMEOUT_MS = 60_000;

interface Proc {
  url: string;
  child: ChildProcess;
}

let dataDir: string;
let env: Record<string, string>;
const processes: Proc[] = [];
const sockets: RealtimeClient[] = [];
let router: Proc;
let call: ApiCall;
let world: ChatWorld;
const t = (user: string) => world.tokens[user]!;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts a bin/ entry and resolves once it logs `ready` (a message of its own). */
async function start(script: string, ready: string): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...env, PORT: String(port), CAAS_WORKER_METRICS_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const started = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output.slice(-2000)}`)));
  });
  const proc = { url: `http://127.0.0.1:${port}`, child };
  processes.push(proc);
  await started;
  return proc;
}

async function live(node: Proc, token: string, resume: Record<string, number> = {}): Promise<RealtimeClient> {
  const client = await connectLive(node.url, token, resume);
  sockets.push(client);
  return client;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'caas-cluster-'));
  env = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    CAAS_DATA_DIR: dataDir,
    CAAS_ADMIN_TOKEN: `adm_${newSecret(24)}`,
    CAAS_NAMESPACE: `rt${newSecret(6).toLowerCase().replace(/[^a-z0-9]/g, '')}`,
    // Cluster mode refuses to start without a master key (or KMS): one for this cluster's processes.
    CAAS_MASTER_KEY: `cluster-master-${newSecret(24)}`,
    CAAS_LOG_LEVEL: 'info',
  };
  for (const name of ENGINE_VARS) if (process.env[name]) env[name] = process.env[name]!;
  router = await start('bin/router.ts', '"listening"');
  await start('bin/worker.ts', 'worker running');
  call = apiClient(router.url);
  world = await createChatWorld(call, env.CAAS_ADMIN_TOKEN!, ['ann', 'ben', 'cat']);
}, 180_000);

afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  for (const { child } of processes.reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('realtime in cluster mode', { timeout: 180_000 }, () => {
  it('a sender on one node and a receiver on the other: every event, in order, once', async () => {
    const [nodeA, nodeB] = [await start('bin/realtime.ts', 'realtime node listening'), await start('bin/realtime.ts', 'realtime node listening')];
    const id = await createGroup(call, t('ann'), ['ben']);
    const ann = await live(nodeA, t('ann'));
    const ben = await live(nodeB, t('ben'));
    for (let i = 0; i < 20; i++) expect((await send(call, t('ann'), id, { text: `m${i}` })).status).toBe(201);
    await waitFor(() => ben.messages(id).length === 20 && ann.messages(id).length === 20, LIVE_TIMEOUT_MS, 'both nodes deliver');
    const expected = Array.from({ length: 20 }, (_, i) => `m${i}`);
    expect(ben.messages(id).map((m) => m.text)).toEqual(expected);
    expect(ann.messages(id).map((m) => m.text)).toEqual(expected);
    const seqs = ben.events(id).map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);

    // In the store (history through the router) and on the bus (Kafka, read by a group of our own).
    const history = await call('GET', `/v1/conversations/${id}/messages`, { token: t('ben') });
    expect(history.body.messages.map((m: { text: string }) => m.text)).toEqual(expected);
    const ports = await createPorts(loadConfig(env));
    const onBus: Array<{ seq: number; text: string }> = [];
    const subscription = await ports.bus.subscribe({
      group: `cluster-test-${newSecret(4).toLowerCase().replace(/[^a-z0-9]/g, '')}`,
      topics: [CONVERSATION_EVENTS_TOPIC],
      handler: async (message) => {
        const event = JSON.parse(message.value) as { conversationId: string; seq: number; type: string; payload: { message?: { text: string } } };
        if (event.conversationId === id && event.type === 'message.new') onBus.push({ seq: event.seq, text: event.payload.message!.text });
      },
    });
    try {
      await waitFor(() => onBus.length >= 20, LIVE_TIMEOUT_MS, 'the messages on the bus');
      // Every message once per sequence, and sealed: the bus carries ciphertext (docs/encryption.md).
      expect(new Set(onBus.map((entry) => entry.seq)).size).toBe(20);
      expect(onBus.every((entry) => isCiphertext(entry.text) && !expected.includes(entry.text))).toBe(true);
    } finally {
      await subscription.stop();
      await closePorts(ports);
    }

    ann.send({ v: 1, type: 'typing.start', conversationId: id });
    await ben.next((f) => f.type === 'typing' && f.userId === 'ann', 'typing across nodes', LIVE_TIMEOUT_MS);
  });

  it('a node killed mid-stream: its clients resume on another node with nothing lost', async () => {
    const [survivor, doomed] = [await start('bin/realtime.ts', 'realtime node listening'), await start('bin/realtime.ts', 'realtime node listening')];
    const id = await createGroup(call, t('ann'), ['cat']);
    const onDoomed = await live(doomed, t('cat'));
    const sending = (async () => {
      for (let i = 0; i < 40; i++) expect((await send(call, t('ann'), id, { text: `s${i}` })).status).toBe(201);
    })();
    await waitFor(() => onDoomed.messages(id).length >= 5, LIVE_TIMEOUT_MS, 'first messages on the doomed node');
    doomed.child.kill('SIGKILL');
    await onDoomed.closed;
    const before = onDoomed.events(id);

    const resumed = await live(survivor, t('cat'), { [id]: before.at(-1)!.seq as number });
    await sending;
    const expected = Array.from({ length: 40 }, (_, i) => `s${i}`);
    await waitFor(() => before.length + resumed.events(id).length >= 40, LIVE_TIMEOUT_MS, 'the rest after resume');
    const texts = [...before, ...resumed.events(id)].map((e) => e.payload.message.text);
    expect(texts).toEqual(expected);
  });
});
