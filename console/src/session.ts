import { ApiError, createRestClient, sha256Base64, type RestClient } from '../../sdk/src/index.ts';

/** Who signed in: the platform admin (optionally working inside one app) or one app's server key. */
export interface Session {
  kind: 'admin' | 'server';
  token: string;
  /** The app server-side pages act on: the admin picks one (with a server key the console made), a server key has its own. */
  app?: { id: string; name: string; serverKey: string };
}

const KEY = 'caas.console.session';
const APPS_KEY = 'caas.console.apps';
export const baseUrl = location.origin;

export function loadSession(): Session | null {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

export const adminApi = (session: Session): RestClient => createRestClient({ baseUrl, token: session.token });
export const serverApi = (session: Session): RestClient | null => (session.app ? createRestClient({ baseUrl, token: session.app.serverKey }) : null);

/** Apps the admin opened in this browser (the API has no "list apps"). */
export function knownApps(): Array<{ id: string; name: string }> {
  try {
    return JSON.parse(localStorage.getItem(APPS_KEY) ?? '[]') as Array<{ id: string; name: string }>;
  } catch {
    return [];
  }
}

export function rememberApp(app: { id: string; name: string }): void {
  localStorage.setItem(APPS_KEY, JSON.stringify([app, ...knownApps().filter((known) => known.id !== app.id)].slice(0, 20)));
}

/** Checks a credential and says what it is: a server key answers `GET /v1/media/usage`, the admin token does not. */
export async function signIn(token: string): Promise<Session> {
  const probe = createRestClient({ baseUrl, token });
  if (token.startsWith('sk_')) {
    await probe.call('media.usage');
    // The key does not say its app; a digest of it keeps one app's local data (outbox, positions) apart from another's.
    const id = `key-${(await sha256Base64(new TextEncoder().encode(token))).replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`;
    return { kind: 'server', token, app: { id, name: 'signed in with a server key', serverKey: token } };
  }
  try {
    await probe.call('apps.get', { params: { appId: `app_${'0'.repeat(26)}` } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { kind: 'admin', token };
    throw error;
  }
  return { kind: 'admin', token };
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.status} ${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
