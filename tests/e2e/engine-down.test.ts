import { describe, expect, it } from 'vitest';
import { functions } from '../../routes.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createRouter } from '../../runtime/http/create-router.ts';
import { startServices, stopServices } from '../../runtime/platform.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { waitFor } from '../support/wait-for.ts';
import { domain } from '../../functions/domain.ts';

const dirs = useTempDirs();
const ADMIN = 'adm_engine-down-test-admin-token-0000';

describe('an engine that is down at startup', () => {
  it('does not crash the process: /readyz names the port, startup retries with logged backoff', async () => {
    const dataDir = await dirs.make('caas-down-');
    // Nothing listens on port 1: the MongoDB adapter cannot connect.
    const services = await startServices(
      domain,
      loadConfig({ CAAS_DATA_DIR: dataDir, MONGO_URL: 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300', CAAS_MASTER_KEY: 'engine-down-test-master-key-0123456789', CAAS_LOG_LEVEL: 'silent', CAAS_ADMIN_TOKEN: ADMIN }),
    );
    try {
      const router = createRouter({ services, functions });
      await waitFor(() => services.startup.lastError !== null, 20_000, 'a failed preparation attempt');
      const anonymous = await router.app.request('/readyz');
      expect(anonymous.status).toBe(503);
      expect(JSON.stringify(await anonymous.json())).not.toContain('mongodb');
      const ready = await router.app.request('/readyz', { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { startup: { prepared: boolean; lastError: string }; checks: Array<{ port: string; ok: boolean }> };
      expect(body.startup.prepared).toBe(false);
      expect(body.startup.lastError).toContain('mongodb');
      expect(body.checks.find((check) => check.port === 'store')).toMatchObject({ ok: false });
      expect(body.checks.filter((check) => check.port !== 'store').every((check) => check.ok)).toBe(true);
      expect((await router.app.request('/healthz')).status).toBe(200);
    } finally {
      await stopServices(services);
    }
  }, 30_000);
});
