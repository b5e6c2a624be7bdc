import type { Message, OutboxItem, RestClient } from '../../../sdk/src/index.ts';
import { h, replace } from '../dom.ts';
import { attachmentImage } from './attachments.ts';

/** The messages of the open conversation: server-confirmed ones and those still in the outbox. */
export interface ConversationLog {
  messages: Map<string, Message>;
  pending: Map<string, OutboxItem>;
  /** Highest sequence each other member has read. */
  readBy: Map<string, number>;
}

export function emptyLog(): ConversationLog {
  return { messages: new Map(), pending: new Map(), readBy: new Map() };
}

/** Adds a confirmed message; its outbox twin (same clientMessageId) disappears. */
export function addMessage(log: ConversationLog, message: Message): void {
  log.messages.set(message.id, message);
  if (message.clientMessageId) log.pending.delete(message.clientMessageId);
}

function receipt(log: ConversationLog, message: Message): 'read' | 'sent' {
  for (const seq of log.readBy.values()) if (seq >= message.seq) return 'read';
  return 'sent';
}

function bubble(rest: RestClient, me: string, author: string | null, text: string, attachments: string[], meta: HTMLElement, attrs: Record<string, string>) {
  return h(
    'li',
    { class: `bubble ${author === me ? 'mine' : 'theirs'}`, 'data-testid': 'message', ...attrs },
    author === me ? null : h('div', { class: 'author' }, author ?? 'system'),
    text ? h('div', { class: 'text' }, text) : null,
    attachments.length ? h('div', { class: 'attachments' }, ...attachments.map((id) => attachmentImage(rest, id))) : null,
    meta,
  );
}

export function renderLog(list: HTMLElement, log: ConversationLog, rest: RestClient, me: string): void {
  const confirmed = [...log.messages.values()].sort((a, b) => a.seq - b.seq);
  const clock = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  replace(
    list,
    ...confirmed.map((message) => {
      const status = message.authorId === me ? receipt(log, message) : 'received';
      const tick = status === 'read' ? '✓✓' : status === 'sent' ? '✓' : '';
      const meta = h('div', { class: 'meta' }, clock(message.createdAt), tick ? h('span', { class: `tick ${status}`, 'data-testid': 'receipt' }, tick) : null);
      return bubble(rest, me, message.authorId, message.deleted ? '(deleted)' : message.erased ? '(erased)' : (message.text ?? ''), message.attachments, meta, { 'data-status': status, 'data-seq': String(message.seq) });
    }),
    ...[...log.pending.values()].map((item) =>
      bubble(rest, me, me, item.body.text ?? '', item.body.attachments ?? [], h('div', { class: 'meta' }, h('span', { class: 'tick pending' }, 'queued · waiting for network')), {
        'data-status': 'pending',
        'data-client-id': item.clientMessageId,
      }),
    ),
  );
  list.scrollTop = list.scrollHeight;
}
