import type { RestClient } from '../../../sdk/src/index.ts';
import { form, h, replace, time } from '../dom.ts';
import { errorText, serverApi, type Session } from '../session.ts';

/** Search results as a list; `highlight` is HTML-escaped by the server, with matches in <mark>. */
export function searchResults(api: RestClient, onBehalfOf?: string) {
  const results = h('ol', { class: 'results', 'data-testid': 'search-results' });
  const run = async (q: string) => {
    const page = await api.call('search.messages', { query: { q, limit: 20 }, ...(onBehalfOf ? { onBehalfOf } : {}) });
    replace(results, ...page.results.map((hit) => {
      const text = h('div', { class: 'hit' });
      text.innerHTML = hit.highlight;
      return h('li', {}, text, h('div', { class: 'muted small' }, `${hit.message.authorId ?? 'system'} · ${time(hit.message.createdAt)}`));
    }));
    if (page.results.length === 0) replace(results, h('li', { class: 'muted' }, 'No match.'));
  };
  return { results, run };
}

/** Server key: search every conversation of the app. */
export function searchPage(session: Session, main: HTMLElement): void {
  const { results, run } = searchResults(serverApi(session)!);
  const status = h('p', { class: 'error' });
  replace(
    main,
    h('h1', {}, 'Search'),
    form({ class: 'card inline' }, ({ q }) => run(q ?? '').catch((error) => (status.textContent = errorText(error))),
      h('input', { name: 'q', placeholder: 'search all messages of the app', required: true }),
      h('button', { type: 'submit' }, 'Search')),
    status,
    results,
  );
}
