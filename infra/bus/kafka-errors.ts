/**
 * Kafka replies that retrying cannot fix become AppErrors here, inside the guarded call, so the
 * resilience policy passes them straight through (no retry, no breaker count). Everything else
 * (connection lost, leader moving, coordinator loading...) is left to the policy, which reports
 * it as ENGINE_UNAVAILABLE.
 */
import { AppError, type ErrorCode } from '../../runtime/errors.ts';

const DETERMINISTIC: Record<string, ErrorCode> = {
  MESSAGE_TOO_LARGE: 'LIMIT_EXCEEDED',
  RECORD_LIST_TOO_LARGE: 'LIMIT_EXCEEDED',
  INVALID_TOPIC_EXCEPTION: 'BAD_REQUEST',
  INVALID_PARTITIONS: 'BAD_REQUEST',
  INVALID_REPLICATION_FACTOR: 'BAD_REQUEST',
  INVALID_CONFIG: 'BAD_REQUEST',
  POLICY_VIOLATION: 'BAD_REQUEST',
  INVALID_GROUP_ID: 'BAD_REQUEST',
  // The platform's credentials or ACLs are wrong: an operator problem, and no retry will fix it.
  TOPIC_AUTHORIZATION_FAILED: 'ENGINE_UNAVAILABLE',
  GROUP_AUTHORIZATION_FAILED: 'ENGINE_UNAVAILABLE',
  CLUSTER_AUTHORIZATION_FAILED: 'ENGINE_UNAVAILABLE',
};

export function translateKafkaError(adapter: string, operation: string, error: unknown): unknown {
  const type = protocolErrorType(error);
  const code = type ? DETERMINISTIC[type] : undefined;
  if (!code) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new AppError(code, `[${adapter}] ${operation} refused by Kafka (${type}): ${reason}`, { cause: error });
}

/** kafkajs wraps protocol errors (retries exceeded, one error per topic): find the broker's verdict. */
function protocolErrorType(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  const { type, cause, errors } = error as { type?: unknown; cause?: unknown; errors?: unknown };
  if (typeof type === 'string') return type;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = protocolErrorType(inner, depth + 1);
      if (found) return found;
    }
  }
  return protocolErrorType(cause, depth + 1);
}
