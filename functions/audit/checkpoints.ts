import { CompactSign, compactVerify, createLocalJWKSet, type JWK } from 'jose';
import { z } from 'zod';
import { isAppError } from '../../runtime/errors.ts';
import type { Collection, IndexDeclaration, StorePort } from '../../infra/store/port.ts';
import { linkId, type ChainTail } from './audit-chain.ts';
import type { AuditSigner } from './signing-key.ts';

/**
 * Signed checkpoints: every N records or T seconds the audit worker signs { appId, seq, hash, at }
 * of a chain's tail as an Ed25519 compact JWS. Whoever holds a checkpoint and the published JWKS
 * can prove later that the chain up to `seq` is unchanged, without trusting the store.
 */
export const AUDIT_CHECKPOINTS = 'audit_checkpoints';
export const CHECKPOINT_TYPE = 'caas-audit-checkpoint+jws';

export const CheckpointPayload = z.object({ appId: z.string(), seq: z.number().int().positive(), hash: z.string(), at: z.number() });
export type CheckpointPayload = z.infer<typeof CheckpointPayload>;

export interface CheckpointDoc extends CheckpointPayload {
  _id: string;
  kid: string;
  jws: string;
  [key: string]: unknown;
}

export const checkpointIndexes: IndexDeclaration[] = [
  { collection: AUDIT_CHECKPOINTS, specs: [{ name: 'app_seq_unique', keys: { appId: 1, seq: 1 }, unique: true }] },
];

export function checkpoints(store: StorePort): Collection<CheckpointDoc> {
  return store.collection<CheckpointDoc>(AUDIT_CHECKPOINTS);
}

export async function signCheckpoint(signer: AuditSigner, payload: CheckpointPayload): Promise<CheckpointDoc> {
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', kid: signer.kid, typ: CHECKPOINT_TYPE })
    .sign(signer.privateKey);
  return { _id: linkId(payload.appId, payload.seq), ...payload, kid: signer.kid, jws };
}

/** The payload of a checkpoint whose signature one of `keys` verifies; throws otherwise. */
export async function verifyCheckpoint(jws: string, keys: JWK[]): Promise<CheckpointPayload> {
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet({ keys }), { algorithms: ['EdDSA'] });
  if (protectedHeader.typ !== CHECKPOINT_TYPE) throw new Error(`unexpected JWS typ ${String(protectedHeader.typ)}`);
  return CheckpointPayload.parse(JSON.parse(new TextDecoder().decode(payload)));
}

export async function latestCheckpoint(store: StorePort, appId: string): Promise<CheckpointDoc | null> {
  const [last] = await checkpoints(store).find({ appId }, { sort: { seq: -1 }, limit: 1 });
  return last ?? null;
}

interface ChainState {
  checkpointed: number;
  checkpointedAt: number;
  tail: ChainTail | null;
}

export interface CheckpointPolicy {
  everyRecords: number;
  everyMs: number;
}

/** Decides when each chain is due a checkpoint and writes it (idempotently: one per (appId, seq)). */
export class Checkpointer {
  private readonly chains = new Map<string, ChainState>();

  constructor(
    private readonly store: StorePort,
    private readonly signer: AuditSigner,
    private readonly policy: CheckpointPolicy,
    private readonly now: () => number,
  ) {}

  private async state(appId: string): Promise<ChainState> {
    let state = this.chains.get(appId);
    if (!state) {
      const last = await latestCheckpoint(this.store, appId);
      state = { checkpointed: last?.seq ?? 0, checkpointedAt: last?.at ?? this.now(), tail: null };
      this.chains.set(appId, state);
    }
    return state;
  }

  async appended(appId: string, tail: ChainTail): Promise<void> {
    const state = await this.state(appId);
    state.tail = tail;
    if (tail.seq - state.checkpointed >= this.policy.everyRecords) await this.write(appId, state);
  }

  /** Checkpoints every chain that grew and whose last checkpoint is older than the time policy. */
  async tick(): Promise<number> {
    let written = 0;
    for (const [appId, state] of this.chains) {
      if (state.tail && state.tail.seq > state.checkpointed && this.now() - state.checkpointedAt >= this.policy.everyMs) {
        await this.write(appId, state);
        written += 1;
      }
    }
    return written;
  }

  private async write(appId: string, state: ChainState): Promise<void> {
    const tail = state.tail!;
    const at = this.now();
    try {
      await checkpoints(this.store).insertOne(await signCheckpoint(this.signer, { appId, seq: tail.seq, hash: tail.hash, at }));
    } catch (error) {
      if (!isAppError(error) || error.code !== 'CONFLICT') throw error; // another worker signed this seq
    }
    state.checkpointed = tail.seq;
    state.checkpointedAt = at;
  }
}
