import type { History, StoredMessage } from './history.ts';

/**
 * What the platform holds once a scenario is over, read as a client would: every history page
 * (`GET /v1/conversations/:id/messages?after=`) and every events page (`…/events?after=`).
 */
export async function readFinalState(apiUrl: string, token: string, conversationIds: string[]): Promise<History['final']> {
  const final: History['final'] = {};
  for (const id of conversationIds) {
    const messages: StoredMessage[] = [];
    await pages(apiUrl, token, `/v1/conversations/${id}/messages?limit=200`, (body) => {
      for (const message of body.messages as StoredMessage[]) messages.push({ id: message.id, seq: message.seq, clientMessageId: message.clientMessageId });
    });
    const eventSeqs: number[] = [];
    await pages(apiUrl, token, `/v1/conversations/${id}/events?limit=500`, (body) => {
      for (const event of body.events as Array<{ seq: number }>) eventSeqs.push(event.seq);
    });
    final[id] = { messages, eventSeqs };
  }
  return final;
}

/** Highest event seq per conversation, from the final state. */
export function lastSeqs(final: History['final']): Record<string, number> {
  return Object.fromEntries(Object.entries(final).map(([id, { eventSeqs }]) => [id, Math.max(0, ...eventSeqs)]));
}

async function pages(apiUrl: string, token: string, path: string, take: (body: Record<string, any>) => void): Promise<void> {
  for (let after = 0; ; ) {
    const response = await fetch(`${apiUrl}${path}&after=${after}`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as Record<string, any>;
    take(body);
    if (body.nextCursor === null) return;
    after = body.nextCursor as number;
  }
}
