import { readFile } from 'node:fs/promises';

/**
 * Loads the engines' env written by infra/engines/up.sh (unless the URLs are already set) and
 * refuses to run without them: a real-engine suite that silently ran on embedded adapters would
 * prove nothing.
 */
const REQUIRED = ['MONGO_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'ELASTICSEARCH_URL', 'S3_ENDPOINT'];

export default async function setup(): Promise<void> {
  const stateDir = process.env.CAAS_ENGINES_STATE ?? '/tmp/caas-engines';
  const envFile = await readFile(`${stateDir}/env`, 'utf8').catch(() => '');
  for (const line of envFile.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && process.env[match[1]] === undefined) process.env[match[1]] = match[2];
  }
  const missing = REQUIRED.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(`test:infra needs real engines; missing ${missing.join(', ')}. Start them with: bash infra/engines/up.sh`);
  }
  // The end-to-end suites included by vitest.infra.config.ts run on these engines, not the embedded ones.
  process.env.CAAS_E2E_ENGINES = '1';
  const versions = await readFile(`${stateDir}/engines.json`, 'utf8').catch(() => null);
  if (versions) process.stdout.write(`real engines under test:\n${versions}\n`);
}
