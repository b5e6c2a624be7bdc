import type { ApiCall } from './http-client.ts';
import type { ReceivedRequest } from './webhook-receiver.ts';

/** Settings that make retries, timeouts and dead letters happen in milliseconds instead of a day. */
export const FAST_WEBHOOKS: Record<string, string> = {
  CAAS_OUTBOUND_ALLOW_HOSTS: '127.0.0.2',
  CAAS_WEBHOOK_TIMEOUT_MS: '400',
  CAAS_WEBHOOK_RETRY_BASE_MS: '20',
  CAAS_WEBHOOK_RETRY_MAX_MS: '100',
  CAAS_WEBHOOK_RETRY_WINDOW_MS: '2500',
  CAAS_WEBHOOK_BREAKER_OPEN_MS: '200',
  CAAS_WEBHOOK_POLL_MS: '20',
};

export async function createWebhook(call: ApiCall, serverKey: string, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const response = await call('POST', '/v1/webhooks', { token: serverKey, body });
  if (response.status !== 201) throw new Error(`webhook creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export function signedParts(request: ReceivedRequest, secret: string) {
  return {
    secret,
    headers: {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    },
    body: request.body,
  };
}

export const eventOf = (request: ReceivedRequest) => JSON.parse(request.body) as { type: string; data: { seq: number; conversationId: string; payload: any } };

/** Polls an async read until its value satisfies the check; returns that value. */
/** The real engines (FerretDB, Kafka) on a shared machine are slower than the embedded ones. */
const DEFAULT_WAIT_MS = process.env.CAAS_E2E_ENGINES === '1' ? 50_000 : 15_000;

export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`eventually: ${what} not reached within ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
