import { createHash } from 'node:crypto';
import type { IndexDeclaration } from '../../infra/store/port.ts';
import type { Services } from '../context.ts';
import { AppError, isAppError } from '../errors.ts';

/**
 * `Idempotency-Key` for every write: the first response (status, body, errors included, but not
 * 5xx, which a retry should run again) is kept 24 h and replayed; the same key with another body is
 * a 422; a concurrent duplicate waits for the first to finish, then gets its response.
 * The claim is an atomic insert into the store, so it holds across router replicas.
 */
export interface StoredResponse {
  status: number;
  body: string | null;
  contentType: string | null;
  /** Headers that belong to the outcome (Retry-After, Location…), replayed with it. */
  headers?: Record<string, string>;
}

interface IdempotencyDoc {
  _id: string;
  fingerprint: string;
  state: 'running' | 'done';
  response: StoredResponse | null;
  /** A running claim older than this is taken over (its process died). */
  claimExpiresAt: number;
  expiresAt: number;
  [key: string]: unknown;
}

export const IDEMPOTENCY = 'idempotency_keys';
export const idempotencyIndexes: IndexDeclaration[] = [{ collection: IDEMPOTENCY, specs: [{ keys: { expiresAt: 1 } }] }];

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const CLAIM_MS = 30_000;
const WAIT_STEP_MS = 50;
const MAX_KEY_LENGTH = 255;

export interface IdempotentCall {
  /** Who is calling and what: keys never collide across apps, callers or endpoints. */
  scope: string;
  key: string;
  method: string;
  path: string;
  body: string;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function validateIdempotencyKey(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new AppError('BAD_REQUEST', `Idempotency-Key must be 1-${MAX_KEY_LENGTH} visible ASCII characters`);
  }
}

export async function runIdempotent(
  services: Services,
  call: IdempotentCall,
  execute: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  validateIdempotencyKey(call.key);
  const records = services.ports.store.collection<IdempotencyDoc>(IDEMPOTENCY);
  const id = sha256(`${call.scope}\n${call.key}`);
  const fingerprint = sha256(`${call.method}\n${call.path}\n${call.body}`);
  const deadline = services.clock.now() + CLAIM_MS;

  for (;;) {
    const now = services.clock.now();
    const claimed = await records.findOneAndUpdate(
      { _id: id, $or: [{ expiresAt: { $lt: now } }, { state: 'running', claimExpiresAt: { $lt: now } }] },
      { $set: { fingerprint, state: 'running', response: null, claimExpiresAt: now + CLAIM_MS, expiresAt: now + IDEMPOTENCY_TTL_MS } },
      { returnDocument: 'after' },
    );
    const inserted =
      claimed ??
      (await records
        .insertOne({ _id: id, fingerprint, state: 'running', response: null, claimExpiresAt: now + CLAIM_MS, expiresAt: now + IDEMPOTENCY_TTL_MS })
        .catch((error: unknown) => {
          if (isAppError(error) && error.code === 'CONFLICT') return null;
          throw error;
        }));
    if (inserted) return { ...(await executeAndKeep(records, id, execute)), replayed: false };

    const existing = await records.findOne({ _id: id });
    if (!existing) continue;
    if (existing.fingerprint !== fingerprint) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
    }
    if (existing.state === 'done' && existing.response) return { ...existing.response, replayed: true };
    if (services.clock.now() > deadline) {
      throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still in progress', {
        headers: { 'Retry-After': '1' },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }
}

async function executeAndKeep(
  records: ReturnType<Services['ports']['store']['collection']>,
  id: string,
  execute: () => Promise<StoredResponse>,
): Promise<StoredResponse> {
  let response: StoredResponse;
  try {
    response = await execute();
  } catch (error) {
    await records.deleteOne({ _id: id });
    throw error;
  }
  if (response.status >= 500) await records.deleteOne({ _id: id });
  else await records.updateOne({ _id: id }, { $set: { state: 'done', response } });
  return response;
}
