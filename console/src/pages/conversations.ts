import { form, h, replace, table, time } from '../dom.ts';
import { errorText, serverApi, type Session } from '../session.ts';

/** Server key: a user's conversations (acting on their behalf), then one conversation's members and messages. */
export function conversationsPage(session: Session, main: HTMLElement): void {
  const api = serverApi(session)!;
  const list = h('section');
  const detail = h('section');
  const status = h('p', { class: 'error' });

  async function open(conversationId: string, onBehalfOf: string): Promise<void> {
    const [members, history] = await Promise.all([
      api.call('conversations.members.list', { params: { conversationId }, onBehalfOf }),
      api.call('messages.list', { params: { conversationId }, query: { limit: 50 }, onBehalfOf }),
    ]);
    replace(
      detail,
      h('h2', {}, 'Conversation ', h('code', {}, conversationId)),
      h('h3', {}, 'Members'),
      table(members.members, { User: (m) => m.userId, Role: (m) => m.role, 'Read up to': (m) => m.lastReadSeq, Joined: (m) => time(m.joinedAt) }),
      h('h3', {}, 'Latest messages'),
      table(history.messages, { '#': (m) => m.seq, Author: (m) => m.authorId ?? 'system', Text: (m) => (m.deleted ? h('em', {}, 'deleted') : m.text), Files: (m) => m.attachments.length || '', At: (m) => time(m.createdAt) }),
    );
  }

  async function load(userId: string): Promise<void> {
    status.textContent = '';
    try {
      const page = await api.call('conversations.list', { query: { limit: 100 }, onBehalfOf: userId });
      replace(
        list,
        h('p', { class: 'muted' }, `${page.conversations.length} conversations · ${page.totalUnread} unread for ${userId}`),
        table(page.conversations, {
          Name: (c) => h('a', { href: '#/conversations', onclick: (event: Event) => (event.preventDefault(), void open(c.id, userId)) }, c.name ?? `${c.type} ${c.id.slice(-6)}`),
          Type: (c) => c.type,
          Members: (c) => c.memberCount,
          Unread: (c) => c.unreadCount ?? 0,
          'Last message': (c) => c.lastMessage?.text ?? '',
          Activity: (c) => time(c.lastActivityAt),
        }, 'No conversations.'),
      );
    } catch (error) {
      status.textContent = errorText(error);
    }
  }

  replace(
    main,
    h('h1', {}, 'Conversations'),
    form({ class: 'card inline' }, ({ userId }) => load((userId ?? '').trim()),
      h('input', { name: 'userId', placeholder: 'conversations of user…', required: true, value: 'alice' }),
      h('button', { type: 'submit' }, 'List')),
    status,
    list,
    detail,
  );
}
