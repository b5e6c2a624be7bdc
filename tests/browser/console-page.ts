import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { eventually } from '../sdk/sdk-world.ts';

/** One person in the console's chat demo, driven through the page like a user would. */
export class ChatPage {
  private constructor(readonly page: Page, readonly userId: string) {}

  static async open(browser: Browser, baseUrl: string, serverKey: string, userId: string): Promise<ChatPage> {
    const context = await browser.newContext({ viewport: { width: 1180, height: 720 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console/`);
    await page.getByTestId('token').fill(serverKey);
    await page.getByTestId('sign-in').click();
    await page.getByTestId(`pick-${userId}`).click();
    await page.getByTestId('chat-user').waitFor();
    await page.locator('[data-testid=connection][data-state=open]').waitFor();
    return new ChatPage(page, userId);
  }

  async startChatWith(userId: string): Promise<void> {
    await this.page.getByTestId('new-chat-with').fill(userId);
    await this.page.getByTestId('new-chat').click();
    await this.page.locator(`[data-testid=presence-${userId}]`).waitFor();
  }

  /** Opens the first conversation of the list once it appears (pushed live). */
  async openFirstConversation(): Promise<void> {
    const item = this.page.locator('[data-testid=conversation-list] li').first();
    await item.waitFor({ timeout: 15_000 });
    await item.click();
  }

  async send(text: string): Promise<void> {
    await this.page.getByTestId('composer').fill(text);
    await this.page.getByTestId('send').click();
  }

  async typeWithoutSending(text: string): Promise<void> {
    await this.page.getByTestId('composer').pressSequentially(text);
  }

  messages(): Promise<string[]> {
    return this.page.locator('[data-testid=messages] [data-testid=message] .text').allTextContents();
  }

  async expectMessages(expected: string[], ms = 30_000): Promise<void> {
    await eventually(async () => expect(await this.messages()).toEqual(expected), ms);
  }

  /** What the page's IndexedDB outbox holds right now. */
  outbox(): Promise<Array<{ clientMessageId: string; text: string }>> {
    return this.page.evaluate(async (userId) => {
      const name = (await indexedDB.databases()).map((db) => db.name ?? '').find((db) => db.startsWith('caas-outbox-') && db.endsWith(`-${userId}`));
      if (!name) return [];
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const items = await new Promise<Array<{ clientMessageId: string; order: number; body: { text?: string } }>>((resolve, reject) => {
        const request = db.transaction('outbox').objectStore('outbox').getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      db.close();
      return items.sort((a, b) => a.order - b.order).map((item) => ({ clientMessageId: item.clientMessageId, text: item.body.text ?? '' }));
    }, this.userId);
  }

  attribute(selector: string, name: string): Promise<string | null> {
    return this.page.locator(selector).first().getAttribute(name);
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path, fullPage: false });
  }
}
