import { isMessageChange, isNewMessage, messageOf, typingIndicator, typingTracker, type ChatEvent, type Message, type OutboxItem, type ResultOf } from '../../../sdk/src/index.ts';
import { form, h, replace } from '../dom.ts';
import { errorText } from '../session.ts';
import { searchResults } from '../pages/search.ts';
import type { ChatSession } from './chat-session.ts';
import { uploadButton } from './upload-button.ts';
import { addMessage, emptyLog, renderLog, type ConversationLog } from './message-list.ts';

type Conversation = ResultOf<'conversations.get'>;

const lastOf = (m: Message): Conversation['lastMessage'] => ({ id: m.id, seq: m.seq, authorId: m.authorId, text: m.text, createdAt: m.createdAt });

/** The live chat of one demo user: conversations, messages with receipts, typing, presence, uploads, search. */
export interface ChatView {
  element: HTMLElement;
  /** The outbox's callbacks: a queued message was accepted, or refused for good. */
  onSent(item: OutboxItem, message: Message): void;
  onFailed(item: OutboxItem, error: unknown): void;
}

export function chatView(chat: ChatSession, log: ConversationLog = emptyLog()): ChatView {
  const { rest, realtime, outbox, userId: me } = chat;
  const conversations = new Map<string, Conversation>();
  const presence = new Map<string, string>();
  const typingIn = new Map<string, string[]>();
  let active: Conversation | undefined;
  let others: string[] = [];
  let typing: ReturnType<typeof typingIndicator> | undefined;

  const list = h('ul', { class: 'conversations', 'data-testid': 'conversation-list' });
  const messages = h('ul', { class: 'messages', 'data-testid': 'messages' });
  const header = h('header', { class: 'chat-header' });
  const typingLine = h('div', { class: 'typing', 'data-testid': 'typing' });
  const status = h('p', { class: 'error' });
  const badge = h('span', { class: 'badge', 'data-testid': 'connection', 'data-state': realtime.state }, realtime.state);
  const fail = (error: unknown) => (status.textContent = errorText(error));
  const nameOf = (c: Conversation) => c.name ?? (c.type === 'direct' ? `chat ${c.id.slice(-5)}` : c.id);

  function renderList(): void {
    const sorted = [...conversations.values()].sort((a, b) => b.lastActivityAt - a.lastActivityAt);
    replace(list, ...sorted.map((c) => h('li', { class: c.id === active?.id ? 'active' : '', 'data-conversation': c.id, onclick: () => void open(c.id) },
      h('div', { class: 'name' }, nameOf(c)),
      h('div', { class: 'muted small' }, c.lastMessage?.text || (c.lastMessage ? '[image]' : 'no messages yet')),
      c.unreadCount ? h('span', { class: 'unread' }, c.unreadCount) : null)));
  }

  function renderHeader(): void {
    if (!active) return replace(header, h('span', { class: 'muted' }, 'Pick or start a conversation'), badge);
    replace(header, h('strong', {}, nameOf(active)), ...others.map((user) => {
      const state = presence.get(user) ?? 'offline';
      return h('span', { class: `presence ${state}`, 'data-testid': `presence-${user}`, 'data-status': state }, `● ${user} ${state}`);
    }), badge);
  }

  function renderTyping(): void {
    const users = active ? (typingIn.get(active.id) ?? []).filter((user) => user !== me) : [];
    typingLine.textContent = users.length ? `${users.join(', ')} ${users.length > 1 ? 'are' : 'is'} typing…` : '';
  }

  const rerender = () => (renderLog(messages, log, rest, me), renderHeader(), renderTyping());

  let readTimer: ReturnType<typeof setTimeout> | undefined;
  function markRead(): void {
    clearTimeout(readTimer);
    const conversationId = active?.id;
    readTimer = setTimeout(() => {
      const latest = Math.max(0, ...[...log.messages.values()].filter((m) => m.authorId !== me).map((m) => m.seq));
      if (conversationId && latest > 0) void rest.call('conversations.read', { params: { conversationId }, body: { seq: latest } }).catch(() => undefined);
    }, 150);
  }

  async function reloadList(): Promise<void> {
    const page = await rest.call('conversations.list', { query: { limit: 50 } });
    for (const c of page.conversations) conversations.set(c.id, c);
    renderList();
  }

  async function open(conversationId: string): Promise<void> {
    typing?.stop();
    typing = undefined;
    active = conversations.get(conversationId) ?? (await rest.call('conversations.get', { params: { conversationId } }));
    const [members, history] = await Promise.all([
      rest.call('conversations.members.list', { params: { conversationId } }),
      rest.call('messages.list', { params: { conversationId }, query: { limit: 100 } }),
    ]);
    log.messages.clear();
    log.readBy.clear();
    others = members.members.map((m) => m.userId).filter((user) => user !== me);
    for (const m of members.members) if (m.userId !== me) log.readBy.set(m.userId, m.lastReadSeq);
    for (const message of history.messages) addMessage(log, message);
    for (const item of await outbox.pending()) if (item.conversationId === conversationId) log.pending.set(item.clientMessageId, item);
    for (const view of await realtime.queryPresence(others)) presence.set(view.userId, view.status);
    conversations.set(active.id, { ...active, unreadCount: 0 });
    renderList();
    rerender();
    markRead();
  }

  function onEvent(event: ChatEvent): void {
    const known = conversations.get(event.conversationId);
    if (!known || event.type === 'member.added' || event.type === 'conversation.created') void reloadList();
    if (event.conversationId !== active?.id) {
      if (known && isNewMessage(event)) conversations.set(known.id, { ...known, unreadCount: (known.unreadCount ?? 0) + 1, lastActivityAt: event.at, lastMessage: lastOf(messageOf(event)) });
      return renderList();
    }
    if (isNewMessage(event)) {
      addMessage(log, messageOf(event));
      conversations.set(active.id, (active = { ...active, lastActivityAt: event.at, lastMessage: lastOf(messageOf(event)) }));
      renderList();
      if (event.payload.message.authorId !== me) markRead();
    } else if (isMessageChange(event)) {
      const message = log.messages.get(event.payload.messageId);
      if (message) log.messages.set(message.id, { ...message, ...event.payload.changes, deleted: message.deleted || event.type === 'message.deleted' });
    } else if (event.type === 'read') {
      const { userId, seq } = event.payload as { userId: string; seq: number };
      if (userId !== me) log.readBy.set(userId, Math.max(seq, log.readBy.get(userId) ?? 0));
    }
    rerender();
  }

  realtime.on('event', onEvent);
  realtime.on('presence', (frame) => (presence.set(frame.userId, frame.status), renderHeader()));
  realtime.on('state', ({ state }) => ((badge.textContent = state === 'open' ? 'live' : state), badge.setAttribute('data-state', state)));
  typingTracker(realtime, (conversationId, users) => (typingIn.set(conversationId, users), renderTyping()));

  const input = h('input', { name: 'text', placeholder: 'Write a message', autocomplete: 'off', 'data-testid': 'composer' });
  input.addEventListener('input', () => {
    if (!active) return;
    typing ??= typingIndicator(realtime, active.id);
    if (input.value) typing.keystroke();
    else typing.stop();
  });

  async function send(body: { text?: string; attachments?: string[] }): Promise<void> {
    if (!active) return;
    typing?.stop();
    typing = undefined;
    const item = await outbox.send(active.id, body);
    if (![...log.messages.values()].some((m) => m.clientMessageId === item.clientMessageId)) log.pending.set(item.clientMessageId, item);
    rerender();
  }

  const upload = uploadButton(rest, (mediaId) => send({ attachments: [mediaId] }), fail);
  const search = searchResults(rest);
  void reloadList().catch(fail);
  renderHeader();
  void realtime.connect().catch(fail);

  const element = h('div', { class: 'chat' },
    h('aside', { class: 'chat-side' },
      form({ class: 'inline' }, async ({ with: other }, element) => {
          try {
            const otherId = (other ?? '').trim();
            const created = await rest.call('conversations.create', { body: { type: 'direct', memberIds: [otherId], name: `${me} & ${otherId}` } });
            conversations.set(created.id, created);
            element.reset();
            await open(created.id);
          } catch (error) {
            fail(error);
          }
        },
        h('input', { name: 'with', placeholder: 'chat with user id…', required: true, 'data-testid': 'new-chat-with' }),
        h('button', { type: 'submit', 'data-testid': 'new-chat' }, 'Start')),
      list,
      form({ class: 'inline' }, ({ q }) => search.run(q ?? '').catch(fail), h('input', { name: 'q', placeholder: 'search my messages', 'data-testid': 'chat-search' }), h('button', { type: 'submit', class: 'secondary' }, 'Search')),
      search.results),
    h('section', { class: 'chat-main' },
      header, messages, typingLine, status, upload.progress,
      form({ class: 'composer' }, async ({ text }, element) => {
          if (!(text ?? '').trim()) return;
          element.reset();
          await send({ text: (text ?? '').trim() }).catch(fail);
        },
        upload.button,
        input, upload.input,
        h('button', { type: 'submit', 'data-testid': 'send' }, 'Send'))),
  );
  return {
    element,
    onSent(item, message) {
      if (message.conversationId === active?.id) addMessage(log, message);
      else log.pending.delete(item.clientMessageId);
      rerender();
    },
    onFailed(item, error) {
      log.pending.delete(item.clientMessageId);
      fail(error);
      rerender();
    },
  };
}
