import { z } from 'zod';
import { isAllowlistEntry } from '../infra/outbound/address-policy.ts';

/**
 * The one place that reads the environment. Parsed once at startup; every invalid variable is
 * reported at once. An engine URL present selects that engine's adapter; none selects the
 * embedded one.
 */
const optionalUrl = z.url().optional();
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  CAAS_PUBLIC_URL: optionalUrl,
  CAAS_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  CAAS_DATA_DIR: z.string().default('./.caas'),
  CAAS_NAMESPACE: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,30}$/, 'lowercase letters, digits, _ and -, at most 31').optional(),
  CAAS_MASTER_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  CAAS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CAAS_MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  CAAS_CORS_ORIGINS: z.string().default('*'),
  CAAS_RATE_LIMIT_APP: z.coerce.number().int().min(0).default(120_000),
  CAAS_RATE_LIMIT_KEY: z.coerce.number().int().min(0).default(60_000),
  CAAS_RATE_LIMIT_USER: z.coerce.number().int().min(0).default(1_200),
  CAAS_RATE_LIMIT_IP: z.coerce.number().int().min(0).default(6_000),
  CAAS_RATE_LIMIT_AUTH_FAILURES: z.coerce.number().int().min(0).default(30),
  CAAS_TRUSTED_PROXIES: z.string().default(''),
  CAAS_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  CAAS_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** SIGTERM/SIGINT: how long the drain may take (requests in flight, sockets, workers) before the process exits anyway. */
  CAAS_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(25_000),
  /** A worker-only process (bin/worker.ts) serves /metrics, /healthz and /readyz here; 0 picks a free port. */
  CAAS_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  CAAS_MAX_SOCKETS_PER_USER: z.coerce.number().int().min(1).default(20),
  CAAS_MAX_MESSAGE_LENGTH: z.coerce.number().int().min(1).max(100_000).default(4_000),
  CAAS_OUTBOUND_ALLOW_HOSTS: z
    .string()
    .refine((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean).every(isAllowlistEntry), 'comma-separated host names, addresses or CIDRs')
    .optional(),
  CAAS_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(10_000),
  CAAS_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(5_000),
  CAAS_WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(1).default(3_600_000),
  CAAS_WEBHOOK_RETRY_WINDOW_MS: z.coerce.number().int().min(1).default(86_400_000),
  CAAS_WEBHOOK_BREAKER_OPEN_MS: z.coerce.number().int().min(1).default(30_000),
  CAAS_WEBHOOK_POLL_MS: z.coerce.number().int().min(5).default(1_000),
  CAAS_SIGNING_SECRET_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(30 * 24 * 3600).default(3_600),
  CAAS_READ_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  MONGO_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL').optional(),
  MONGO_DB: z.string().default('caas'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  KAFKA_BROKERS: z.string().regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port[,host:port…]').optional(),
  KAFKA_PARTITIONS: z.coerce.number().int().positive().default(6),
  ELASTICSEARCH_URL: optionalUrl,
  S3_ENDPOINT: optionalUrl,
  S3_BUCKET: z.string().default('caas'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_REGION: z.string().default('us-east-1'),
  /** Ed25519 private key (PKCS#8 PEM) that signs audit checkpoints; absent: generated once in CAAS_DATA_DIR. */
  CAAS_AUDIT_SIGNING_KEY: z.string().includes('PRIVATE KEY', { message: 'must be a PKCS#8 PEM private key' }).optional(),
  CAAS_AUDIT_CHECKPOINT_RECORDS: z.coerce.number().int().positive().default(1_000),
  CAAS_AUDIT_CHECKPOINT_SECONDS: z.coerce.number().positive().default(60),
  CAAS_RETENTION_SWEEP_SECONDS: z.coerce.number().positive().default(3_600),
  KMS_ENDPOINT: optionalUrl,
  KMS_REGION: z.string().default('us-east-1'),
  KMS_ACCESS_KEY_ID: z.string().optional(),
  KMS_SECRET_ACCESS_KEY: z.string().optional(),
  CAAS_KMS_ALIAS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and -, at most 32').default('caas'),
  S3_PUBLIC_ENDPOINT: optionalUrl,
  /** SSE-S3 on every object CaaS writes or presigns an upload for (the engine must have a KEK: docs/encryption.md). */
  S3_SERVER_SIDE_ENCRYPTION: z.enum(['none', 'AES256']).default('none'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, emptyAsUndefined(v)]));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return parsed.data;
}

/** The public base URL, used for links the local runtime serves itself (signed blob URLs). */
export function publicUrl(config: Config): string {
  return (config.CAAS_PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '');
}
