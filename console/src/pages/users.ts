import { form, h, replace, time } from '../dom.ts';
import { errorText, serverApi, type Session } from '../session.ts';

/** Server key: look up, create or update users, mint and revoke their tokens, ban and unban. */
export function usersPage(session: Session, main: HTMLElement): void {
  const api = serverApi(session)!;
  const detail = h('section', { 'data-testid': 'user-detail' });
  const status = h('p', { class: 'error' });
  const guard = (task: () => Promise<unknown>) => () => void task().catch((error) => (status.textContent = errorText(error)));

  async function show(userId: string): Promise<void> {
    status.textContent = '';
    const user = await api.call('users.get', { params: { userId } });
    const token = h('p', { class: 'notice hidden', 'data-testid': 'user-token' });
    replace(
      detail,
      h('h2', {}, user.name ?? user.id, ' ', h('code', {}, user.id)),
      h('p', { class: 'muted' }, `role ${user.role} · created ${time(user.createdAt)} · updated ${time(user.updatedAt)}`),
      h('div', { class: 'row' },
        h('button', { onclick: guard(async () => {
          const minted = await api.call('users.tokens.create', { params: { userId }, body: { ttlSeconds: 3600 } });
          replace(token, 'Token (1 h): ', h('code', { class: 'wrap' }, minted.token));
          token.classList.remove('hidden');
        }) }, 'Mint a token'),
        h('button', { class: 'secondary', onclick: guard(() => api.call('users.tokens.revoke', { params: { userId } })) }, 'Revoke tokens'),
        h('button', { class: 'secondary', onclick: guard(async () => (await api.call('moderation.ban', { params: { userId }, body: { reason: 'console' } }), show(userId))) }, 'Ban'),
        h('button', { class: 'secondary', onclick: guard(async () => (await api.call('moderation.unban', { params: { userId } }), show(userId))) }, 'Unban'),
        h('button', { class: 'danger', onclick: guard(async () => {
          if (!confirm(`Erase ${userId} and everything they wrote?`)) return;
          await api.call('users.delete', { params: { userId } });
          replace(detail, h('p', { class: 'notice' }, `${userId} erased.`));
        }) }, 'Erase')),
      token,
      h('pre', { class: 'json' }, JSON.stringify(user.custom, null, 2)),
    );
  }

  replace(
    main,
    h('h1', {}, 'Users'),
    h('div', { class: 'grid2' },
      form({ class: 'card' }, ({ userId }) => guard(() => show((userId ?? '').trim()))(),
        h('h3', {}, 'Find a user'),
        h('input', { name: 'userId', placeholder: 'user id', required: true, 'data-testid': 'find-user' }),
        h('button', { type: 'submit' }, 'Open')),
      form({ class: 'card' }, ({ userId, name }, element) => guard(async () => {
          await api.call('users.upsert', { params: { userId: (userId ?? '').trim() }, body: { name: name || null } });
          element.reset();
          await show((userId ?? '').trim());
        })(),
        h('h3', {}, 'Create or update'),
        h('input', { name: 'userId', placeholder: 'user id', required: true }),
        h('input', { name: 'name', placeholder: 'display name' }),
        h('button', { type: 'submit', class: 'secondary' }, 'Save'))),
    status,
    detail,
  );
}
