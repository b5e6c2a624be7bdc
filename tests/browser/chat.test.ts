import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../console/build.ts';
import { createRestClient } from '../../sdk/src/index.ts';
import { startLocalPlatform, type LocalPlatform } from '../support/local-platform.ts';
import { eventually } from '../sdk/sdk-world.ts';
import { startTcpProxy, type TcpProxy } from '../sdk/tcp-proxy.ts';
import { launchChromium } from './chromium.ts';
import { ChatPage } from './console-page.ts';

const IMAGES = join(import.meta.dirname, '..', '..', 'docs', 'images');

describe('console chat demo in Chromium, two users live', () => {
  let platform: LocalPlatform;
  let proxy: TcpProxy;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let serverKey: string;
  let alice: ChatPage;
  let bob: ChatPage;

  beforeAll(async () => {
    await buildConsole();
    platform = await startLocalPlatform();
    // Everything the pages load, signed blob URLs included, goes through a proxy the test can cut.
    proxy = await startTcpProxy(platform.url);
    platform.services.config.CAAS_PUBLIC_URL = proxy.url;
    const admin = createRestClient({ baseUrl: platform.url, token: platform.adminToken });
    serverKey = (await admin.call('apps.create', { body: { name: 'Browser demo' } })).serverKey.secret;
    chromium = await launchChromium();
    alice = await ChatPage.open(chromium.browser, proxy.url, serverKey, 'alice');
    bob = await ChatPage.open(chromium.browser, proxy.url, serverKey, 'bob');
  });
  afterAll(async () => {
    await chromium?.close();
    await proxy?.close();
    await platform?.close();
  });

  it('chats live: the conversation, typing, presence, messages and read receipts reach the other context', async () => {
    await alice.startChatWith('bob');
    await bob.openFirstConversation();
    await eventually(async () => expect(await alice.attribute('[data-testid=presence-bob]', 'data-status')).toBe('online'));
    await eventually(async () => expect(await bob.attribute('[data-testid=presence-alice]', 'data-status')).toBe('online'));

    await alice.typeWithoutSending('Hi Bob');
    await eventually(async () => expect(await bob.page.getByTestId('typing').textContent()).toBe('alice is typing…'));
    await alice.page.getByTestId('composer').fill('');
    await alice.send('Hi Bob! The new console is live.');
    await bob.expectMessages(['Hi Bob! The new console is live.']);
    await eventually(async () => expect(await bob.page.getByTestId('typing').textContent()).toBe(''));
    await eventually(async () => expect(await alice.attribute('[data-testid=message][data-status]', 'data-status')).toBe('read'));

    await bob.send('Hey Alice, I see you typing and online.');
    await alice.expectMessages(['Hi Bob! The new console is live.', 'Hey Alice, I see you typing and online.']);
    await eventually(async () => expect(await bob.attribute('[data-testid=message][data-status=read]', 'data-status')).toBe('read'));
    await bob.typeWithoutSending('Sending');
    await eventually(async () => expect(await alice.page.getByTestId('typing').textContent()).toBe('bob is typing…'));
    await alice.screenshot(join(IMAGES, 'console-chat.png'));
    await bob.page.getByTestId('composer').fill('');
  });

  it('uploads an image: progress, presigned PUT, and the thumbnail appears for both users', async () => {
    const png = await sharp({ create: { width: 960, height: 640, channels: 3, background: '#6366f1' } })
      .composite([{ input: Buffer.from('<svg width="960" height="640"><circle cx="480" cy="320" r="220" fill="#fbbf24"/></svg>') }])
      .png()
      .toBuffer();
    await alice.page.getByTestId('file-input').setInputFiles({ name: 'sunrise.png', mimeType: 'image/png', buffer: png });
    for (const person of [alice, bob]) {
      await eventually(async () => {
        const width = await person.page.locator('[data-testid=thumbnail]').first().evaluate((img) => (img as HTMLImageElement).naturalWidth);
        expect(width).toBeGreaterThan(0);
        expect(width).toBeLessThan(960);
      }, 30_000);
    }
    await bob.screenshot(join(IMAGES, 'console-upload.png'));
  });

  it('loses nothing when the connection drops: queued sends go out once, in order, and missed messages arrive', async () => {
    const before = await alice.messages();
    proxy.cut();
    await eventually(async () => expect(await alice.attribute('[data-testid=connection]', 'data-state')).not.toBe('open'));
    await eventually(async () => expect(await bob.attribute('[data-testid=connection]', 'data-state')).not.toBe('open'));

    await alice.send('Sent while offline (1)');
    await alice.send('Sent while offline (2)');
    await eventually(async () => expect(await alice.page.locator('[data-status=pending]').count()).toBe(2));
    const queued = await alice.outbox();
    expect(queued.map((item) => item.text)).toEqual(['Sent while offline (1)', 'Sent while offline (2)']);
    // Bob writes from another device meanwhile; neither browser can see it yet.
    const bobElsewhere = createRestClient({ baseUrl: platform.url, token: serverKey });
    const [conversation] = (await bobElsewhere.call('conversations.list', { onBehalfOf: 'bob' })).conversations;
    await bobElsewhere.call('messages.send', { params: { conversationId: conversation!.id }, body: { text: 'Bob from his phone' }, onBehalfOf: 'bob' });
    await alice.screenshot(join(IMAGES, 'console-offline.png'));

    proxy.restore();
    await alice.expectMessages([...before, 'Bob from his phone', 'Sent while offline (1)', 'Sent while offline (2)'], 60_000);
    await bob.expectMessages([...before, 'Bob from his phone', 'Sent while offline (1)', 'Sent while offline (2)'], 60_000);
    expect(await alice.page.locator('[data-status=pending]').count()).toBe(0);
    const stored = await bobElsewhere.call('messages.list', { params: { conversationId: conversation!.id }, onBehalfOf: 'bob' });
    expect(stored.messages.map((m) => m.text).filter(Boolean)).toEqual([...before, 'Bob from his phone', 'Sent while offline (1)', 'Sent while offline (2)']);
    // Sent with the clientMessageIds they were given offline, and gone from IndexedDB.
    expect(stored.messages.slice(-2).map((m) => m.clientMessageId)).toEqual(queued.map((item) => item.clientMessageId));
    expect(await alice.outbox()).toEqual([]);
  });
});
