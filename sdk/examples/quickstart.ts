/**
 * The README's five-minute tutorial, runnable: `npm start` in one terminal, then
 *   CAAS_URL=http://localhost:3000 CAAS_SERVER_KEY=sk_… npx tsx sdk/examples/quickstart.ts
 */
import { WebSocket } from 'ws';
import { createRestClient, isNewMessage, messageOf, Outbox, RealtimeClient, uploadFile, type WebSocketConstructor } from '../src/index.ts';

const baseUrl = process.env.CAAS_URL ?? 'http://localhost:3000';
const serverKey = process.env.CAAS_SERVER_KEY ?? '';

// 1. Your backend: create users and mint their tokens with the app's server key.
const server = createRestClient({ baseUrl, token: serverKey });
for (const userId of ['alice', 'bob']) await server.call('users.upsert', { params: { userId }, body: { name: userId } });
const tokenFor = async (userId: string) => (await server.call('users.tokens.create', { params: { userId }, body: { ttlSeconds: 3600 } })).token;

// 2. Your app, as alice: a typed REST client and a realtime connection (token refreshed by callback).
const alice = createRestClient({ baseUrl, token: await tokenFor('alice') });
const conversation = await alice.call('conversations.create', { body: { type: 'direct', memberIds: ['bob'] } });

// 3. As bob: listen. The client resumes from its kept positions after any disconnect.
const bob = new RealtimeClient({ baseUrl, token: () => tokenFor('bob'), WebSocket: WebSocket as unknown as WebSocketConstructor });
bob.on('event', (event) => {
  if (isNewMessage(event)) console.log(`bob got #${event.seq}: ${messageOf(event).text || '[attachment]'}`);
});
bob.on('typing', (frame) => console.log(`${frame.userId} typing: ${frame.state}`));
await bob.connect();

// 4. Send through the outbox: works offline, goes out once, in order, when the network returns.
const outbox = new Outbox({ rest: alice });
await outbox.send(conversation.id, { text: 'Hello Bob!' });
await outbox.flush();

// 5. Upload a file (sha256, presigned PUT, complete) and send it.
const media = await uploadFile(alice, new TextEncoder().encode('hello, file'), { fileName: 'hello.txt', contentType: 'text/plain' });
await alice.call('messages.send', { params: { conversationId: conversation.id }, body: { attachments: [media.id] } });

// 6. Search what was said.
const found = await alice.call('search.messages', { query: { q: 'hello' } });
console.log(`search found ${found.results.length} message(s)`);
setTimeout(() => bob.close(), 500);
