import { z } from 'zod';
import { parsePortInput } from '../port-input.ts';
import { KMS_APP_ID_PATTERN, KMS_LIMITS, type EncryptionContext, type WrappedKey } from './port.ts';

/** Validation of what callers hand either KMS adapter: BAD_REQUEST before the root is touched. */
const appId = z.string().regex(KMS_APP_ID_PATTERN, 'letters, digits, _ and -, at most 64');
const context = z
  .record(z.string().min(1).max(KMS_LIMITS.maxContextKeyLength), z.string().max(KMS_LIMITS.maxContextValueLength))
  .refine((value) => Object.keys(value).length <= KMS_LIMITS.maxContextEntries, `at most ${KMS_LIMITS.maxContextEntries} entries`);
const wrapped = z.object({
  version: z.number().int().positive(),
  ciphertext: z.instanceof(Uint8Array).refine((bytes) => bytes.length > 0 && bytes.length <= KMS_LIMITS.maxWrappedBytes, `1 to ${KMS_LIMITS.maxWrappedBytes} bytes`),
});
const plaintext = z.instanceof(Uint8Array).refine((bytes) => bytes.length === KMS_LIMITS.dataKeyBytes, `exactly ${KMS_LIMITS.dataKeyBytes} bytes`);

export const kmsInput = (adapter: string) => ({
  appId: (value: unknown): string => parsePortInput(adapter, 'app id', appId, value),
  context: (value: unknown): EncryptionContext => parsePortInput(adapter, 'encryption context', context, value),
  wrapped: (value: unknown): WrappedKey => parsePortInput(adapter, 'wrapped key', wrapped, value),
  plaintext: (value: unknown): Uint8Array => parsePortInput(adapter, 'data key', plaintext, value),
});

/** Context pairs in one canonical order, so the same pairs always give the same bytes. */
export function canonicalContext(value: EncryptionContext): string {
  return JSON.stringify(Object.keys(value).sort().map((key) => [key, value[key]]));
}
