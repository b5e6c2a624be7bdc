import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { requestReindex } from '../../functions/search/reindex-jobs.ts';
import { sleep } from '../support/wait-for.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { createTestUser } from '../support/fixtures.ts';
import type { ApiCall, ApiResponse } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/**
 * Message search end to end: messages go through the outbox, the bus and the indexer worker, so
 * every expectation about new content polls (up to ~5 s, the lag bound is 1 s) instead of
 * assuming timing. Each test uses its own random words, so tests share one app safely.
 */
let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
let outsider: ChatWorld;
const t = (user: string) => world.tokens[user]!;

const local = useLocalPlatform();
beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben', 'cat', 'dan']);
  outsider = await createChatWorld(call, platform.adminToken, ['ann']);
});

/** A word no other test uses; ends in a digit so stemming leaves it alone. */
const uniqueWord = () => `w${randomBytes(4).toString('hex')}7`;

interface Hit {
  message: { id: string; text: string; conversationId: string; authorId: string | null };
  highlight: string;
}

function search(token: string, params: Record<string, string | number | boolean>, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const query = new URLSearchParams(Object.entries(params).map(([key, value]) => [key, String(value)]));
  return call('GET', `/v1/search/messages?${query}`, { token, headers });
}

async function hitIds(token: string, params: Record<string, string | number | boolean>, headers: Record<string, string> = {}): Promise<string[]> {
  const response = await search(token, params, headers);
  if (response.status !== 200) throw new Error(`search failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.results.map((hit: Hit) => hit.message.id);
}

/** Polls a search until `done` holds (the index is fed asynchronously). */
async function eventually(token: string, params: Record<string, string | number | boolean>, done: (ids: string[]) => boolean, headers: Record<string, string> = {}): Promise<string[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const ids = await hitIds(token, params, headers);
    if (done(ids)) return ids;
    if (Date.now() > deadline) throw new Error(`search ${JSON.stringify(params)} still returns ${JSON.stringify(ids)}`);
    await sleep(25);
  }
}

describe('finding messages', () => {
  it('a message sent is found by another member, highlighted, as a current message view', async () => {
    const word = uniqueWord();
    const id = await createGroup(call, t('ann'), ['ben']);
    const sent = await send(call, t('ann'), id, { text: `Lunch at the <b>café</b>? ${word}` });
    await eventually(t('ben'), { q: word }, (ids) => ids.includes(sent.body.id));
    const response = await search(t('ben'), { q: word });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body.partial).toBe(false);
    const [hit] = response.body.results as Hit[];
    expect(hit?.message).toMatchObject({ id: sent.body.id, conversationId: id, authorId: 'ann', text: `Lunch at the <b>café</b>? ${word}` });
    expect(hit?.highlight).toContain(`<mark>${word}</mark>`);
    expect(hit?.highlight).toContain('&lt;b&gt;');
  });

  it('matches prefixes of the last word, other forms of English words, and ignores accents and case', async () => {
    const word = uniqueWord();
    const id = await createGroup(call, t('ann'), ['ben']);
    const sent = await send(call, t('ann'), id, { text: `${word} The CAFÉ was Running late` });
    await eventually(t('ben'), { q: word }, (ids) => ids.includes(sent.body.id));
    for (const q of [`${word} caf`, `${word} cafe`, `${word} runs`, `${word} RUN`, `${word.slice(0, 5)}`]) {
      expect(await hitIds(t('ben'), { q }), q).toContain(sent.body.id);
    }
    expect(await hitIds(t('ben'), { q: `${word} walking` })).toEqual([]);
  });

  it('ranks messages where the words weigh more first', async () => {
    const word = uniqueWord();
    const id = await createGroup(call, t('ann'), ['ben']);
    const weak = await send(call, t('ann'), id, { text: `${word} once, in a long message about many other unrelated things entirely` });
    const strong = await send(call, t('ann'), id, { text: `${word} ${word} ${word}` });
    const ids = await eventually(t('ben'), { q: word }, (found) => found.length === 2);
    expect(ids).toEqual([strong.body.id, weak.body.id]);
  });
});

describe('permissions at query time', () => {
  it('a non-member never sees it; another app never sees it', async () => {
    const word = uniqueWord();
    const id = await createGroup(call, t('ann'), ['ben']);
    const sent = await send(call, t('ann'), id, { text: `secret plan ${word}` });
    await eventually(t('ben'), { q: word }, (ids) => ids.includes(sent.body.id));
    expect(await hitIds(t('cat'), { q: word })).toEqual([]);
    expect(await hitIds(outsider.tokens.ann!, { q: word })).toEqual([]);
    expect(await hitIds(outsider.app.serverKey, { q: word })).toEqual([]);
    expect((await search(t('cat'), { q: word, conversationId: id })).status).toBe(404);
    expect((await search(outsider.app.serverKey, { q: word, conversationId: id })).status).toBe(404);
  });

  it('leaving a conversation hides its messages from that user at once', async () => {
    const word = uniqueWord();
    const id = await createGroup(call, t('ann'), ['ben', 'cat']);
    const sent = await send(call, t('ann'), id, { text: `before leaving ${word}` });
    await eventually(t('cat'), { q: word }, (ids) => ids.includes(sent.body.id));
    expect((await call('DELETE', `/v1/conversations/${id}/members/cat`, { token: t('cat') })).status).toBe(204);
    expect(await hitIds(t('cat'), { q: word })).toEqual([]);
    expect(await hitIds(t('ben'), { q: word })).toEqual([sent.body.id]);
  });

  it('server keys search the whole app, or act for one user with X-On-Behalf-Of', async () => {
    const word = uniqueWord();
    const annBen = await createGroup(call, t('ann'), ['ben']);
    const catDan = await createGroup(call, t('cat'), ['dan']);
    const first = await send(call, t('ann'), annBen, { text: `report ${word}` });
    const second = await send(call, t('dan'), catDan, { text: `report ${word}` });
    const all = await eventually(world.app.serverKey, { q: word }, (ids) => ids.length === 2);
    expect(all.sort()).toEqual([first.body.id, second.body.id].sort());
    expect(await hitIds(world.app.serverKey, { q: word }, { 'x-on-behalf-of': 'dan' })).toEqual([second.body.id]);
  });

  it('a shadow-banned author finds their own messages; nobody else does', async () => {
    const word = uniqueWord();
    const id = await createGroup(call, t('ann'), ['ben', 'dan']);
    expect((await call('PUT', '/v1/users/dan/ban', { token: world.app.serverKey, body: { shadow: true } })).status).toBe(200);
    const shadowed = await send(call, t('dan'), id, { text: `shadowed words ${word}` });
    await call('DELETE', '/v1/users/dan/ban', { token: world.app.serverKey });
    const visible = await send(call, t('dan'), id, { text: `visible words ${word}` });
    await eventually(t('dan'), { q: word }, (ids) => ids.length === 2);
    expect(await eventually(t('ben'), { q: word }, (ids) => ids.includes(visible.body.id))).toEqual([visible.body.id]);
    expect(await hitIds(world.app.serverKey, { q: word })).toContain(shadowed.body.id);
  });
});

describe('edits and deletes', () => {
  it('an edit is searchable by its new words and no longer by its old ones', async () => {
    const [before, after] = [uniqueWord(), uniqueWord()];
    const id = await createGroup(call, t('ann'), ['ben']);
    const sent = await send(call, t('ann'), id, { text: `draft ${before}` });
    await eventually(t('ben'), { q: before }, (ids) => ids.includes(sent.body.id));
    expect((await call('PATCH', `/v1/messages/${sent.body.id}`, { token: t('ann'), body: { text: `final ${after}` } })).status).toBe(200);
    await eventually(t('ben'), { q: after }, (ids) => ids.includes(sent.body.id));
    await eventually(t('ben'), { q: before }, (ids) => ids.length === 0);
  });

  it('soft- and hard-deleted messages disappear', async () => {
    const word = uniqueWord();
    const id = await createGroup(call, t('ann'), ['ben']);
    const soft = await send(call, t('ben'), id, { text: `oops ${word}` });
    const hard = await send(call, t('ben'), id, { text: `spam ${word}` });
    const kept = await send(call, t('ben'), id, { text: `fine ${word}` });
    await eventually(t('ann'), { q: word }, (ids) => ids.length === 3);
    expect((await call('DELETE', `/v1/messages/${soft.body.id}`, { token: t('ben') })).status).toBe(204);
    expect((await call('DELETE', `/v1/messages/${hard.body.id}?hard=true`, { token: t('ann') })).status).toBe(204);
    expect(await eventually(world.app.serverKey, { q: word }, (ids) => ids.length === 1)).toEqual([kept.body.id]);
  });
});

describe('erasure', () => {
  it("a deleted user's messages leave the index", async () => {
    const word = uniqueWord();
    const erased = await createTestUser(call, world.app, `erased-${randomBytes(3).toString('hex')}`);
    const id = await createGroup(call, t('ann'), [erased.userId]);
    const theirs = await send(call, erased.token, id, { text: `mine ${word}` });
    const annsOwn = await send(call, t('ann'), id, { text: `yours ${word}` });
    await eventually(t('ann'), { q: word }, (ids) => ids.length === 2);
    expect((await call('DELETE', `/v1/users/${erased.userId}`, { token: world.app.serverKey })).status).toBe(204);
    expect(await eventually(world.app.serverKey, { q: word }, (ids) => !ids.includes(theirs.body.id))).toEqual([annsOwn.body.id]);
  });
});

describe('filters and paging', () => {
  it('filters by conversation, author, date range, attachment and thread', async () => {
    const word = uniqueWord();
    const first = await createGroup(call, t('ann'), ['ben']);
    const second = await createGroup(call, t('ann'), ['ben']);
    const mediaId = `med_${randomBytes(13).toString('hex')}`;
    await platform.services.ports.store.collection('media').insertOne({ _id: mediaId, appId: world.app.appId, uploaderId: 'ann', status: 'ready', processing: 'none' });
    const root = (await send(call, t('ann'), first, { text: `root ${word}` })).body;
    const reply = (await send(call, t('ben'), first, { text: `reply ${word}`, parentId: root.id })).body;
    const attached = (await send(call, t('ann'), second, { text: `photo ${word}`, attachments: [mediaId] })).body;
    const plain = (await send(call, t('ben'), second, { text: `plain ${word}` })).body;
    const all = [root, reply, attached, plain] as Array<{ id: string; createdAt: number }>;
    await eventually(t('ann'), { q: word }, (ids) => ids.length === 4);

    const sorted = async (params: Record<string, string | number | boolean>) => (await hitIds(t('ann'), { q: word, ...params })).sort();
    const expected = (ids: string[]) => [...ids].sort();
    expect(await sorted({ conversationId: first })).toEqual(expected([root.id, reply.id]));
    expect(await sorted({ authorId: 'ben' })).toEqual(expected([reply.id, plain.id]));
    expect(await sorted({ hasAttachment: true })).toEqual([attached.id]);
    expect(await sorted({ hasAttachment: false })).toEqual(expected([root.id, reply.id, plain.id]));
    expect(await sorted({ threadId: root.id })).toEqual(expected([root.id, reply.id]));
    expect(await sorted({ conversationId: second, authorId: 'ann' })).toEqual([attached.id]);
    const from = attached.createdAt;
    expect(await sorted({ from })).toEqual(expected(all.filter((m) => m.createdAt >= from).map((m) => m.id)));
    const to = new Date(reply.createdAt).toISOString();
    expect(await sorted({ to })).toEqual(expected(all.filter((m) => m.createdAt <= reply.createdAt).map((m) => m.id)));
    expect(await sorted({ from: root.createdAt, to: root.createdAt })).toContain(root.id);
  });

  it('pages through every hit exactly once', async () => {
    const word = uniqueWord();
    const id = await createGroup(call, t('ann'), ['ben']);
    const sent: string[] = [];
    for (let i = 0; i < 25; i++) sent.push((await send(call, t('ann'), id, { text: `${word} ${'filler '.repeat(i % 4)}${i}` })).body.id);
    await eventually(t('ben'), { q: word, limit: 100 }, (ids) => ids.length === 25);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: ApiResponse = await search(t('ben'), { q: word, limit: 10, ...(cursor ? { cursor } : {}) });
      expect(response.status).toBe(200);
      seen.push(...response.body.results.map((hit: Hit) => hit.message.id));
      cursor = response.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect([...seen].sort()).toEqual([...sent].sort());
  });
});

describe('bad input', () => {
  const leaks = /sqlite|fts5|search:local|MATCH|elasticsearch|stack/i;

  async function expectProblem(response: ApiResponse, status: number): Promise<void> {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.stringify(response.body)).not.toMatch(leaks);
  }

  it('refuses empty, blank, wordless and huge queries, and malformed parameters, naming the field', async () => {
    const cases: Array<[Record<string, string | number | boolean>, string]> = [
      [{}, 'query.q'],
      [{ q: '' }, 'query.q'],
      [{ q: '    ' }, 'query.q'],
      [{ q: '"*() -' }, 'query.q'],
      [{ q: 'x'.repeat(5_000) }, 'query.q'],
      [{ q: 'ok', limit: 0 }, 'query.limit'],
      [{ q: 'ok', limit: 101 }, 'query.limit'],
      [{ q: 'ok', hasAttachment: 'maybe' }, 'query.hasAttachment'],
      [{ q: 'ok', from: 'yesterday' }, 'query.from'],
      [{ q: 'ok', from: 2_000, to: 1_000 }, 'query.to'],
      [{ q: 'ok', conversationId: 'conv_../../etc' }, 'query.conversationId'],
      [{ q: 'ok', threadId: 'not-a-message' }, 'query.threadId'],
      [{ q: 'ok', authorId: 'a b' }, 'query.authorId'],
      [{ q: 'ok', cursor: '{"o":0}' }, 'query.cursor'],
      [{ q: 'ok', sort: 'score' }, 'query'],
    ];
    for (const [params, field] of cases) {
      const response = await search(t('ann'), params);
      await expectProblem(response, 422);
      expect(response.body.errors.map((issue: { path: string }) => issue.path).join(' '), JSON.stringify(params)).toContain(field);
    }
  });

  it("refuses malformed cursors, cursors of another search, and other apps' conversation ids", async () => {
    const word = uniqueWord();
    const id = await createGroup(call, t('ann'), ['ben']);
    for (let i = 0; i < 3; i++) await send(call, t('ann'), id, { text: `${word} ${i}` });
    await eventually(t('ann'), { q: word }, (ids) => ids.length === 3);
    const first = await search(t('ann'), { q: word, limit: 1 });
    const cursor = first.body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    await expectProblem(await search(t('ann'), { q: word, cursor: 'bm90LWEtY3Vyc29y' }), 400);
    await expectProblem(await search(t('ann'), { q: `${word} 1`, cursor }), 400);
    await expectProblem(await search(t('ben'), { q: word, cursor, conversationId: id }), 400);
    const foreign = await createGroup(call, outsider.tokens.ann!, []);
    await expectProblem(await search(t('ann'), { q: word, conversationId: foreign }), 404);
    await expectProblem(await search(world.app.serverKey, { q: word, conversationId: foreign }), 404);
  });

  it('treats query syntax as plain words, never as engine syntax', async () => {
    const word = uniqueWord();
    const id = await createGroup(call, t('ann'), ['ben']);
    const both = (await send(call, t('ann'), id, { text: `${word} foo or bar` })).body.id;
    const fooOnly = (await send(call, t('ann'), id, { text: `${word} foo alone` })).body.id;
    const barOnly = (await send(call, t('ann'), id, { text: `${word} bar alone` })).body.id;
    await eventually(t('ben'), { q: word }, (ids) => ids.length === 3);
    const sorted = async (q: string) => {
      const response = await search(t('ben'), { q });
      expect(response.status, q).toBe(200);
      return response.body.results.map((hit: Hit) => hit.message.id).sort();
    };
    expect(await sorted(`${word} "foo" OR bar*`)).toEqual([both]);
    expect(await sorted(`${word} -alone`)).toEqual([fooOnly, barOnly].sort());
    expect(await sorted(`${word} NEAR(foo bar`)).toEqual([]);
    expect(await sorted(`text:${word} ^foo`)).toEqual([]);
    expect(await sorted(`${word} foo) AND (`)).toEqual([]);
    expect(await sorted(`${word} {"match_all":{}}`)).toEqual([]);
    expect(await sorted(`${word}* foo`)).toEqual([both, fooOnly].sort());
  });
});

describe('reindex', () => {
  const reindexPath = (appId: string) => `/v1/admin/apps/${appId}/search/reindex`;

  async function finished(appId: string): Promise<ApiResponse> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const status = await call('GET', reindexPath(appId), { token: platform.adminToken });
      if (status.body.reindex?.status === 'succeeded' || status.body.reindex?.status === 'failed') return status;
      if (Date.now() > deadline) throw new Error(`reindex still ${JSON.stringify(status.body)}`);
      await sleep(25);
    }
  }

  it('rebuilds an app from the store into a new index that gives the same results, and keeps indexing after', async () => {
    const cast = await createChatWorld(call, platform.adminToken, ['eve', 'fay', 'gus']);
    const token = (user: string) => cast.tokens[user]!;
    const word = uniqueWord();
    const first = await createGroup(call, token('eve'), ['fay']);
    const second = await createGroup(call, token('fay'), ['gus']);
    const sent: string[] = [];
    for (let i = 0; i < 6; i++) sent.push((await send(call, token(i % 2 ? 'fay' : 'eve'), first, { text: `${word} first ${'again '.repeat(i)}` })).body.id);
    for (let i = 0; i < 4; i++) sent.push((await send(call, token('gus'), second, { text: `${word} second ${i}`, parentId: i > 0 ? sent[6] : undefined })).body.id);
    await call('PATCH', `/v1/messages/${sent[1]}`, { token: token('fay'), body: { text: `${word} edited words` } });
    await call('DELETE', `/v1/messages/${sent[2]}`, { token: token('eve') });
    await eventually(cast.app.serverKey, { q: `${word} edited` }, (ids) => ids.length === 1);
    await eventually(cast.app.serverKey, { q: word }, (ids) => ids.length === 9);

    const queries: Array<[string, Record<string, string | number | boolean>]> = [
      [cast.app.serverKey, { q: word }],
      [cast.app.serverKey, { q: `${word} again` }],
      [cast.app.serverKey, { q: word, threadId: sent[6]! }],
      [token('eve'), { q: word }],
      [token('gus'), { q: `${word} sec` }],
    ];
    const snapshot = async () =>
      Promise.all(
        queries.map(async ([who, params]) => {
          const response = await search(who, { ...params, limit: 100 });
          return (response.body.results as Hit[]).map((hit) => `${hit.message.id} ${hit.highlight}`).sort();
        }),
      );
    const before = await snapshot();
    const initial = await call('GET', reindexPath(cast.app.appId), { token: platform.adminToken });
    expect(initial.body).toMatchObject({ appId: cast.app.appId, index: expect.any(String), building: null, reindex: null });

    const started = await call('POST', reindexPath(cast.app.appId), { token: platform.adminToken });
    expect(started.status).toBe(202);
    expect(started.body.reindex).toMatchObject({ status: expect.stringMatching(/queued|running|succeeded/), index: expect.any(String) });
    const done = await finished(cast.app.appId);
    expect(done.body.reindex).toMatchObject({ status: 'succeeded', processed: 2, total: 2, messages: 10, error: null });
    expect(done.body.index).toBe(started.body.reindex.index);
    expect(done.body.index).not.toBe(initial.body.index);
    expect(done.body.building).toBeNull();
    expect(await snapshot()).toEqual(before);

    const later = (await send(call, token('gus'), second, { text: `${word} after the rebuild` })).body.id;
    await eventually(token('fay'), { q: `${word} rebuild` }, (ids) => ids.includes(later));
  });

  it('refuses a second rebuild while one is pending, and non-admin or unknown targets', async () => {
    const cast = await createChatWorld(call, platform.adminToken, ['eve']);
    // A job queued without being handed to the worker stays pending.
    await requestReindex(platform.services, cast.app.appId);
    const conflict = await call('POST', reindexPath(cast.app.appId), { token: platform.adminToken });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('content-type')).toBe('application/problem+json');
    expect((await call('POST', reindexPath(cast.app.appId), { token: cast.app.serverKey })).status).toBe(403);
    expect((await call('POST', reindexPath(cast.app.appId), { token: cast.tokens.eve! })).status).toBe(403);
    expect((await call('POST', reindexPath('app_0000000000zzzzzzzzzzzzzzzz'), { token: platform.adminToken })).status).toBe(404);
    expect((await call('GET', reindexPath('app_0000000000zzzzzzzzzzzzzzzz'), { token: platform.adminToken })).status).toBe(404);
    expect((await call('GET', reindexPath('not-an-app'), { token: platform.adminToken })).status).toBe(422);
  });
});

describe('operations', () => {
  it('exposes the indexer lag and event counts as Prometheus metrics', async () => {
    const word = uniqueWord();
    const id = await createGroup(call, t('ann'), ['ben']);
    const sent = await send(call, t('ann'), id, { text: word });
    await eventually(t('ben'), { q: word }, (ids) => ids.includes(sent.body.id));
    const metrics = await call('GET', '/metrics');
    expect(metrics.body).toMatch(/^caas_search_indexer_lag_seconds \d/m);
    expect(metrics.body).toMatch(/^caas_search_indexer_events_total\{outcome="indexed"\} [1-9]/m);
  });
});
