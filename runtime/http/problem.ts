import { ZodError } from 'zod';
import { HTTPException } from 'hono/http-exception';
import { AppError, isAppError, toProblem } from '../errors.ts';

/** Turns anything thrown into an AppError; unknown errors become INTERNAL without leaking details. */
export function asAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (error instanceof ZodError) return validationError(error, 'body');
  if (error instanceof HTTPException) {
    if (error.status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large', { cause: error });
    if (error.status === 401) return new AppError('UNAUTHENTICATED', error.message || 'Unauthenticated', { cause: error });
    return new AppError('BAD_REQUEST', error.message || 'Bad request', { status: error.status, cause: error });
  }
  return new AppError('INTERNAL', 'Internal error', { cause: error });
}

export function validationError(error: ZodError, where: 'params' | 'query' | 'body'): AppError {
  const issues = error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  const detail = first ? `${first.path}: ${first.message}` : `Invalid ${where}`;
  return new AppError('VALIDATION_FAILED', detail, { issues, cause: error });
}

export function problemResponse(error: AppError, requestId?: string, instance?: string): Response {
  return new Response(JSON.stringify(toProblem(error, requestId, instance)), {
    status: error.status,
    headers: {
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      ...(requestId ? { 'x-request-id': requestId } : {}),
      ...error.headers,
    },
  });
}
