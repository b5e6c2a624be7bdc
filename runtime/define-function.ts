import type { z } from 'zod';
import type { FunctionContext } from './context.ts';

/**
 * One way to declare an endpoint. The router, the per-function bundles and the OpenAPI document
 * are all derived from these declarations.
 *
 * @example
 *   export default defineFunction({
 *     name: 'users.get', method: 'GET', path: '/v1/users/:userId', auth: 'server',
 *     params: z.object({ userId: UserId }), response: UserView,
 *     handler: async ({ params }, ctx) => getUser(ctx, params.userId),
 *   });
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call: the platform admin, an app's server key, an app user's JWT, either of the two, anyone. */
export type AuthKind = 'admin' | 'server' | 'user' | 'server-or-user' | 'public';

type Schema = z.ZodType;
type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface FunctionInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/** A handler may return the body, or a Reply when it chooses the status or headers itself. */
export interface Reply<R> {
  readonly reply: true;
  status: number;
  body: R | undefined;
  headers?: Record<string, string>;
}

export function reply<R>(status: number, body?: R, headers?: Record<string, string>): Reply<R> {
  return { reply: true, status, body, ...(headers ? { headers } : {}) };
}

/**
 * A streamed answer (NDJSON, server-sent events): the handler builds the Response itself. Only for
 * reads: a stream is never stored for idempotent replay.
 */
export interface StreamReply {
  readonly stream: true;
  response: Response;
}

export function streamReply(response: Response): StreamReply {
  return { stream: true, response };
}

export function isStreamReply(value: unknown): value is StreamReply {
  return typeof value === 'object' && value !== null && (value as { stream?: unknown }).stream === true && (value as { response?: unknown }).response instanceof Response;
}

export interface FunctionDefinition<
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
  R extends Schema | undefined = Schema | undefined,
> {
  /** Stable dotted name: bundle directory, metrics label, OpenAPI operationId. */
  name: string;
  method: HttpMethod;
  /** Hono path syntax (`/v1/users/:userId`). */
  path: string;
  auth: AuthKind;
  summary: string;
  description?: string;
  tags?: string[];
  params?: P;
  query?: Q;
  body?: B;
  response?: R;
  /** Status on success; default 200 (201 for POST that creates, 204 when there is no response schema). */
  successStatus?: number;
  /** Overrides the platform body limit (bytes) for this endpoint. */
  maxBodyBytes?: number;
  /** Responses must never be stored by intermediaries (messages, history). Default true for GET. */
  noStore?: boolean;
  handler: (
    input: FunctionInput<Infer<P>, Infer<Q>, Infer<B>>,
    ctx: FunctionContext,
  ) => Promise<Infer<R> | Reply<Infer<R>> | StreamReply | void>;
}

export type AnyFunctionDefinition = FunctionDefinition<any, any, any, any>;

const DEFINITION = Symbol.for('caas.function');

export function defineFunction<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema | undefined = undefined,
>(definition: FunctionDefinition<P, Q, B, R>): FunctionDefinition<P, Q, B, R> {
  return Object.assign(definition, { [DEFINITION]: true });
}

export function isFunctionDefinition(value: unknown): value is AnyFunctionDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEFINITION] === true;
}
