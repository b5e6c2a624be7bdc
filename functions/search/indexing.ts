import { z } from 'zod';
import type { Services } from '../../runtime/context.ts';
import type { ConversationEvent } from '../events/event-codec.ts';
import { MESSAGES, type MessageDoc } from '../messages/messages.ts';
import { isSearchable, toSearchDocument } from './message-documents.ts';
import { withIndexes, writeTargets } from './search-indexes.ts';
import type { SearchDocument } from '../../infra/search/port.ts';

/**
 * Keeps an app's search index in step with its conversation events (bus topic
 * `conversation-events`). Idempotent and order-safe: every write carries the event's sequence as
 * its version, so a redelivered or late event never replaces what a newer one wrote, and a
 * delete leaves a versioned tombstone that an older upsert cannot revive.
 *
 * Membership is not indexed: queries read it from the store at query time (message-search.ts),
 * so joining or leaving takes effect at once and needs no re-indexing.
 *
 * Erasure: when a user is deleted (`user.deleted` on the user-events topic), their messages leave
 * the index (`forgetAuthor`).
 */
const MessageShape = z.looseObject({
  _id: z.string(),
  appId: z.string(),
  conversationId: z.string(),
  authorId: z.string().nullable(),
  type: z.enum(['regular', 'system']),
  text: z.string(),
  attachments: z.array(z.string()),
  parentId: z.string().nullable(),
  shadowed: z.boolean(),
  createdAt: z.number(),
  deletedAt: z.number().nullable(),
});

const NewMessagePayload = z.object({ message: MessageShape });
const ChangedMessagePayload = z.object({ messageId: z.string().min(1), changes: z.record(z.string(), z.unknown()).default({}) });

/** What an event did to the index; `ignored` for events search does not care about. */
export type IndexOutcome = 'indexed' | 'deleted' | 'skipped' | 'ignored';

export async function indexConversationEvent(services: Services, event: ConversationEvent): Promise<IndexOutcome> {
  switch (event.type) {
    case 'message.new': {
      const { message } = NewMessagePayload.parse(event.payload);
      return upsertMessage(services, { ...(message as MessageDoc), appId: event.appId }, event.seq);
    }
    case 'message.updated': {
      const { messageId, changes } = ChangedMessagePayload.parse(event.payload);
      // The event carries only what changed; the rest of the document (author, thread, dates,
      // attachments) never changes after sending and is read from the message row.
      const row = await services.ports.store.collection<MessageDoc>(MESSAGES).findOne({ _id: messageId, appId: event.appId });
      if (!row) return 'skipped'; // hard-deleted since: its delete event follows and removes it
      return upsertMessage(services, { ...row, ...changes } as MessageDoc, event.seq);
    }
    case 'message.deleted': {
      const { messageId } = ChangedMessagePayload.parse(event.payload);
      await withIndexes(services, event.appId, async (state) => {
        for (const index of writeTargets(state)) await services.ports.search.delete(index, messageId, event.seq);
      });
      return 'deleted';
    }
    default:
      return 'ignored';
  }
}

/**
 * Indexes a bus batch in order: each run of consecutive new messages of one app is written in one
 * upsert call (one transaction, or one bulk request); anything else is indexed on its own after
 * the run before it, so every event still applies in order.
 */
export async function indexConversationEvents(services: Services, events: ConversationEvent[]): Promise<IndexOutcome[]> {
  const outcomes: IndexOutcome[] = [];
  const run: { appId: string | null; documents: SearchDocument[] } = { appId: null, documents: [] };
  const flush = async () => {
    if (run.appId !== null && run.documents.length > 0) await upsertDocuments(services, run.appId, run.documents.splice(0));
  };
  for (const event of events) {
    if (event.type !== 'message.new') {
      await flush();
      outcomes.push(await indexConversationEvent(services, event));
      continue;
    }
    const { message } = NewMessagePayload.parse(event.payload);
    const row = { ...(message as MessageDoc), appId: event.appId };
    if (!isSearchable(row)) {
      outcomes.push('skipped');
      continue;
    }
    if (run.appId !== event.appId) await flush();
    run.appId = event.appId;
    run.documents.push(toSearchDocument(row, event.seq));
    outcomes.push('indexed');
  }
  await flush();
  return outcomes;
}

function upsertDocuments(services: Services, appId: string, documents: SearchDocument[]): Promise<void> {
  return withIndexes(services, appId, async (state) => {
    for (const index of writeTargets(state)) await services.ports.search.upsert(index, documents);
  });
}

async function upsertMessage(services: Services, message: MessageDoc, version: number): Promise<IndexOutcome> {
  // A soft-deleted row seen through a late edit: the delete event (newer) removes or removed it.
  if (!isSearchable(message)) return 'skipped';
  await upsertDocuments(services, message.appId, [toSearchDocument(message, version)]);
  return 'indexed';
}

/** Removes every message a user wrote from the app's index (and the one being built). */
export async function forgetAuthor(services: Services, appId: string, authorId: string): Promise<number> {
  return withIndexes(services, appId, async (state) => {
    let removed = 0;
    for (const index of writeTargets(state)) removed += await services.ports.search.deleteByQuery(index, { authorId });
    return removed;
  });
}
