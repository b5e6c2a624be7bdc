import { generateKeyPairSync } from 'node:crypto';
import type { StorePort } from '../../infra/store/port.ts';
import type { AuditRecord } from '../../runtime/audit/audit-trail.ts';
import { GENESIS_HASH, links, nextLink, type AuditLink, type ChainTail } from '../../functions/audit/audit-chain.ts';
import { checkpoints, signCheckpoint } from '../../functions/audit/checkpoints.ts';
import { loadAuditSigner, type AuditSigner } from '../../functions/audit/signing-key.ts';
import { loadConfig } from '../../runtime/config.ts';

/** Audit chains built straight through the chain module, for tamper tests and benchmarks. */
export function auditRecord(appId: string, n: number): AuditRecord {
  return {
    at: 1_700_000_000_000 + n,
    requestId: `req_${n}`,
    appId,
    actor: { kind: 'server', id: 'key_1' },
    action: n % 2 ? 'messages.send' : 'users.upsert',
    method: 'POST',
    path: `/v1/conversations/c${n % 7}/messages`,
    target: { conversationId: `c${n % 7}` },
    status: 201,
    outcome: 'success',
  };
}

export async function testSigner(): Promise<AuditSigner> {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return loadAuditSigner(loadConfig({ CAAS_AUDIT_SIGNING_KEY: pem }));
}

/** Appends `count` records (and a signed checkpoint every `checkpointEvery`) after `tail`. */
export async function buildChain(
  store: StorePort,
  appId: string,
  count: number,
  options: { signer?: AuditSigner; checkpointEvery?: number; tail?: ChainTail; record?: (n: number) => AuditRecord } = {},
): Promise<AuditLink[]> {
  let tail = options.tail ?? { seq: 0, hash: GENESIS_HASH };
  const built: AuditLink[] = [];
  let batch: AuditLink[] = [];
  for (let i = 0; i < count; i += 1) {
    const link = nextLink(appId, tail, (options.record ?? ((n) => auditRecord(appId, n)))(tail.seq + 1));
    tail = { seq: link.seq, hash: link.hash };
    batch.push(link);
    if (options.signer && options.checkpointEvery && link.seq % options.checkpointEvery === 0) {
      await checkpoints(store).insertOne(await signCheckpoint(options.signer, { appId, seq: link.seq, hash: link.hash, at: link.at }));
    }
    if (batch.length === 5_000) {
      await links(store).insertMany(batch);
      built.push(...batch);
      batch = [];
    }
  }
  await links(store).insertMany(batch);
  built.push(...batch);
  return built;
}
