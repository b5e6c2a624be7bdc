import type { FieldRef } from './ciphertext.ts';
import type { Envelope } from './envelope.ts';

/**
 * The latest ciphertexts per envelope, by key, binding and plaintext: a send seals the message in
 * its event and then in its row, both bound to the row's field (`boundTo`), so the second is this
 * lookup instead of a second encryption. Small values only, a bounded number (oldest out first).
 */
const recent = new WeakMap<Envelope, Map<string, string>>();
const RECENT_ENTRIES = 512;
const RECENT_MAX_CHARS = 8192;

export function sealOnce(envelope: Envelope, ref: FieldRef, plain: string, dataKey: { dataKeyId: string; key: Uint8Array }): string {
  if (plain.length > RECENT_MAX_CHARS) return envelope.encryptWithKey(ref, plain, dataKey);
  let memo = recent.get(envelope);
  if (!memo) recent.set(envelope, (memo = new Map()));
  const slot = JSON.stringify([dataKey.dataKeyId, ref.appId, ref.collection, ref.docId, ref.field, plain]);
  const known = memo.get(slot);
  if (known !== undefined) return known;
  const sealed = envelope.encryptWithKey(ref, plain, dataKey);
  memo.set(slot, sealed);
  if (memo.size > RECENT_ENTRIES) memo.delete(memo.keys().next().value!);
  return sealed;
}
