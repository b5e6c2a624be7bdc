/**
 * Request and response types of every endpoint, inferred from the function declarations
 * (sdk/src/generated/routes.ts imports them type-only), never written a second time.
 */
import type { z } from 'zod';
import type { FunctionDefinition } from '../../../runtime/define-function.ts';
import type { Functions } from '../generated/routes.ts';

export type FunctionName = keyof Functions;

type Parts<N extends FunctionName> = Functions[N] extends FunctionDefinition<infer P, infer Q, infer B, infer R> ? { P: P; Q: Q; B: B; R: R } : never;
type InputOf<S> = S extends z.ZodType ? z.input<S> : undefined;
type OutputOf<S> = S extends z.ZodType ? z.output<S> : undefined;

export type ParamsOf<N extends FunctionName> = InputOf<Parts<N>['P']>;
export type QueryOf<N extends FunctionName> = InputOf<Parts<N>['Q']>;
export type BodyOf<N extends FunctionName> = InputOf<Parts<N>['B']>;
/** What the call resolves to (undefined for 204 answers). */
export type ResultOf<N extends FunctionName> = OutputOf<Parts<N>['R']>;

/** A field is required when its schema has required keys, optional when everything has a default. */
type Field<K extends string, T> = [T] extends [undefined] ? {} : {} extends T ? { [P in K]?: T } : { [P in K]: T };

export interface CallOptions {
  /** Sent as `Idempotency-Key`: a retried write is answered with the first response. */
  idempotencyKey?: string;
  /** With a server key: act with that user's rights (`X-On-Behalf-Of`). */
  onBehalfOf?: string;
  signal?: AbortSignal;
}

export type RequestOf<N extends FunctionName> = Field<'params', ParamsOf<N>> & Field<'query', QueryOf<N>> & Field<'body', BodyOf<N>> & CallOptions;

/** `call(name)` when nothing is required, `call(name, input)` otherwise. */
export type CallArgs<N extends FunctionName> = {} extends RequestOf<N> ? [request?: RequestOf<N>] : [request: RequestOf<N>];
