import { Counter, Gauge } from 'prom-client';
import { AUDIT_TOPIC } from '../runtime/audit/audit-trail.ts';
import type { Services } from '../runtime/context.ts';
import { processRegistry } from '../runtime/http/metrics.ts';
import type { BusMessage } from '../infra/bus/port.ts';
import { AuditRecordSchema, ChainAppender, chainOf } from '../functions/audit/audit-chain.ts';
import { Checkpointer } from '../functions/audit/checkpoints.ts';
import { Pseudonymizer } from '../functions/audit/pseudonyms.ts';
import { loadAuditSigner, publishKey } from '../functions/audit/signing-key.ts';
import type { WorkerHandle } from './index.ts';
import { startPollLoop } from './poll-loop.ts';

/**
 * The audit worker: consumes the `audit` topic (consumer group `audit-chain`) into each app's hash
 * chain (functions/audit/audit-chain.ts), user ids pseudonymized first, and signs checkpoints every
 * CAAS_AUDIT_CHECKPOINT_RECORDS records or CAAS_AUDIT_CHECKPOINT_SECONDS seconds. A redelivered
 * record is recognised and skipped; a store failure throws, so the bus redelivers and holds back
 * that app's later records: the chain never skips or reorders.
 */
const lag = new Gauge({
  name: 'caas_audit_chain_lag_seconds',
  help: 'For the last audit record appended: seconds from the call being recorded to its link being written',
  registers: [processRegistry],
});
const handled = new Counter({
  name: 'caas_audit_chain_records_total',
  help: 'Audit records handled by the audit worker, by outcome (appended, duplicate, invalid)',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

function parseRecord(message: BusMessage) {
  try {
    return AuditRecordSchema.safeParse(JSON.parse(message.value));
  } catch {
    return AuditRecordSchema.safeParse(undefined);
  }
}

export async function startAuditChain(services: Services): Promise<WorkerHandle> {
  const { bus, store } = services.ports;
  const signer = await loadAuditSigner(services.config);
  await publishKey(store, signer, services.clock.now());
  const appender = new ChainAppender(store);
  const pseudonyms = new Pseudonymizer(store);
  const checkpointer = new Checkpointer(
    store,
    signer,
    { everyRecords: services.config.CAAS_AUDIT_CHECKPOINT_RECORDS, everyMs: services.config.CAAS_AUDIT_CHECKPOINT_SECONDS * 1000 },
    () => services.clock.now(),
  );
  await bus.ensureTopics([{ name: AUDIT_TOPIC }]);

  const subscription = await bus.subscribe({
    group: 'audit-chain',
    topics: [AUDIT_TOPIC],
    // A bus batch is appended with one write per app chain (audit-chain.ts appendMany).
    handleBatch: async (messages) => {
      const records = [];
      for (const message of messages) {
        const parsed = parseRecord(message);
        if (!parsed.success) {
          handled.inc({ outcome: 'invalid' });
          services.log.warn({ offset: message.offset, partition: message.partition }, 'audit worker: malformed record skipped');
          continue;
        }
        records.push(await pseudonyms.apply(chainOf(parsed.data), parsed.data));
      }
      for (const result of await appender.appendMany(records)) {
        handled.inc({ outcome: result.outcome });
        if (result.outcome === 'appended') {
          await checkpointer.appended(result.chain, { seq: result.link.seq, hash: result.link.hash });
          lag.set(Math.max(0, services.clock.now() - result.link.record.at) / 1000);
        }
      }
    },
  });

  const timed = startPollLoop({
    intervalMs: Math.min(1_000, services.config.CAAS_AUDIT_CHECKPOINT_SECONDS * 1000),
    pass: () => checkpointer.tick(),
    onError: (error) => services.log.error({ err: error }, 'audit worker: timed checkpoint failed; retrying'),
  });

  return {
    async stop() {
      await subscription.stop();
      await timed.stop();
    },
  };
}
