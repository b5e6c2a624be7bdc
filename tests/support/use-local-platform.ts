import { afterAll, beforeAll } from 'vitest';
import { domain } from '../../functions/domain.ts';
import { loadConfig } from '../../runtime/config.ts';
import type { Services } from '../../runtime/context.ts';
import { startPreparedServices, stopServices } from '../../runtime/platform.ts';
import { apiClient, type ApiCall } from './http-client.ts';
import { engineEnv, startLocalPlatform, type LocalPlatform } from './local-platform.ts';
import { useTempDirs } from './temp-dirs.ts';

/** What a suite gets from useLocalPlatform(); read it inside hooks and tests, not at import time. */
export interface PlatformFixture {
  readonly platform: LocalPlatform;
  readonly call: ApiCall;
}

function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is read before its beforeAll ran`);
  return value;
}

/**
 * The whole local platform for one test file: started in beforeAll (before the file's own
 * beforeAll hooks, which may use it), closed in afterAll with its data dir removed.
 *
 * @example
 * const local = useLocalPlatform({ CAAS_MAX_BODY_BYTES: '4096' });
 * it('…', async () => expect((await local.call('GET', '/healthz')).status).toBe(200));
 */
export function useLocalPlatform(env: Record<string, string> = {}, options: Parameters<typeof startLocalPlatform>[1] = {}): PlatformFixture {
  let platform: LocalPlatform | undefined;
  let call: ApiCall | undefined;
  beforeAll(async () => {
    platform = await startLocalPlatform(env, options);
    call = apiClient(platform.url);
  });
  afterAll(async () => {
    await platform?.close();
  });
  return {
    get platform() {
      return started(platform, 'the local platform');
    },
    get call() {
      return started(call, 'the API client');
    },
  };
}

/** Only the services (ports, config, clock) on a fresh data dir: for tests that call domain code directly. */
export function useLocalServices(env: Record<string, string> = {}): { readonly services: Services } {
  const dirs = useTempDirs();
  let services: Services | undefined;
  beforeAll(async () => {
    const dataDir = await dirs.make('caas-services-');
    services = await startPreparedServices(domain, loadConfig({ ...engineEnv(), CAAS_DATA_DIR: dataDir, CAAS_LOG_LEVEL: 'silent', ...env }));
  });
  afterAll(async () => {
    if (services) await stopServices(services);
  });
  return {
    get services() {
      return started(services, 'the services');
    },
  };
}
