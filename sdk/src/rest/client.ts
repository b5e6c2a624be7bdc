import { routes } from '../generated/routes.ts';
import { ApiError, NetworkError, type Problem } from './errors.ts';
import type { CallArgs, FunctionName, RequestOf, ResultOf } from './types.ts';

/** A credential, or a callback that returns a fresh one (called before every request). */
export type TokenSource = string | (() => string | Promise<string>);

export interface RestClientOptions {
  /** Base URL of the API, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** Admin token, server key (`sk_…`) or user JWT. */
  token?: TokenSource;
  /** Another fetch (tests, proxies); default globalThis.fetch. */
  fetch?: typeof fetch;
}

export interface RestClient {
  readonly baseUrl: string;
  /**
   * Calls one endpoint by its function name with typed params, query and body.
   * @example const message = await api.call('messages.send', { params: { conversationId }, body: { text: 'hi' } });
   */
  call<N extends FunctionName>(name: N, ...args: CallArgs<N>): Promise<ResultOf<N>>;
}

export async function resolveToken(source: TokenSource | undefined): Promise<string | undefined> {
  return typeof source === 'function' ? await source() : source;
}

function fillPath(template: string, params: Record<string, unknown> | undefined): string {
  return template.replace(/:([A-Za-z0-9_]+)/g, (_, key: string) => {
    const value = params?.[key];
    if (value === undefined || value === null) throw new TypeError(`missing path parameter "${key}" for ${template}`);
    return encodeURIComponent(String(value));
  });
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    return JSON.parse(text) as Problem;
  } catch {
    return { status: response.status, title: text || response.statusText };
  }
}

export function createRestClient(options: RestClientOptions): RestClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return {
    baseUrl,
    async call<N extends FunctionName>(name: N, ...args: CallArgs<N>): Promise<ResultOf<N>> {
      const route = routes[name];
      const request = (args[0] ?? {}) as RequestOf<N> & { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
      const url = `${baseUrl}${fillPath(route.path, request.params)}${queryString(request.query)}`;
      const headers: Record<string, string> = { accept: 'application/json' };
      const token = await resolveToken(options.token);
      if (token) headers.authorization = `Bearer ${token}`;
      if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
      if (request.onBehalfOf) headers['x-on-behalf-of'] = request.onBehalfOf;
      const hasBody = route.method !== 'GET' && request.body !== undefined;
      if (hasBody) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await doFetch(url, {
          method: route.method,
          headers,
          ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        });
      } catch (error) {
        if (request.signal?.aborted) throw error;
        throw new NetworkError(`${route.method} ${route.path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      if (!response.ok) {
        const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
        throw new ApiError(response.status, await problemOf(response), Number.isFinite(retryAfter) ? retryAfter : undefined);
      }
      if (response.status === 204) return undefined as ResultOf<N>;
      const text = await response.text();
      return (text ? JSON.parse(text) : undefined) as ResultOf<N>;
    },
  };
}
