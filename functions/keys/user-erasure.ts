import type { Services } from '../../runtime/context.ts';
import { forgetAuthor } from '../search/indexing.ts';
import { requireEnvelope } from './rotations.ts';

/**
 * The GDPR erasure of a user's content (POST /v1/users/:userId/shred, and the erasure job): destroys
 * the user's data keys, so every message text, edit and custom field they wrote — in the store, the
 * event log and bus records — is unreadable for good, then removes their messages from search,
 * whose index holds plaintext tokens. Idempotent.
 */
export async function eraseUserContent(services: Services, appId: string, userId: string): Promise<{ destroyedKeys: number; searchDocumentsRemoved: number }> {
  const destroyedKeys = await requireEnvelope(services).shredUser(appId, userId);
  const searchDocumentsRemoved = await forgetAuthor(services, appId, userId);
  return { destroyedKeys, searchDocumentsRemoved };
}
