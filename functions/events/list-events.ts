import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { ConversationId } from '../conversations/conversation-views.ts';
import { callerAccess } from '../conversations/conversations.ts';
import { EventView, eventVisibleTo, toEventView } from './event-codec.ts';
import { eventsAfter } from './events.ts';

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
    const rows = await eventsAfter(ctx, params.conversationId, query.after, query.limit + 1);
    const page = rows.slice(0, query.limit);
    return {
      events: page.filter((event) => eventVisibleTo(event, access.userId)).map(toEventView),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.seq ?? null) : null,
    };
  },
});
