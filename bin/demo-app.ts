import { APPS, createApp, issueServerKey, listServerKeys, revokeServerKey, type AppDoc } from '../functions/apps/apps.ts';
import { upsertUser } from '../functions/users/users.ts';
import { mintUserToken } from '../runtime/auth/user-tokens.ts';
import type { Services } from '../runtime/context.ts';

export interface DemoApp {
  appId: string;
  serverKey: string;
  users: Array<{ id: string; token: string }>;
}

const DEMO_NAME = 'Demo app';
const DEMO_KEY_NAME = 'npm-start demo';
const DEMO_USERS = [
  { id: 'alice', name: 'Alice' },
  { id: 'bob', name: 'Bob' },
];

/**
 * A ready app for newcomers: created once, then reused. Server keys are stored hashed, so each
 * start issues a fresh demo key (revoking the previous one) to be able to print it.
 */
export async function ensureDemoApp(services: Services): Promise<DemoApp> {
  const { store } = services.ports;
  let app = await store.collection<AppDoc>(APPS).findOne({ name: DEMO_NAME, demo: true });
  if (!app) {
    const created = await createApp(services, { name: DEMO_NAME });
    await revokeServerKey(services, created.app._id, created.serverKey.id);
    await store.collection<AppDoc>(APPS).updateOne({ _id: created.app._id }, { $set: { demo: true } });
    app = created.app;
  }
  for (const key of await listServerKeys(store, app._id)) {
    if (key.name === DEMO_KEY_NAME && key.revokedAt === null) await revokeServerKey(services, app._id, key._id);
  }
  const key = await issueServerKey(services, app._id, DEMO_KEY_NAME);
  const users = [];
  for (const demoUser of DEMO_USERS) {
    const { user } = await upsertUser(services, app._id, demoUser.id, { name: demoUser.name });
    const { token } = await mintUserToken(
      { appId: app._id, userId: user.userId, tokenVersion: user.tokenVersion, ttlSec: 24 * 3600, now: services.clock.now() },
      app.signingSecret,
    );
    users.push({ id: demoUser.id, token });
  }
  return { appId: app._id, serverKey: key.secret, users };
}
