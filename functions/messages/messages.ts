import type { IndexDeclaration, StorePort } from '../../infra/store/port.ts';
import { AppError } from '../../runtime/errors.ts';

/** Messages: the projection of message events, paged by per-conversation sequence. */
export interface MessageEdit {
  text: string;
  editedAt: number;
}

export interface MessageDoc {
  _id: string;
  appId: string;
  conversationId: string;
  /** The sequence of the event that created it: history is ordered and paged by it. */
  seq: number;
  /** Sequence of the last event applied to this row; older events are never re-applied over newer. */
  version: number;
  authorId: string | null;
  type: 'regular' | 'system';
  text: string;
  attachments: string[];
  mentions: string[];
  custom: Record<string, unknown>;
  parentId: string | null;
  quotedId: string | null;
  silent: boolean;
  /** Shadow-banned author: visible to the author only. */
  shadowed: boolean;
  clientMessageId: string | null;
  createdAt: number;
  editedAt: number | null;
  edits: MessageEdit[];
  deletedAt: number | null;
  reactionCounts: Record<string, number>;
  replyCount: number;
  latestReplierIds: string[];
  pinnedAt: number | null;
  pinnedBy: string | null;
  /** Set on read when the author's data key was destroyed (crypto-shredding): text is then null. */
  erased?: boolean;
  /** Disappearing messages: removed everywhere at this time (absent on messages sent before TTLs existed). */
  expiresAt?: number | null;
  /**
   * Present (true) exactly when expiresAt is set: the expiry worker asks for it by equality, which
   * every store answers without reading each message (FerretDB v1 cannot range-scan an index, so
   * `expiresAt <= now` alone read and decoded the whole collection every second).
   */
  expiring?: true;
  /**
   * `${conversationId}:${block}`, the block being seq / MESSAGE_SEQ_BLOCK rounded down: history
   * pages and the preview's fallback ask for blocks by equality on stores without range scans
   * (message-blocks.ts). Absent on messages projected before it existed.
   */
  seqBlock?: string;
  [key: string]: unknown;
}

export interface ReactionDoc {
  /** `${messageId}:${userId}:${emoji}`: one per user per emoji. */
  _id: string;
  appId: string;
  conversationId: string;
  messageId: string;
  userId: string;
  emoji: string;
  createdAt: number;
  [key: string]: unknown;
}

export const MESSAGES = 'messages';
export const REACTIONS = 'reactions';

export const messageIndexes: IndexDeclaration[] = [
  {
    collection: MESSAGES,
    specs: [
      { keys: { conversationId: 1, seq: 1 }, unique: true },
      { keys: { parentId: 1, seq: 1 } },
      { keys: { conversationId: 1, pinnedAt: 1 } },
      { keys: { expiring: 1, expiresAt: 1 } },
      { keys: { seqBlock: 1 } },
    ],
  },
  { collection: REACTIONS, specs: [{ keys: { messageId: 1, emoji: 1, createdAt: 1 } }] },
];

export const MAX_LATEST_REPLIERS = 5;

/** Sequences per history block (MessageDoc.seqBlock). */
export const MESSAGE_SEQ_BLOCK = 32;

export function messageSeqBlock(conversationId: string, seq: number): string {
  return `${conversationId}:${Math.floor(seq / MESSAGE_SEQ_BLOCK)}`;
}

export async function requireMessage(store: StorePort, appId: string, messageId: string): Promise<MessageDoc> {
  const message = await store.collection<MessageDoc>(MESSAGES).findOne({ _id: messageId, appId });
  if (!message) throw new AppError('NOT_FOUND', `Message ${messageId} not found`);
  return message;
}

export function reactionKey(messageId: string, userId: string, emoji: string): string {
  return `${messageId}:${userId}:${emoji}`;
}
