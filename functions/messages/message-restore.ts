import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import type { Access } from '../conversations/conversations.ts';
import { editMessage } from './message-changes.ts';
import type { MessageDoc } from './messages.ts';

/**
 * Restoring a previous version of an edited message. Versions count from 1: version 1 is the text
 * as first sent (edits[0]), version k is edits[k-1], and the current text is version
 * edits.length + 1. A restore is an edit (same rules: author only, alive, policy checks) whose new
 * text is the old version's, so it is a `message.updated` event and the replaced text joins the
 * history like any edit's.
 */
export function versionCount(message: MessageDoc): number {
  return message.edits.length + 1;
}

export async function restoreVersion(services: Services, access: Access, message: MessageDoc, version: number): Promise<MessageDoc> {
  if (message.deletedAt !== null) throw new AppError('NOT_FOUND', `Message ${message._id} was deleted`);
  const current = versionCount(message);
  if (version > current) {
    throw new AppError('VALIDATION_FAILED', `version: message ${message._id} has versions 1 to ${current}`, {
      issues: [{ path: 'body.version', message: `no version ${version}; versions are 1 to ${current}` }],
    });
  }
  if (version === current) return message;
  return editMessage(services, access, message, message.edits[version - 1]!.text);
}
