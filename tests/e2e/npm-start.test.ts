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
