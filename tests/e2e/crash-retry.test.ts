import { describe, expect, it } from 'vitest';
import { apiClient, type ApiCall } from '../support/http-client.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { trackChildren } from '../support/track-children.ts';
import { startPlatformProcess } from '../support/platform-process.ts';

/**
 * A platform killed while sends are in flight, restarted on the same data, and every send retried
 * with its clientMessageId, as a client that was not answered does: each retry resolves at once to
 * the one message its first attempt committed, or creates it; none is stranded (409) or doubled.
 */
const dirs = useTempDirs();
const children = trackChildren();
const start = (dataDir: string) => startPlatformProcess(children, dataDir);

describe('a send cut off by a crash', () => {
  it('stays retryable: after SIGKILL and restart every clientMessageId resolves to exactly one message', async () => {
    const dataDir = await dirs.make('caas-crash-');
    const first = await start(dataDir);
    const alice = /alice\s+(\S+)/.exec(first.banner)![1]!;
    let call: ApiCall = apiClient(first.url);
    const created = await call('POST', '/v1/conversations', { token: alice, body: { type: 'group', memberIds: ['bob'] } });
    const conversationId = created.body.id as string;

    const acknowledged = new Map<string, string>();
    const attempted: string[] = [];
    const senders = Array.from({ length: 16 }, (_, w) =>
      (async () => {
        for (let i = 0; ; i++) {
          const clientMessageId = `w${w}-${i}`;
          attempted.push(clientMessageId);
          try {
            const sent = await call('POST', `/v1/conversations/${conversationId}/messages`, { token: alice, body: { text: clientMessageId, clientMessageId } });
            if (sent.status === 201) acknowledged.set(clientMessageId, sent.body.id);
          } catch {
            return; // the server is gone
          }
        }
      })(),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    await Promise.all(senders);
    expect(acknowledged.size).toBeGreaterThan(0);

    const second = await start(dataDir);
    call = apiClient(second.url);
    const statuses = new Map<number, number>();
    for (const clientMessageId of attempted) {
      const retried = await call('POST', `/v1/conversations/${conversationId}/messages`, { token: alice, body: { text: clientMessageId, clientMessageId } });
      statuses.set(retried.status, (statuses.get(retried.status) ?? 0) + 1);
      if (acknowledged.has(clientMessageId)) expect(retried.body.id).toBe(acknowledged.get(clientMessageId));
    }
    expect([...statuses.keys()].every((status) => status === 200 || status === 201)).toBe(true);

    const texts: string[] = [];
    const seqs: number[] = [];
    for (let after = 0; ; ) {
      const page = await call('GET', `/v1/conversations/${conversationId}/messages?limit=200&after=${after}`, { token: alice });
      for (const message of page.body.messages) {
        texts.push(message.text);
        seqs.push(message.seq);
      }
      if (page.body.nextCursor === null) break;
      after = page.body.nextCursor;
    }
    expect(new Set(texts).size).toBe(texts.length);
    expect([...texts].sort()).toEqual([...attempted].sort());
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  }, 120_000);
});
