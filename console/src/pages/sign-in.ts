import { form, h } from '../dom.ts';
import { errorText, saveSession, signIn } from '../session.ts';

/** Sign in with the platform admin token or one app's server key (kept in this tab only). */
export function signInPage(onSignedIn: () => void): HTMLElement {
  const error = h('p', { class: 'error', 'data-testid': 'sign-in-error' });
  return h(
    'div',
    { class: 'sign-in' },
    h('div', { class: 'brand big' }, h('span', { class: 'logo' }, '◆'), ' CaaS console'),
    h('p', { class: 'muted' }, 'Sign in with the admin token or a server key (sk_…). Both are printed by npm start.'),
    form(
      { class: 'card' },
      async ({ token }) => {
        error.textContent = '';
        try {
          saveSession(await signIn((token ?? '').trim()));
          onSignedIn();
        } catch (failure) {
          error.textContent = errorText(failure);
        }
      },
      h('label', {}, 'Admin token or server key', h('input', { name: 'token', type: 'password', required: true, autocomplete: 'off', 'data-testid': 'token' })),
      h('button', { type: 'submit', 'data-testid': 'sign-in' }, 'Sign in'),
      error,
    ),
  );
}
