import type { ApiCall } from './http-client.ts';

export interface TestApp {
  appId: string;
  serverKey: string;
  keyId: string;
  signingSecret: string;
}

/** Creates an app through the API, as an operator would. */
export async function createTestApp(call: ApiCall, adminToken: string, name = 'test app'): Promise<TestApp> {
  const response = await call('POST', '/v1/apps', { token: adminToken, body: { name } });
  if (response.status !== 201) throw new Error(`app creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return {
    appId: response.body.app.id,
    serverKey: response.body.serverKey.secret,
    keyId: response.body.serverKey.id,
    signingSecret: response.body.signingSecret,
  };
}

/** Creates a user and mints a token for them. */
export async function createTestUser(call: ApiCall, app: TestApp, userId: string, name = userId): Promise<{ userId: string; token: string }> {
  const upsert = await call('PUT', `/v1/users/${userId}`, { token: app.serverKey, body: { name } });
  if (upsert.status >= 300) throw new Error(`user upsert failed: ${upsert.status} ${JSON.stringify(upsert.body)}`);
  const minted = await call('POST', `/v1/users/${userId}/tokens`, { token: app.serverKey, body: {} });
  if (minted.status !== 201) throw new Error(`token mint failed: ${minted.status} ${JSON.stringify(minted.body)}`);
  return { userId, token: minted.body.token };
}
