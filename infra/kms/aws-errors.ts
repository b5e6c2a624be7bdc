import { AppError } from '../../runtime/errors.ts';

/**
 * How AWS KMS failures are told apart at the adapter boundary: only what another attempt may fix
 * is transient (retried by the engine policy); a refusal becomes one AppError and is never retried.
 */
interface KmsErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

const shape = (error: unknown): KmsErrorShape => (typeof error === 'object' && error !== null ? (error as KmsErrorShape) : {});

export const kmsErrorName = (error: unknown): string | undefined => shape(error).name;

export function isTransientKmsError(error: unknown): boolean {
  const status = shape(error).$metadata?.httpStatusCode;
  if (status === undefined) return true;
  return status >= 500 || status === 429 || shape(error).name === 'ThrottlingException';
}

export function kmsRefusal(adapter: string, operation: string, error: unknown): AppError {
  const name = shape(error).name ?? 'Error';
  const message = `[${adapter}] ${operation}: ${name}: ${error instanceof Error ? error.message : String(error)}`;
  switch (name) {
    case 'NotFoundException':
      return new AppError('NOT_FOUND', message, { cause: error });
    case 'InvalidCiphertextException':
    case 'IncorrectKeyException':
      return new AppError('DECRYPTION_FAILED', message, { cause: error });
    case 'ValidationException':
      return new AppError('BAD_REQUEST', message, { cause: error });
    default:
      return new AppError('ENGINE_UNAVAILABLE', message, { cause: error });
  }
}

/** An AppError made from KMS's own answer (a refusal), as opposed to one reporting an outage. */
export function isKmsRefusal(error: unknown): error is AppError {
  return error instanceof AppError && error.cause !== undefined && !isTransientKmsError(error.cause);
}
