import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../console/build.ts';
import { createRestClient } from '../../sdk/src/index.ts';
import { startLocalPlatform, type LocalPlatform } from '../support/local-platform.ts';
import { eventually } from '../sdk/sdk-world.ts';
import { launchChromium } from './chromium.ts';

const IMAGES = join(import.meta.dirname, '..', '..', 'docs', 'images');

describe('console administration in Chromium', () => {
  let platform: LocalPlatform;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    await buildConsole();
    platform = await startLocalPlatform();
    chromium = await launchChromium();
    const context = await chromium.browser.newContext({ viewport: { width: 1180, height: 720 } });
    page = await context.newPage();
  });
  afterAll(async () => {
    await chromium?.close();
    await platform?.close();
  });

  const rows = (selector: string) => page.locator(`${selector} tbody tr`).allTextContents();

  it('refuses a wrong token with the server\'s reason', async () => {
    await page.goto(`${platform.url}/console/`);
    await page.getByTestId('token').fill('not-a-real-token-0123456789');
    await page.getByTestId('sign-in').click();
    await eventually(async () => expect(await page.getByTestId('sign-in-error').textContent()).toMatch(/^401 UNAUTHENTICATED/));
  });

  it('signs in as admin, creates an app, creates and revokes server keys', async () => {
    await page.getByTestId('token').fill(platform.adminToken);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('app-name').fill('Acme chat');
    await page.getByTestId('create-app').click();
    await eventually(async () => expect(await rows('[data-testid=app-detail]')).toHaveLength(1));
    await page.getByRole('button', { name: 'New server key' }).click();
    await eventually(async () => expect(await rows('[data-testid=app-detail]')).toHaveLength(2));
    await page.locator('[data-testid=app-detail] tbody tr').first().getByRole('button', { name: 'Revoke' }).click();
    await eventually(async () => expect((await rows('[data-testid=app-detail]')).filter((row) => row.includes('revoked'))).toHaveLength(1));
    await page.screenshot({ path: join(IMAGES, 'console-apps.png') });
  });

  it('works in the app: users, the moderation queue and search', async () => {
    await page.getByTestId('work-in-app').click();
    await page.locator('[data-page=users]').waitFor();
    await page.getByPlaceholder('user id').nth(1).fill('dana');
    await page.getByPlaceholder('display name').fill('Dana');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => expect(await page.getByTestId('user-detail').textContent()).toContain('Dana'));

    // A message flagged by a user shows up in the queue; dismissing it empties the queue.
    const serverKey = (await page.evaluate(() => JSON.parse(sessionStorage.getItem('caas.console.session') ?? '{}'))).app.serverKey as string;
    const api = createRestClient({ baseUrl: platform.url, token: serverKey });
    await api.call('users.upsert', { params: { userId: 'eve' }, body: { name: 'Eve' } });
    const conversation = await api.call('conversations.create', { body: { type: 'group', memberIds: ['eve'], name: 'general' }, onBehalfOf: 'dana' });
    const message = await api.call('messages.send', { params: { conversationId: conversation.id }, body: { text: 'buy cheap watches here' }, onBehalfOf: 'eve' });
    await api.call('moderation.flags.create', { params: { messageId: message.id }, body: { reason: 'spam' }, onBehalfOf: 'dana' });
    await page.locator('[data-nav=moderation]').click();
    await eventually(async () => expect(await rows('[data-testid=flag-queue]')).toEqual([expect.stringContaining('spam')]));
    await page.screenshot({ path: join(IMAGES, 'console-moderation.png') });
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await eventually(async () => expect(await page.getByTestId('flag-queue').textContent()).toBe('The queue is empty.'));

    await page.locator('[data-nav=search]').click();
    await page.getByPlaceholder('search all messages of the app').fill('watches');
    await page.getByRole('button', { name: 'Search' }).click();
    await eventually(async () => expect(await page.getByTestId('search-results').innerHTML()).toContain('<mark>watches</mark>'));
  });
});
