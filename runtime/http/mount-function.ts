import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import { authenticate } from '../auth/authenticate.ts';
import type { AuditTrail } from '../audit/audit-trail.ts';
import type { Caller } from '../context.ts';
import { isStreamReply, type AnyFunctionDefinition, type Reply } from '../define-function.ts';
import { AppError, toProblem } from '../errors.ts';
import type { HttpEnv } from './env.ts';
import { runIdempotent, type StoredResponse } from './idempotency.ts';
import { asAppError, validationError } from './problem.ts';
import { enforceRateLimits, peerAddress } from './rate-limit.ts';
import { readBodyText } from './read-body.ts';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function parseWith<S extends z.ZodType | undefined>(schema: S, value: unknown, where: 'params' | 'query' | 'body') {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error, where);
  return parsed.data;
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError('BAD_REQUEST', 'Request body is not valid JSON', { cause: error });
  }
}

function isReply(value: unknown): value is Reply<unknown> {
  return typeof value === 'object' && value !== null && (value as { reply?: unknown }).reply === true;
}

function defaultStatus(definition: AnyFunctionDefinition): number {
  if (definition.successStatus) return definition.successStatus;
  return definition.response ? 200 : 204;
}

function callerScope(caller: Caller): string {
  switch (caller.kind) {
    case 'server':
      return `server:${caller.appId}`;
    case 'user':
      return `user:${caller.appId}:${caller.userId}`;
    default:
      return caller.kind;
  }
}

/** Adds one function to a Hono app with the shared chain: auth, body, idempotency, validation, audit. */
export function mountFunction(app: Hono<HttpEnv>, definition: AnyFunctionDefinition, audit: AuditTrail): void {
  app.on(definition.method, definition.path, async (c) => {
    const services = c.get('services');
    let caller: Caller = { kind: 'public' };
    try {
      caller = await authenticate(
        services,
        { authorization: c.req.header('authorization'), onBehalfOf: c.req.header('x-on-behalf-of') },
        definition.auth,
      );
    } catch (error) {
      if (WRITE_METHODS.has(definition.method)) recordAudit(c, audit, definition, caller, asAppError(error).status);
      throw error;
    }
    c.set('caller', caller);
    // Every write is audited once with its outcome: refused (429, 413…), failed (5xx) or done;
    // a replayed idempotent response was audited the first time.
    const audited = WRITE_METHODS.has(definition.method);
    try {
      const rateLimitHeaders = await enforceRateLimits(services, caller, peerAddress(c));
      const bodyText = definition.body ? await readBodyText(c, definition.maxBodyBytes ?? services.config.CAAS_MAX_BODY_BYTES) : '';

      let streamed: Response | null = null;
      const execute = async (): Promise<StoredResponse> => {
        try {
          const params = parseWith(definition.params, c.req.param(), 'params');
          const query = parseWith(definition.query, c.req.query(), 'query');
          const body = parseWith(definition.body, parseJson(bodyText), 'body');
          const result = await definition.handler(
            { params, query, body },
            { ...services, log: c.get('log'), caller, requestId: c.get('requestId'), request: c.req.raw },
          );
          if (isStreamReply(result) && !WRITE_METHODS.has(definition.method)) {
            streamed = result.response;
            return { status: result.response.status, body: null, contentType: '' };
          }
          const { status, body: payload, headers } = isReply(result) ? result : { status: defaultStatus(definition), body: result, headers: undefined };
          return {
            status,
            body: payload === undefined || status === 204 ? null : JSON.stringify(payload),
            contentType: 'application/json',
            ...(headers ? { headers } : {}),
          };
        } catch (error) {
          const appError = asAppError(error);
          if (appError.status >= 500) throw error;
          return {
            status: appError.status,
            body: JSON.stringify(toProblem(appError, c.get('requestId'), c.req.path)),
            contentType: 'application/problem+json',
            ...(appError.headers ? { headers: appError.headers } : {}),
          };
        }
      };

      const idempotencyKey = c.req.header('idempotency-key');
      const outcome =
        idempotencyKey !== undefined && WRITE_METHODS.has(definition.method)
          ? await runIdempotent(
              services,
              { scope: callerScope(caller), key: idempotencyKey, method: definition.method, path: c.req.path, body: bodyText },
              execute,
            )
          : { ...(await execute()), replayed: false };

      if (audited && !outcome.replayed) recordAudit(c, audit, definition, caller, outcome.status);
      if (streamed !== null) return withHeaders(streamed, rateLimitHeaders);
      return toResponse({ ...outcome, headers: { ...rateLimitHeaders, ...outcome.headers } }, definition, outcome.replayed);
    } catch (error) {
      if (audited) recordAudit(c, audit, definition, caller, asAppError(error).status);
      throw error;
    }
  });
}

function toResponse(stored: StoredResponse, definition: AnyFunctionDefinition, replayed: boolean): Response {
  const headers: Record<string, string> = { ...stored.headers };
  if (stored.contentType && stored.body !== null) headers['content-type'] = stored.contentType;
  if (definition.noStore ?? definition.method === 'GET') headers['cache-control'] = 'no-store';
  if (replayed) headers['idempotent-replayed'] = 'true';
  return new Response(stored.body, { status: stored.status, headers });
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  response.headers.set('cache-control', 'no-store');
  return response;
}

function recordAudit(c: Context<HttpEnv>, audit: AuditTrail, definition: AnyFunctionDefinition, caller: Caller, status: number): void {
  audit.record({
    at: c.get('services').clock.now(),
    requestId: c.get('requestId'),
    appId: caller.kind === 'server' || caller.kind === 'user' ? caller.appId : (c.req.param('appId') ?? null),
    actor: {
      kind: caller.kind,
      id: caller.kind === 'user' ? caller.userId : caller.kind === 'server' ? caller.keyId : null,
    },
    action: definition.name,
    method: definition.method,
    path: c.req.path,
    target: c.req.param() as Record<string, string>,
    status,
    outcome: status < 400 ? 'success' : status === 401 || status === 403 ? 'denied' : 'failure',
  });
}
