import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { apiClient } from '../support/http-client.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { trackChildren } from '../support/track-children.ts';
import { startPlatformProcess } from '../support/platform-process.ts';

/**
 * SIGTERM while 16 clients send on kept-alive connections: every request the server read gets an
 * HTTP answer — 201, or 503 SHUTTING_DOWN once the drain began, both with `Connection: close`
 * from then on — none a reset, the process exits 0, and every acknowledged message is there after
 * a restart on the same data.
 */
const dirs = useTempDirs();
const children = trackChildren();
const start = (dataDir: string) => startPlatformProcess(children, dataDir);

interface Answer {
  status: number;
  connection: string | undefined;
  body: { id?: string; code?: string };
}

/** One POST on the sender's own kept-alive connection; a reset or refusal rejects. */
function post(url: string, path: string, token: string, body: unknown, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(`${url}${path}`, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: JSON.parse(text) as Answer['body'] }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('SIGTERM', () => {
  it('drains: every request in flight or on a kept-alive connection is answered, none reset, nothing acknowledged lost', async () => {
    const dataDir = await dirs.make('caas-drain-');
    const first = await start(dataDir);
    const alice = /alice\s+(\S+)/.exec(first.banner)![1]!;
    const created = await apiClient(first.url)('POST', '/v1/conversations', { token: alice, body: { type: 'group', memberIds: ['bob'] } });
    const conversationId = created.body.id as string;
    const path = `/v1/conversations/${conversationId}/messages`;

    const acknowledged = new Map<string, string>();
    const statuses: number[] = [];
    const failures: Array<{ code: string | undefined; idleMs: number; afterSignalMs: number }> = [];
    let signalledAt = Number.POSITIVE_INFINITY;
    const refusals: Answer[] = [];
    const senders = Array.from({ length: 16 }, (_, w) =>
      (async () => {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        let lastAnswer = Date.now();
        try {
          for (let i = 0; ; i++) {
            const clientMessageId = `w${w}-${i}`;
            let answer: Answer;
            const sendAt = Date.now();
            try {
              answer = await post(first.url, path, alice, { text: clientMessageId, clientMessageId }, agent);
            } catch (error) {
              // How long the connection had been idle says which race it was, should one ever show.
              failures.push({ code: (error as NodeJS.ErrnoException).code, idleMs: sendAt - lastAnswer, afterSignalMs: Date.now() - signalledAt });
              return;
            }
            lastAnswer = Date.now();
            statuses.push(answer.status);
            if (answer.status === 503) refusals.push(answer);
            if (answer.status === 201) acknowledged.set(clientMessageId, answer.body.id!);
            // The server said it is going away: a client moves to another node.
            if (answer.connection === 'close') return;
          }
        } finally {
          agent.destroy();
        }
      })(),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const exited = new Promise<number | null>((resolve) => first.child.once('exit', (code) => resolve(code)));
    signalledAt = Date.now();
    first.child.kill('SIGTERM');
    await Promise.all(senders);
    expect(await exited).toBe(0);

    expect(failures).toEqual([]);
    expect(statuses.every((status) => status === 201 || status === 503)).toBe(true);
    // A 503 comes only from the drain, and says so; every sender stopped on a `Connection: close`.
    for (const refusal of refusals) expect(refusal).toMatchObject({ connection: 'close', body: { code: 'SHUTTING_DOWN' } });
    expect(acknowledged.size).toBeGreaterThan(0);

    const second = await start(dataDir);
    const call = apiClient(second.url);
    const stored = new Map<string, string>();
    for (let after = 0; ; ) {
      const page = await call('GET', `${path}?limit=200&after=${after}`, { token: alice });
      for (const message of page.body.messages) stored.set(message.text, message.id);
      if (page.body.nextCursor === null) break;
      after = page.body.nextCursor;
    }
    for (const [clientMessageId, id] of acknowledged) expect(stored.get(clientMessageId)).toBe(id);
  }, 120_000);
});
