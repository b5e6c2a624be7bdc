import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSecret } from '../../runtime/ids.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import { apiClient, type ApiCall } from '../support/http-client.ts';
import { startLocalPlatform, type LocalPlatform } from '../support/local-platform.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { eventually } from '../support/webhook-fixtures.ts';

/** The platform keeps its data dir (and namespace, on engines) across a restart, like a redeploy. */
const dirs = useTempDirs();
let env: Record<string, string>;
let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;
let conversationId: string;

interface Line {
  cursor: string;
  event: { id: string; appId: string; type: string; seq: number; conversationId: string; payload: any };
}

async function start(): Promise<void> {
  platform = await startLocalPlatform(env);
  call = apiClient(platform.url);
}

beforeAll(async () => {
  const dataDir = await dirs.make('caas-stream-');
  env = { CAAS_DATA_DIR: dataDir, CAAS_NAMESPACE: `s${newSecret(6).toLowerCase().replace(/[^a-z0-9]/g, '')}` };
  await start();
  world = await createChatWorld(call, platform.adminToken, ['alice', 'bob']);
  conversationId = await createGroup(call, world.tokens.alice!, ['bob']);
});

afterAll(async () => {
  await platform?.close();
});

async function ndjson(query: string, token = world.app.serverKey): Promise<Line[]> {
  const response = await fetch(`${platform.url}/v1/events/stream${query}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/application\/x-ndjson/);
  const text = await response.text();
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Line);
}

const texts = (lines: Line[]) => lines.filter((line) => line.event.type === 'message.new').map((line) => line.event.payload.message.text as string);

describe('app event stream', () => {
  it('resumes from a cursor across a platform restart with nothing lost or repeated', async () => {
    for (let i = 0; i < 5; i++) await send(call, world.tokens.alice!, conversationId, { text: `before ${i}` });
    const first = await eventually(() => ndjson(''), (lines) => texts(lines).length === 5, 'five messages streamed');
    expect(first.map((line) => Number(line.cursor))).toEqual(first.map((_line, i) => i + 1));
    expect(first.every((line) => line.event.appId === world.app.appId)).toBe(true);
    const partial = await ndjson('?limit=3');
    expect(partial).toEqual(first.slice(0, 3));
    const cursor = partial.at(-1)!.cursor;

    await platform.close();
    await start();
    for (let i = 0; i < 4; i++) await send(call, world.tokens.bob!, conversationId, { text: `after ${i}` });
    const rest = await eventually(() => ndjson(`?after=${cursor}`), (lines) => texts(lines).length === 9 - texts(partial).length, 'the rest after the restart');
    const all = [...partial, ...rest];
    expect(new Set(all.map((line) => line.event.id)).size).toBe(all.length);
    expect(all.map((line) => Number(line.cursor))).toEqual(all.map((_line, i) => i + 1));
    expect(texts(all)).toEqual([...Array.from({ length: 5 }, (_, i) => `before ${i}`), ...Array.from({ length: 4 }, (_, i) => `after ${i}`)]);
    expect(await ndjson(`?after=${all.at(-1)!.cursor}`)).toEqual([]);
  });

  it('speaks server-sent events when asked, and Last-Event-ID resumes', async () => {
    const headers = { authorization: `Bearer ${world.app.serverKey}`, accept: 'text/event-stream' };
    const response = await fetch(`${platform.url}/v1/events/stream?limit=2`, { headers });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatch(/^id: 1\nevent: conversation\.created\ndata: \{/);
    const resumed = await (await fetch(`${platform.url}/v1/events/stream?limit=1`, { headers: { ...headers, 'last-event-id': '2' } })).text();
    expect(resumed).toMatch(/^id: 3\n/);
  });

  it('follow=true keeps the stream open and delivers new events as they happen', async () => {
    const last = (await ndjson('')).at(-1)!.cursor;
    const abort = new AbortController();
    const response = await fetch(`${platform.url}/v1/events/stream?after=${last}&follow=true`, { headers: { authorization: `Bearer ${world.app.serverKey}` }, signal: abort.signal });
    const reader = response.body!.getReader();
    await send(call, world.tokens.alice!, conversationId, { text: 'live' });
    const { value } = await reader.read();
    const line = JSON.parse(new TextDecoder().decode(value).split('\n')[0]!) as Line;
    expect(line).toMatchObject({ cursor: String(Number(last) + 1), event: { type: 'message.new', payload: { message: { text: 'live' } } } });
    abort.abort();
  });

  it("shows only the caller's app, and refuses bad cursors and user tokens", async () => {
    const other = await createChatWorld(call, platform.adminToken, ['carol']);
    expect(await ndjson('', other.app.serverKey)).toEqual([]);
    const bad = await call('GET', '/v1/events/stream?after=abc', { token: world.app.serverKey });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'query.after' })]);
    expect((await call('GET', '/v1/events/stream', { token: world.tokens.alice! })).status).toBe(403);
  });
});
