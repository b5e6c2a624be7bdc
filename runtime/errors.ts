/**
 * One error type for the whole platform. Adapters translate driver errors into it at their
 * boundary; the router renders it once, as RFC 9457 problem+json.
 */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 422,
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  LIMIT_EXCEEDED: 400,
  RATE_LIMITED: 429,
  KEY_DESTROYED: 410,
  MESSAGE_REJECTED: 422,
  HOOK_FAILED: 503,
  ENGINE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  DECRYPTION_FAILED: 500,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldIssue {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  status?: number;
  cause?: unknown;
  issues?: FieldIssue[];
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: FieldIssue[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code];
    this.issues = options.issues;
    this.headers = options.headers;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Stable URI for a problem type; documented in docs/errors.md. */
export function problemType(code: ErrorCode): string {
  return `https://caas.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`;
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: FieldIssue[];
}

export function toProblem(error: AppError, requestId?: string, instance?: string): ProblemDocument {
  return {
    type: problemType(error.code),
    title: error.code.toLowerCase().replaceAll('_', ' '),
    status: error.status,
    code: error.code,
    detail: error.message,
    ...(instance ? { instance } : {}),
    ...(requestId ? { requestId } : {}),
    ...(error.issues ? { errors: error.issues } : {}),
  };
}
