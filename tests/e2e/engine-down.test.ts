import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functions } from '../../routes.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createRouter } from '../../runtime/http/create-router.ts';
import { startServices, stopServices } from '../../runtime/platform.ts';
import { waitFor } from '../contract/wait-for.ts';

describe('an engine that is down at startup', () => {
  it('does not crash the process: /readyz names the port, startup retries with logged backoff', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'caas-down-'));
    // Nothing listens on port 1: the MongoDB adapter cannot connect.
    const services = await startServices(
      loadConfig({ CAAS_DATA_DIR: dataDir, MONGO_URL: 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300', CAAS_MASTER_KEY: 'engine-down-test-master-key-0123456789', CAAS_LOG_LEVEL: 'silent' }),
    );
    try {
      const router = createRouter({ services, functions });
      await waitFor(() => services.startup.lastError !== null, 20_000, 'a failed preparation attempt');
      const ready = await router.app.request('/readyz');
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { startup: { prepared: boolean; lastError: string }; checks: Array<{ port: string; ok: boolean }> };
      expect(body.startup.prepared).toBe(false);
      expect(body.startup.lastError).toContain('mongodb');
      expect(body.checks.find((check) => check.port === 'store')).toMatchObject({ ok: false });
      expect(body.checks.filter((check) => check.port !== 'store').every((check) => check.ok)).toBe(true);
      expect((await router.app.request('/healthz')).status).toBe(200);
    } finally {
      await stopServices(services);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
