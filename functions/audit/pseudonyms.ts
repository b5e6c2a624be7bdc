import { createHmac, randomBytes } from 'node:crypto';
import type { AuditRecord } from '../../runtime/audit/audit-trail.ts';
import { isAppError } from '../../runtime/errors.ts';
import type { StorePort } from '../../infra/store/port.ts';

/**
 * The audit chain keeps a pseudonym, never the person: before a record is hashed, every user id in
 * it (a user actor, a `userId` target and its path segment) becomes HMAC-SHA256(app key, userId).
 * The chain is then never rewritten for an erasure, and an operator asked "what did user X do"
 * computes X's pseudonym with the same key (GET /v1/audit?actor=X does).
 */
export const AUDIT_PSEUDONYM_KEYS = 'audit_pseudonym_keys';

interface PseudonymKeyDoc {
  _id: string;
  key: string;
  [key: string]: unknown;
}

const USER_TARGETS = new Set(['userId']);

export class Pseudonymizer {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly store: StorePort) {}

  private async keyOf(chain: string): Promise<Buffer> {
    const known = this.keys.get(chain);
    if (known) return known;
    const collection = this.store.collection<PseudonymKeyDoc>(AUDIT_PSEUDONYM_KEYS);
    let doc = await collection.findOne({ _id: chain });
    if (!doc) {
      try {
        doc = await collection.insertOne({ _id: chain, key: randomBytes(32).toString('base64url') });
      } catch (error) {
        // Two processes created it at once: the one stored wins.
        if (!isAppError(error) || error.code !== 'CONFLICT') throw error;
        doc = await collection.findOne({ _id: chain });
      }
    }
    const key = Buffer.from(doc!.key, 'base64url');
    this.keys.set(chain, key);
    return key;
  }

  async pseudonym(chain: string, userId: string): Promise<string> {
    return `psn_${createHmac('sha256', await this.keyOf(chain)).update(userId).digest('base64url').slice(0, 22)}`;
  }

  async apply(chain: string, record: AuditRecord): Promise<AuditRecord> {
    const replaced = new Map<string, string>();
    const swap = async (userId: string): Promise<string> => {
      const value = replaced.get(userId) ?? (await this.pseudonym(chain, userId));
      replaced.set(userId, value);
      return value;
    };
    const actorId = record.actor.kind === 'user' && record.actor.id ? await swap(record.actor.id) : record.actor.id;
    const target: Record<string, string> = {};
    for (const [name, value] of Object.entries(record.target)) target[name] = USER_TARGETS.has(name) ? await swap(value) : value;
    const path = record.path
      .split('/')
      .map((segment) => {
        const decoded = safeDecode(segment);
        return replaced.get(decoded) ?? segment;
      })
      .join('/');
    return { ...record, actor: { ...record.actor, id: actorId }, target, path };
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
