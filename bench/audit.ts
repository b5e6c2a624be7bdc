/**
 * Audit chain benchmark: records/s the audit worker appends (bus → pseudonymize → hash → store,
 * local mode), records/s verify checks, both beside a raw SHA-256 chain loop over the same records
 * in the same run (the ceiling: hashing alone, no encoding, no store).
 *
 *   npx tsx bench/audit.ts [--records 20000] [--apps 4]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { domain } from '../functions/domain.ts';
import { links } from '../functions/audit/audit-chain.ts';
import { verifyChain } from '../functions/audit/chain-verify.ts';
import { publishedKeys } from '../functions/audit/signing-key.ts';
import { AUDIT_TOPIC } from '../runtime/audit/audit-trail.ts';
import { loadConfig } from '../runtime/config.ts';
import { startPreparedServices, stopServices } from '../runtime/platform.ts';
import { startAuditChain } from '../workers/audit-chain.ts';
import { auditRecord } from '../tests/support/audit-chains.ts';
import { writeSection } from './report.ts';

const { values } = parseArgs({ options: { records: { type: 'string', default: '20000' }, apps: { type: 'string', default: '4' } } });
const total = Number(values.records);
const apps = Array.from({ length: Number(values.apps) }, (_, i) => `app_bench_${i}`);
const dataDir = mkdtempSync(join(tmpdir(), 'caas-bench-audit-'));
const services = await startPreparedServices(domain, loadConfig({ CAAS_DATA_DIR: dataDir, CAAS_LOG_LEVEL: 'silent' }));

const records = Array.from({ length: total }, (_, n) => auditRecord(apps[n % apps.length]!, n + 1));

// Raw SHA-256 chain: hash(prev ‖ JSON) per record, nothing else.
let started = performance.now();
let prev = '0'.repeat(64);
for (const record of records) prev = createHash('sha256').update(prev).update(JSON.stringify(record)).digest('hex');
const rawPerSecond = total / ((performance.now() - started) / 1000);

for (let i = 0; i < total; i += 500) {
  await services.ports.bus.publish(AUDIT_TOPIC, records.slice(i, i + 500).map((record) => ({ key: record.appId!, value: JSON.stringify(record) })));
}
started = performance.now();
const worker = await startAuditChain(services);
while ((await links(services.ports.store).countDocuments({})) < total) await new Promise((resolve) => setTimeout(resolve, 20));
const workerPerSecond = total / ((performance.now() - started) / 1000);
await worker.stop();

const keys = await publishedKeys(services.ports.store);
started = performance.now();
let checked = 0;
for (const appId of apps) {
  const result = await verifyChain(services.ports.store, appId, { keys });
  if (!result.ok) throw new Error(`verify reported ${JSON.stringify(result)} on a clean chain`);
  checked += result.checked;
}
const verifyPerSecond = checked / ((performance.now() - started) / 1000);
await stopServices(services);
rmSync(dataDir, { recursive: true, force: true });

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ratio = (n: number) => (n / rawPerSecond).toFixed(3);
const table = [
  '| | records/s | × raw SHA-256 chain |',
  '|---|---:|---:|',
  `| raw SHA-256 chain loop (baseline) | ${fmt(rawPerSecond)} | 1 |`,
  `| audit worker: bus → chain (append, local mode) | ${fmt(workerPerSecond)} | ${ratio(workerPerSecond)} |`,
  `| verify (read + JCS + SHA-256 + checkpoints) | ${fmt(verifyPerSecond)} | ${ratio(verifyPerSecond)} |`,
].join('\n');
process.stdout.write(`${table}\n`);
await writeSection(
  'audit',
  `## Audit chain (${fmt(total)} records over ${apps.length} apps, local mode)

\`npx tsx bench/audit.ts --records ${total} --apps ${apps.length}\`. The worker appends one record per
store write (a redelivery must find its link), so it is bound by the embedded store, not by hashing.

${table}`,
);
