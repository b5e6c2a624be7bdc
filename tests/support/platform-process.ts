import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { trackChildren } from './track-children.ts';

const root = join(import.meta.dirname, '..', '..');

/** The admin token platform processes started here use. */
export const PROCESS_ADMIN_TOKEN = `adm_${'x'.repeat(30)}`;

/**
 * `npm start` (bin/caas.ts) as a child process on a data dir, on a free port, resolved once its
 * banner is out: for tests that kill, stop and restart the whole platform.
 */
export async function startPlatformProcess(
  children: ReturnType<typeof trackChildren>,
  dataDir: string,
): Promise<{ child: ChildProcess; url: string; banner: string }> {
  const child = children.spawn(process.execPath, ['--import', 'tsx', 'bin/caas.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', CAAS_DATA_DIR: dataDir, CAAS_LOG_LEVEL: 'warn', CAAS_ADMIN_TOKEN: PROCESS_ADMIN_TOKEN, CAAS_RATE_LIMIT_USER: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const banner = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('try: curl')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
  return { child, url: /running at (http:\/\/\S+)/.exec(banner)![1]!, banner };
}
