import { MongoClient } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { SEALED_MARKERS_ENV, writeSealedMarkers } from '../support/sealed-markers.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/**
 * Encryption at rest on the real store: after a message, an edit, a profile name and a custom field
 * carrying markers (and a webhook secret, its queued delivery, a scheduled message), the documents read with the plain MongoDB driver (every collection of this
 * platform's namespace) hold no marker, and the message row holds `e1.` ciphertext.
 */
let platform: LocalPlatform;
let call: ApiCall;
let world: ChatWorld;

const local = useLocalPlatform(SEALED_MARKERS_ENV);
beforeAll(async () => {
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['ann', 'ben']);
});

describe('encryption at rest on MongoDB/FerretDB', () => {
  it('the documents hold no marker in clear', async () => {
    const id = await createGroup(call, world.tokens.ann!, ['ben']);
    await call('PATCH', '/v1/users/ann', { token: world.app.serverKey, body: { name: 'Profile-MARKER-b71e' } });
    const sent = await send(call, world.tokens.ann!, id, { text: 'Text-MARKER-c0de', custom: { note: 'Custom-MARKER-f00d' } });
    // Webhook secrets, delivery bodies and scheduled messages too.
    const more = await writeSealedMarkers(call, world, 'ben', 'ann', 'fe44');
    expect(sent.status).toBe(201);
    expect((await call('GET', `/v1/messages/${sent.body.id}`, { token: world.tokens.ben! })).body).toMatchObject({ text: 'Text-MARKER-c0de', custom: { note: 'Custom-MARKER-f00d' } });

    const { config } = platform.services;
    const client = new MongoClient(config.MONGO_URL!);
    try {
      const db = client.db(config.MONGO_DB);
      const prefix = `${config.CAAS_NAMESPACE}_`;
      const names = (await db.listCollections().toArray()).map((c) => c.name).filter((name) => name.startsWith(prefix));
      expect(names).toContain(`${prefix}messages`);
      let dump = '';
      for (const name of names) dump += JSON.stringify(await db.collection(name).find({}).toArray());
      for (const marker of ['Profile-MARKER-b71e', 'Text-MARKER-c0de', 'Custom-MARKER-f00d', ...more]) expect(dump.includes(marker), marker).toBe(false);
      const row = await db.collection(`${prefix}messages`).findOne({ _id: sent.body.id });
      expect(String(row?.text)).toMatch(/^e1\./);
    } finally {
      await client.close();
    }
  });
});
