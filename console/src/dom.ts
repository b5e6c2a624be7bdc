/** A few lines of DOM building instead of a framework: h('button', { onclick }, 'Save'). */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (name === 'class') element.className = String(value);
    else if (name === 'value' && 'value' in element) (element as HTMLInputElement).value = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Element, ...children: Child[]): void {
  for (const child of children) if (child !== null && child !== undefined && child !== false) parent.append(child instanceof Node ? child : String(child));
}

export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A form whose submit is handled (default prevented) with its named fields as strings. */
export function form(attrs: Attrs, onSubmit: (fields: Record<string, string>, form: HTMLFormElement) => unknown, ...children: Child[]): HTMLFormElement {
  const element = h('form', attrs, ...children);
  element.addEventListener('submit', (event) => {
    event.preventDefault();
    const fields: Record<string, string> = {};
    new FormData(element).forEach((value, key) => (fields[key] = String(value)));
    void onSubmit(fields, element);
  });
  return element;
}

export function time(ms: number | null | undefined): string {
  return ms ? new Date(ms).toLocaleString() : '—';
}

/** A table from rows and columns (header → cell). */
export function table<T>(rows: T[], columns: Record<string, (row: T) => Child>, empty = 'Nothing yet.'): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...Object.keys(columns).map((title) => h('th', {}, title)))),
    h('tbody', {}, ...rows.map((row) => h('tr', {}, ...Object.values(columns).map((cell) => h('td', {}, cell(row)))))),
  );
}
