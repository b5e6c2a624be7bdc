/** The CaaS web console: a plain TypeScript/DOM app on @caas/sdk, bundled by console/build.ts. */
import { h, replace } from './dom.ts';
import { loadSession, saveSession, type Session } from './session.ts';
import { signInPage } from './pages/sign-in.ts';
import { appsPage } from './pages/apps.ts';
import { usersPage } from './pages/users.ts';
import { conversationsPage } from './pages/conversations.ts';
import { moderationPage } from './pages/moderation.ts';
import { searchPage } from './pages/search.ts';
import { chatPage } from './chat/chat-page.ts';

type Page = (session: Session, main: HTMLElement, refresh: () => void) => unknown;

const PAGES: Array<{ path: string; title: string; page: Page; needsApp: boolean }> = [
  { path: 'apps', title: 'Apps & keys', page: appsPage, needsApp: false },
  { path: 'users', title: 'Users', page: usersPage, needsApp: true },
  { path: 'conversations', title: 'Conversations', page: conversationsPage, needsApp: true },
  { path: 'moderation', title: 'Moderation', page: moderationPage, needsApp: true },
  { path: 'search', title: 'Search', page: searchPage, needsApp: true },
  { path: 'chat', title: 'Chat demo', page: chatPage, needsApp: true },
];

const root = document.getElementById('app')!;

function render(): void {
  const session = loadSession();
  if (!session) {
    // After signing in, each kind of credential lands on its own first page.
    replace(root, signInPage(() => (history.replaceState(null, '', location.pathname), render())));
    return;
  }
  const current = location.hash.replace(/^#\/?/, '').split('?')[0] || (session.kind === 'admin' ? 'apps' : 'chat');
  const entry = PAGES.find((page) => page.path === current) ?? PAGES[0]!;
  const visible = PAGES.filter((page) => session.kind === 'admin' || page.path !== 'apps');
  const main = h('main', { class: 'content', 'data-page': entry.path });
  replace(
    root,
    h(
      'div',
      { class: 'shell' },
      h(
        'nav',
        { class: 'sidebar' },
        h('div', { class: 'brand' }, h('span', { class: 'logo' }, '◆'), ' CaaS console'),
        ...visible.map((page) => h('a', { href: `#/${page.path}`, class: page === entry ? 'active' : '', 'data-nav': page.path }, page.title)),
        h(
          'div',
          { class: 'who' },
          h('div', { class: 'muted' }, session.kind === 'admin' ? 'Platform admin' : 'Server key'),
          session.app ? h('div', { class: 'app-pill', 'data-testid': 'current-app' }, session.app.name) : null,
          h('button', { class: 'link', onclick: () => (saveSession(null), render()) }, 'Sign out'),
        ),
      ),
      main,
    ),
  );
  if (entry.needsApp && !session.app) {
    replace(main, h('h1', {}, entry.title), h('p', { class: 'notice' }, 'Pick an app first: Apps & keys → "Work in this app".'));
    return;
  }
  void entry.page(session, main, render);
}

window.addEventListener('hashchange', render);
render();
