import { h, replace } from '../dom.ts';
import { errorText, serverApi, type Session } from '../session.ts';
import { startChatSession, type ChatSession } from './chat-session.ts';
import { chatView, type ChatView } from './chat-view.ts';

const DEMO_USERS = ['alice', 'bob', 'carol'];
let current: ChatSession | undefined;

/** Chat demo: pick a demo user (created on the fly with the server key), then chat live as them. */
export function chatPage(session: Session, main: HTMLElement): void {
  current?.close();
  current = undefined;
  const server = serverApi(session)!;
  const status = h('p', { class: 'error' });
  const preselected = new URLSearchParams(location.hash.split('?')[1] ?? '').get('user');

  async function pick(userId: string): Promise<void> {
    try {
      await server.call('users.upsert', { params: { userId }, body: { name: userId[0]!.toUpperCase() + userId.slice(1) } });
      let view: ChatView | undefined;
      current = await startChatSession(server, session.app!.id, userId, {
        onSent: (item, message) => view?.onSent(item, message),
        onFailed: (item, error) => view?.onFailed(item, error),
      });
      view = chatView(current);
      replace(main, h('h1', {}, 'Chat demo ', h('span', { class: 'muted', 'data-testid': 'chat-user' }, `as ${userId}`)), view.element);
    } catch (error) {
      status.textContent = errorText(error);
    }
  }

  if (preselected) return void pick(preselected);
  const custom = h('input', { placeholder: 'or any user id', 'data-testid': 'custom-user' });
  replace(
    main,
    h('h1', {}, 'Chat demo'),
    h('p', { class: 'muted' }, 'Chat as a demo user. Open the console in a second window as another user to see messages, typing, presence and read receipts live.'),
    h('div', { class: 'row' },
      ...DEMO_USERS.map((user) => h('button', { 'data-testid': `pick-${user}`, onclick: () => void pick(user) }, user)),
      custom,
      h('button', { class: 'secondary', onclick: () => custom.value.trim() && void pick(custom.value.trim()) }, 'Chat as')),
    status,
  );
}
