import type { Services } from '../../runtime/context.ts';
import { CONVERSATIONS, type ConversationDoc, type LastMessage } from '../conversations/conversations.ts';
import { currentSequence } from '../events/events.ts';
import { topLevelByBlocks } from './message-blocks.ts';
import { MESSAGES, type MessageDoc } from './messages.ts';

const PREVIEW_CHARS = 200;

export function previewOf(message: MessageDoc): LastMessage {
  return { id: message._id, seq: message.seq, authorId: message.authorId, text: message.text.slice(0, PREVIEW_CHARS), createdAt: message.createdAt };
}

/**
 * After a message is deleted (or expired), a conversation whose preview still shows it falls back
 * to its newest remaining top-level message, so the deleted text is not left in conversation lists.
 */
export async function forgetPreviewOf(services: Services, conversationId: string, messageId: string): Promise<void> {
  const { store } = services.ports;
  const conversations = store.collection<ConversationDoc>(CONVERSATIONS);
  const conversation = await conversations.findOne({ _id: conversationId }, { projection: { lastMessage: 1 } });
  if (conversation?.lastMessage?.id !== messageId) return;
  const filter = { deletedAt: null, shadowed: false, _id: { $ne: messageId } };
  const [latest] =
    store.capabilities.rangeScans === false
      ? await topLevelByBlocks(services, conversationId, { direction: 'down', start: await currentSequence(services, conversationId), end: 1, limit: 1, filter })
      : await store.collection<MessageDoc>(MESSAGES).find({ conversationId, parentId: null, ...filter }, { sort: { seq: -1 }, limit: 1 });
  await conversations.updateOne({ _id: conversationId, 'lastMessage.id': messageId }, { $set: { lastMessage: latest ? previewOf(latest) : null } });
}
