import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackChildren } from '../support/track-children.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

const root = join(import.meta.dirname, '..', '..');
const dirs = useTempDirs();
const children = trackChildren();
let child: ChildProcess | undefined;

/** Runs what `npm start` runs, and collects its banner. */
function start(env: Record<string, string>): Promise<string> {
  child = children.spawn(process.execPath, ['--import', 'tsx', 'bin/caas.ts'], { cwd: root, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child!.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('try: curl')) resolve(out);
    });
    child!.stderr!.on('data', (chunk) => (err += chunk));
    child!.once('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
}

describe('npm start', () => {
  it('serves the platform in local mode, prints a working demo, and stops cleanly on SIGTERM', async () => {
    const dataDir = await dirs.make('caas-start-');
    const banner = await start({ PORT: '0', HOST: '127.0.0.1', CAAS_DATA_DIR: dataDir, CAAS_LOG_LEVEL: 'warn' });
    const url = /running at (http:\/\/\S+)/.exec(banner)?.[1];
    const aliceToken = /alice\s+(\S+)/.exec(banner)?.[1];
    const adminToken = /admin token\s+(\S+)/.exec(banner)?.[1];
    expect(url).toBeDefined();
    expect(banner).toContain(`master key    generated into ${join(dataDir, 'master-key')}`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${aliceToken}` } });
    expect(await me.json()).toMatchObject({ id: 'alice', name: 'Alice' });
    const apps = await fetch(`${url}/v1/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'mine' }),
    });
    expect(apps.status).toBe(201);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it('runs the bus consumers in a thread of their own: what is sent gets indexed and audited, their metrics are served, SIGTERM drains them', async () => {
    const banner = await start({ PORT: '0', HOST: '127.0.0.1', CAAS_DATA_DIR: await dirs.make('caas-thread-'), CAAS_LOG_LEVEL: 'warn' });
    const url = /running at (http:\/\/\S+)/.exec(banner)![1]!;
    const alice = /alice\s+(\S+)/.exec(banner)![1]!;
    const serverKey = /server key\s+(\S+)/.exec(banner)![1]!;
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const conversation = await call('POST', '/v1/conversations', alice, { type: 'group', memberIds: ['bob'] });
    expect(conversation.status).toBe(201);
    expect((await call('POST', `/v1/conversations/${conversation.body.id as string}/messages`, alice, { text: 'threaded zebra' })).status).toBe(201);

    // The search indexer and the audit chain run in the thread: their results and metrics show here.
    await expect
      .poll(async () => ((await call('GET', '/v1/search/messages?q=zebra', alice)).body.results as unknown[] | undefined)?.length, { timeout: 10_000 })
      .toBe(1);
    await expect.poll(async () => ((await call('GET', '/v1/audit', serverKey)).body.entries as unknown[] | undefined)?.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(Number(/^caas_search_indexer_events_total\{outcome="indexed"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^caas_outbox_relay_events_total \d+/m);
    expect(metrics.match(/^# HELP caas_search_indexer_events_total /gm)).toHaveLength(1);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it('refuses to start in cluster mode without a master key or KMS, naming CAAS_MASTER_KEY', async () => {
    const run = children.spawn(process.execPath, ['--import', 'tsx', 'bin/caas.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, REDIS_URL: 'redis://127.0.0.1:1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    run.stderr!.on('data', (chunk) => (err += chunk));
    expect(await new Promise<number | null>((resolve) => run.once('exit', resolve))).toBe(78);
    expect(err).toContain('CAAS_MASTER_KEY: required in cluster mode (REDIS_URL is set)');
  }, 30_000);

  it('names every invalid variable and exits without starting', async () => {
    const run = children.spawn(process.execPath, ['--import', 'tsx', 'bin/caas.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, PORT: 'nope', REDIS_URL: 'http://wrong' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    run.stderr!.on('data', (chunk) => (err += chunk));
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    expect(code).toBe(78);
    expect(err).toContain('PORT');
    expect(err).toContain('REDIS_URL');
  }, 30_000);
});
