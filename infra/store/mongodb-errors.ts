import { MongoError, MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { AppError } from '../../runtime/errors.ts';
import { isUpdateConflict } from './mongodb-revisions.ts';

/**
 * MongoDB failures at the adapter boundary.
 *
 * Transient (retried by the one engine policy, counted by its breaker): no server could be
 * selected (the request was never sent), a network error on a read, or a server error MongoDB
 * labels retryable (e.g. "not primary" during an election: nothing was applied). A network error
 * on a write is different: the write may or may not have landed, and sending it again could apply
 * an `$inc` twice, so it is wrapped in WriteOutcomeUnknown and reported instead of retried (on a
 * replica set the driver's retryable writes have already resent it safely, exactly once).
 *
 * Everything else is an answer, translated once into an AppError. A duplicate-key message names the
 * index only: MongoDB's text quotes the key, which may be an email address.
 */
export class WriteOutcomeUnknown extends Error {
  constructor(readonly operation: string, cause: unknown) {
    super(`${operation}: the connection failed before MongoDB answered; the write may or may not have been applied`, { cause });
    this.name = 'WriteOutcomeUnknown';
  }
}

export function isTransientMongoError(error: unknown): boolean {
  if (error instanceof WriteOutcomeUnknown) return false;
  if (error instanceof MongoServerSelectionError || error instanceof MongoNetworkError) return true;
  return error instanceof MongoError && (error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('TransientTransactionError'));
}

/** The request may have reached the server (unlike a server selection failure, which never sends). */
export function isConnectionLost(error: unknown): boolean {
  return error instanceof MongoNetworkError;
}

export function isDuplicateKey(error: unknown): boolean {
  if (!(error instanceof MongoServerError)) return false;
  if (error.code === 11000 || error.code === 11001) return true;
  // FerretDB v1 reports a unique violation on update or index build as an InternalError carrying
  // its backend's words: SQLite's constraint message or PostgreSQL's SQLSTATE 23505.
  return error.code === 1 && /UNIQUE constraint failed|SQLSTATE 23505/.test(error.message);
}

/** Codes MongoDB answers when the request itself is wrong: bad paths, types, immutable _id, parse errors. */
const REFUSED_REQUEST = new Set([
  2, // BadValue
  9, // FailedToParse
  14, // TypeMismatch
  28, // PathNotViable
  40, // ConflictingUpdateOperators
  52, // DollarPrefixedFieldName
  56, // EmptyFieldName
  57, // DottedFieldName
  66, // ImmutableField
  67, // CannotCreateIndex
  72, // InvalidOptions
  197, // InvalidIndexSpecificationOption
]);
/** The resulting document would exceed MongoDB's 16 MiB limit. */
const TOO_LARGE = new Set([10334, 17419, 17420, 16493]);
/** An index with this name or these keys exists with other options. */
const INDEX_CLASH = new Set([85, 86]);

function duplicateIndex(error: MongoServerError): string {
  const named = /index:? '?([\w.-]+)/.exec(error.message)?.[1];
  if (named) return named;
  const pattern = error.keyPattern as Record<string, unknown> | undefined;
  return pattern ? Object.keys(pattern).join(', ') : 'a unique index';
}

function isDocumentTooLarge(error: unknown): boolean {
  if (error instanceof MongoServerError && TOO_LARGE.has(Number(error.code))) return true;
  // The driver refuses to serialise an oversized document before sending it.
  return error instanceof Error && /larger than the maximum|too large|exceeds .*maximum/i.test(error.message);
}

export function translateMongoError(adapter: string, operation: string, collection: string, error: unknown): AppError {
  if (isDuplicateKey(error)) {
    return new AppError('CONFLICT', `[${adapter}] ${operation} on ${collection}: duplicate key for ${duplicateIndex(error as MongoServerError)}`, { cause: error });
  }
  if (isDocumentTooLarge(error)) {
    return new AppError('LIMIT_EXCEEDED', `[${adapter}] ${operation} on ${collection}: the document would exceed MongoDB's 16 MiB limit`, { cause: error });
  }
  if (error instanceof WriteOutcomeUnknown) return new AppError('ENGINE_UNAVAILABLE', `[${adapter}] ${error.message}`, { cause: error });
  if (isUpdateConflict(error)) {
    // Refused by FerretDB's update guard on every attempt: too many writers of one document at once, nothing written.
    return new AppError('ENGINE_UNAVAILABLE', `[${adapter}] ${operation} on ${collection}: the document kept changing under concurrent updates; nothing was written`, { cause: error });
  }
  if (error instanceof MongoServerError) {
    const label = `${error.codeName ?? 'code'} ${error.code}`;
    if (INDEX_CLASH.has(Number(error.code))) return new AppError('CONFLICT', `[${adapter}] ${operation} on ${collection}: an index clashes with an existing one (${label})`, { cause: error });
    if (REFUSED_REQUEST.has(Number(error.code))) return new AppError('BAD_REQUEST', `[${adapter}] ${operation} on ${collection} refused: ${error.message}`, { cause: error });
    if (error.code === 13 || error.code === 18) return new AppError('ENGINE_UNAVAILABLE', `[${adapter}] ${operation} was refused (${label}): check MONGO_URL credentials`, { cause: error });
    return new AppError('INTERNAL', `[${adapter}] ${operation} on ${collection} failed (${label})`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('INTERNAL', `[${adapter}] ${operation} on ${collection} failed: ${message}`, { cause: error });
}
