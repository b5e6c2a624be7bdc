import type { RestClient } from '../rest/client.ts';
import type { ChatEvent } from './frames.ts';

/** Pages `GET /v1/conversations/:id/events?after=` from `fromSeq` up to `toSeq`, in order. */
export async function* catchUp(rest: RestClient, conversationId: string, fromSeq: number, toSeq: number): AsyncGenerator<ChatEvent> {
  let after = fromSeq;
  while (after < toSeq) {
    const page = await rest.call('events.list', { params: { conversationId }, query: { after, limit: 500 } });
    for (const event of page.events) if (event.seq <= toSeq) yield event;
    if (page.nextCursor === null || page.events.length === 0) return;
    after = page.nextCursor;
  }
}
