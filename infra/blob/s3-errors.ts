import { AppError } from '../../runtime/errors.ts';

/**
 * How S3 failures are told apart at the adapter boundary. Only what another attempt may fix is
 * transient (the one engine policy retries it and counts it towards the breaker); a refusal is an
 * answer, translated once into an AppError and never retried.
 */
interface S3ErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

function shape(error: unknown): S3ErrorShape {
  return typeof error === 'object' && error !== null ? (error as S3ErrorShape) : {};
}

export function s3Status(error: unknown): number | undefined {
  return shape(error).$metadata?.httpStatusCode;
}

/** No answer at all (connection refused or reset, DNS, abort), throttling or a server fault. */
export function isTransientS3Error(error: unknown): boolean {
  const status = s3Status(error);
  if (status === undefined) return true;
  return status >= 500 || status === 429 || status === 408 || shape(error).name === 'SlowDown';
}

export function isMissingObject(error: unknown): boolean {
  const { name } = shape(error);
  return s3Status(error) === 404 || name === 'NoSuchKey' || name === 'NotFound';
}

/** A refusal S3 answered with (4xx): the request as sent can never succeed. */
export function s3Refusal(adapter: string, operation: string, error: unknown): AppError {
  const { name = 'Error' } = shape(error);
  const message = error instanceof Error ? error.message : String(error);
  const status = s3Status(error);
  if (status === 416 || name === 'InvalidRange') {
    return new AppError('BAD_REQUEST', `[${adapter}] ${operation}: the range starts past the end of the object`, { cause: error });
  }
  // 403 on our own signed call means credentials or bucket policy are wrong: the engine is unusable.
  if (status === 401 || status === 403) {
    return new AppError('ENGINE_UNAVAILABLE', `[${adapter}] ${operation} was refused (${name}): check S3 credentials and bucket policy`, { cause: error });
  }
  return new AppError('INTERNAL', `[${adapter}] ${operation} failed (${name}, HTTP ${status}): ${message}`, { cause: error });
}
