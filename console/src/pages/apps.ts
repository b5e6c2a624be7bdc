import { form, h, replace, table, time } from '../dom.ts';
import { adminApi, errorText, knownApps, rememberApp, saveSession, type Session } from '../session.ts';

/** Admin: create and open apps, their server keys (create, revoke), and pick the app to work in. */
export async function appsPage(session: Session, main: HTMLElement, refresh: () => void): Promise<void> {
  const api = adminApi(session);
  const detail = h('section', { 'data-testid': 'app-detail' });
  const status = h('p', { class: 'error' });

  async function open(appId: string): Promise<void> {
    status.textContent = '';
    try {
      const app = await api.call('apps.get', { params: { appId } });
      rememberApp({ id: app.id, name: app.name });
      const { keys } = await api.call('apps.keys.list', { params: { appId } });
      replace(
        detail,
        h('h2', {}, app.name, ' ', h('code', {}, app.id)),
        h('p', { class: 'muted' }, `Created ${time(app.createdAt)} · allowed origins: ${app.allowedOrigins.join(', ') || 'any'}`),
        h('div', { class: 'row' },
          h('button', { 'data-testid': 'work-in-app', onclick: () => void workIn(app.id, app.name) }, 'Work in this app'),
          h('button', { class: 'secondary', onclick: () => void createKey(app.id) }, 'New server key')),
        h('h3', {}, 'Server keys'),
        table(keys, {
          Name: (key) => key.name,
          Id: (key) => h('code', {}, key.id),
          Hint: (key) => h('code', {}, key.hint),
          Created: (key) => time(key.createdAt),
          Status: (key) => (key.revokedAt ? h('span', { class: 'tag bad' }, 'revoked') : h('span', { class: 'tag good' }, 'active')),
          '': (key) => (key.revokedAt ? null : h('button', { class: 'danger small', onclick: () => void revoke(app.id, key.id) }, 'Revoke')),
        }),
      );
    } catch (error) {
      status.textContent = errorText(error);
    }
  }

  async function createKey(appId: string, name = 'console'): Promise<string> {
    const key = await api.call('apps.keys.create', { params: { appId }, body: { name } });
    await open(appId);
    detail.prepend(h('p', { class: 'notice', 'data-testid': 'new-key' }, 'New key (shown once): ', h('code', {}, key.secret)));
    return key.secret;
  }

  async function revoke(appId: string, keyId: string): Promise<void> {
    await api.call('apps.keys.revoke', { params: { appId, keyId } }).catch((error) => (status.textContent = errorText(error)));
    await open(appId);
  }

  async function workIn(appId: string, name: string): Promise<void> {
    const serverKey = await createKey(appId, 'console session');
    saveSession({ ...session, app: { id: appId, name, serverKey } });
    location.hash = '#/users';
    refresh();
  }

  replace(
    main,
    h('h1', {}, 'Apps & keys'),
    h('div', { class: 'grid2' },
      form({ class: 'card' }, async ({ name }, element) => {
        try {
          const created = await api.call('apps.create', { body: { name: name ?? 'app' } });
          element.reset();
          await open(created.app.id);
          detail.prepend(h('p', { class: 'notice' }, 'Signing secret (shown once): ', h('code', {}, created.signingSecret)));
        } catch (error) {
          status.textContent = errorText(error);
        }
      },
      h('h3', {}, 'Create an app'),
      h('input', { name: 'name', placeholder: 'App name', required: true, 'data-testid': 'app-name' }),
      h('button', { type: 'submit', 'data-testid': 'create-app' }, 'Create')),
      form({ class: 'card' }, ({ appId }) => open((appId ?? '').trim()),
        h('h3', {}, 'Open an app'),
        h('input', { name: 'appId', placeholder: 'app_…', required: true }),
        h('button', { type: 'submit', class: 'secondary' }, 'Open'))),
    h('div', { class: 'chips' }, ...knownApps().map((app) => h('button', { class: 'chip', onclick: () => void open(app.id) }, app.name))),
    status,
    detail,
  );
  if (session.app) await open(session.app.id);
}
