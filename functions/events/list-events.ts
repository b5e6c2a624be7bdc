import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { ConversationId } from '../conversations/conversation-views.ts';
import { callerAccess } from '../conversations/conversations.ts';
import { eventsAfter, toEventView, type EventDoc } from './events.ts';

export const EventView = z.object({
  id: z.string(),
  conversationId: z.string(),
  seq: z.number(),
  type: z.string(),
  actorId: z.string().nullable(),
  at: z.number(),
  payload: z.record(z.string(), z.unknown()),
});

/** Events others may not see: a shadow-banned author's messages. */
export function visibleEvent(event: EventDoc, viewerId: string | null): boolean {
  const message = (event.payload as { message?: { shadowed?: boolean; authorId?: string | null } }).message;
  return !message?.shadowed || viewerId === null || message.authorId === viewerId;
}

export default defineFunction({
  name: 'events.list',
  method: 'GET',
  path: '/v1/conversations/:conversationId/events',
  auth: 'server-or-user',
  summary: 'Events after a sequence, in order: how a client catches up after being offline',
  params: z.object({ conversationId: ConversationId }),
  query: z.strictObject({
    after: z.coerce.number({ error: 'must be a sequence number' }).int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  }),
  response: z.object({ events: z.array(EventView), nextCursor: z.number().nullable() }),
  handler: async ({ params, query }, ctx) => {
    const access = await callerAccess(ctx, params.conversationId, { allowNonMemberChannel: true });
    const rows = await eventsAfter(ctx.ports.store, params.conversationId, query.after, query.limit + 1);
    const page = rows.slice(0, query.limit);
    return {
      events: page.filter((event) => visibleEvent(event, access.userId)).map(toEventView),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.seq ?? null) : null,
    };
  },
});
