import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestClient } from '../../sdk/src/index.ts';
import { startLocalPlatform, type LocalPlatform } from '../support/local-platform.ts';

const run = promisify(execFile);

describe("the README's SDK tutorial (sdk/examples/quickstart.ts)", () => {
  let platform: LocalPlatform;
  beforeAll(async () => {
    platform = await startLocalPlatform();
  });
  afterAll(async () => platform?.close());

  it('runs as written against a running platform', async () => {
    const admin = createRestClient({ baseUrl: platform.url, token: platform.adminToken });
    const { serverKey } = await admin.call('apps.create', { body: { name: 'tutorial' } });
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'sdk/examples/quickstart.ts'], {
      env: { ...process.env, CAAS_URL: platform.url, CAAS_SERVER_KEY: serverKey.secret },
      timeout: 60_000,
    });
    expect(stdout).toContain('bob got #2: Hello Bob!');
    expect(stdout).toContain('bob got #3: [attachment]');
    expect(stdout).toMatch(/search found \d+ message\(s\)/);
  });
});
