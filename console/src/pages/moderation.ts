import { form, h, replace, table, time } from '../dom.ts';
import { errorText, serverApi, type Session } from '../session.ts';

/** Server key: the queue of flagged messages (dismiss, delete the message, ban its author) and the word blocklist. */
export async function moderationPage(session: Session, main: HTMLElement): Promise<void> {
  const api = serverApi(session)!;
  const queue = h('section', { 'data-testid': 'flag-queue' });
  const status = h('p', { class: 'error' });

  /** The flagged message's text, filled in when it arrives (the queue lists ids). */
  function messageText(messageId: string): HTMLElement {
    const cell = h('span', { class: 'muted' }, messageId);
    void api.call('messages.get', { params: { messageId } }).then((message) => {
      cell.textContent = `${message.authorId ?? 'system'}: ${message.text || '(no text)'}`;
      cell.className = '';
    }, () => undefined);
    return cell;
  }

  async function resolve(flagId: string, action: 'dismiss' | 'delete_message' | 'ban_author'): Promise<void> {
    await api.call('moderation.flags.resolve', { params: { flagId }, body: { action } }).catch((error) => (status.textContent = errorText(error)));
    await loadQueue();
  }

  async function loadQueue(): Promise<void> {
    const { flags } = await api.call('moderation.flags.list', { query: { status: 'open' } });
    replace(
      queue,
      table(flags, {
        Flagged: (f) => time(f.createdAt),
        Reporter: (f) => f.reporterId ?? 'app',
        Reason: (f) => f.reason,
        Message: (f) => messageText(f.messageId),
        '': (f) => h('div', { class: 'row' },
          h('button', { class: 'small secondary', onclick: () => void resolve(f.id, 'dismiss') }, 'Dismiss'),
          h('button', { class: 'small danger', onclick: () => void resolve(f.id, 'delete_message') }, 'Delete message'),
          h('button', { class: 'small danger', onclick: () => void resolve(f.id, 'ban_author') }, 'Ban author')),
      }, 'The queue is empty.'),
    );
  }

  const blocklist = await api.call('moderation.blocklist.get').catch(() => ({ words: [] as string[], mode: 'reject' as const }));
  replace(
    main,
    h('h1', {}, 'Moderation'),
    h('h2', {}, 'Open flags'),
    status,
    queue,
    h('h2', {}, 'Blocked words'),
    form({ class: 'card' }, async ({ words, mode }) => {
        try {
          await api.call('moderation.blocklist.put', { body: { words: (words ?? '').split(/[\s,]+/).filter(Boolean), mode: mode === 'mask' ? 'mask' : 'reject' } });
          status.textContent = '';
        } catch (error) {
          status.textContent = errorText(error);
        }
      },
      h('textarea', { name: 'words', rows: 3, placeholder: 'words, separated by spaces or commas' }, blocklist.words.join(', ')),
      h('select', { name: 'mode' }, h('option', { value: 'reject', selected: blocklist.mode === 'reject' }, 'reject the message'), h('option', { value: 'mask', selected: blocklist.mode === 'mask' }, 'mask the words')),
      h('button', { type: 'submit' }, 'Save blocklist')),
  );
  await loadQueue().catch((error) => (status.textContent = errorText(error)));
}
