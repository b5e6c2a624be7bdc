import type { ApiCall } from './http-client.ts';
import { createTestApp, createTestUser, type TestApp } from './fixtures.ts';

/** An app with a few users holding tokens: the cast of most chat tests. */
export interface ChatWorld {
  app: TestApp;
  tokens: Record<string, string>;
}

export async function createChatWorld(call: ApiCall, adminToken: string, userIds: string[]): Promise<ChatWorld> {
  const app = await createTestApp(call, adminToken, 'chat');
  const tokens: Record<string, string> = {};
  for (const userId of userIds) tokens[userId] = (await createTestUser(call, app, userId)).token;
  return { app, tokens };
}

export async function createGroup(call: ApiCall, ownerToken: string, memberIds: string[], name = 'group'): Promise<string> {
  const response = await call('POST', '/v1/conversations', { token: ownerToken, body: { type: 'group', memberIds, name } });
  if (response.status !== 201) throw new Error(`group creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id;
}

export async function send(call: ApiCall, token: string, conversationId: string, body: Record<string, unknown>) {
  return call('POST', `/v1/conversations/${conversationId}/messages`, { token, body });
}
