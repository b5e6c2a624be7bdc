/**
 * Send throughput with encryption at rest on and off, in one run: the same in-process router
 * (no sockets, so the load generator does not share the measure) in local mode, once with the
 * sealed store (functions/domain.ts) and once without it. Rounds alternate on/off and the best of
 * each counts, so drift on a shared machine hits both. Also: a 50-message history page.
 *
 *   npx tsx bench/crypto-send.ts [--seconds 3] [--concurrency 16] [--rounds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../functions/apps/apps.ts';
import { createConversation } from '../functions/conversations/conversation-lifecycle.ts';
import { domain } from '../functions/domain.ts';
import { upsertUser } from '../functions/users/users.ts';
import { functions } from '../routes.ts';
import { mintUserToken } from '../runtime/auth/user-tokens.ts';
import { loadConfig } from '../runtime/config.ts';
import { createRouter } from '../runtime/http/create-router.ts';
import { startPreparedServices, stopServices } from '../runtime/platform.ts';
import { writeSection } from './report.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '16' }, rounds: { type: 'string', default: '3' } } });
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);

async function platform(encrypted: boolean) {
  const dataDir = await mkdtemp(join(tmpdir(), 'caas-bench-crypto-'));
  const config = loadConfig({ CAAS_DATA_DIR: dataDir, CAAS_LOG_LEVEL: 'silent', CAAS_RATE_LIMIT_USER: '0', CAAS_MASTER_KEY: 'bench-master-key-0123456789abcdefghijkl' });
  const services = await startPreparedServices(encrypted ? domain : { ...domain, sealPorts: undefined }, config);
  const router = createRouter({ services, functions });
  const { app } = await createApp(services, { name: 'bench' });
  await upsertUser(services, app._id, 'sender', { name: 'Sender' });
  await upsertUser(services, app._id, 'reader', {});
  const { conversation } = await createConversation(services, app._id, 'sender', { type: 'group', memberIds: ['reader'] });
  const { token } = await mintUserToken({ appId: app._id, userId: 'sender', tokenVersion: 0, ttlSec: 3600, now: Date.now() }, app.signingSecret);
  const path = `http://local/v1/conversations/${conversation._id}/messages`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const body = JSON.stringify({ text: 'hello from the crypto send benchmark', custom: { mood: 'benchmarking' } });
  return {
    send: async () => {
      const response = await router.app.request(path, { method: 'POST', headers, body });
      if (response.status !== 201) throw new Error(`send answered ${response.status}: ${await response.text()}`);
    },
    page: async () => {
      const response = await router.app.request(`${path}?limit=50`, { headers });
      if (response.status !== 200) throw new Error(`history answered ${response.status}`);
      await response.json();
    },
    close: async () => {
      await stopServices(services);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Operations per second of `op` run by `concurrency` loops for `seconds`. */
async function rate(op: () => Promise<void>, forSeconds: number, parallel: number): Promise<number> {
  const end = Date.now() + forSeconds * 1000;
  let done = 0;
  const start = Date.now();
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (Date.now() < end) {
      await op();
      done++;
    }
  }));
  return done / ((Date.now() - start) / 1000);
}

const on = await platform(true);
const off = await platform(false);
const best = { sendOn: 0, sendOff: 0, pageOn: 0, pageOff: 0 };
try {
  await rate(on.send, 1, concurrency); // warm-up: JIT, page cache, data keys
  await rate(off.send, 1, concurrency);
  for (let round = 0; round < rounds; round++) {
    best.sendOff = Math.max(best.sendOff, await rate(off.send, seconds, concurrency));
    best.sendOn = Math.max(best.sendOn, await rate(on.send, seconds, concurrency));
    best.pageOff = Math.max(best.pageOff, await rate(off.page, seconds, 4));
    best.pageOn = Math.max(best.pageOn, await rate(on.page, seconds, 4));
  }
} finally {
  await on.close();
  await off.close();
}

const sendCost = 1 - best.sendOn / best.sendOff;
const pageMsOn = 1000 / best.pageOn;
const pageMsOff = 1000 / best.pageOff;
const load = loadavg().map((x) => x.toFixed(2)).join(' ');
await writeSection(
  'crypto-send',
  `## Send with encryption at rest on and off (in-process, local mode)

\`npx tsx bench/crypto-send.ts --seconds ${seconds} --concurrency ${concurrency} --rounds ${rounds}\` — ${new Date().toISOString().slice(0, 10)}, load average ${load}

The same router in one process, called without sockets, on two local platforms: one with the
sealed store (message text and custom data, event payload, conversation preview encrypted per
author data key), one without. Best of ${rounds} alternating rounds each.

| | encryption off | encryption on | cost |
| --- | ---: | ---: | ---: |
| send (messages/s, ${concurrency} concurrent) | ${Math.round(best.sendOff)} | ${Math.round(best.sendOn)} | **${(sendCost * 100).toFixed(1)} %** (target ≤ 10 %) |
| history page of 50 messages (ms per page, 4 concurrent) | ${pageMsOff.toFixed(2)} | ${pageMsOn.toFixed(2)} | +${(pageMsOn - pageMsOff).toFixed(2)} ms |

${sendCost <= 0.1 ? 'The send cost meets the target.' : 'The send cost is **above the 10 % target**.'} A send with custom data encrypts three values (the event's
message text and custom data, bound to the message row, whose own copy reuses those ciphertexts;
the conversation preview); reads decrypt a field only when a caller reads it, so the access checks
that read the conversation and the profile decrypt nothing. A shared machine moves both columns:
compare the ratio, and rerun before drawing conclusions.
`,
);
process.stdout.write(`send off ${Math.round(best.sendOff)}/s on ${Math.round(best.sendOn)}/s cost ${(sendCost * 100).toFixed(1)} %; page off ${pageMsOff.toFixed(2)} ms on ${pageMsOn.toFixed(2)} ms\n`);
