import { describe, expect, it } from 'vitest';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/** Browsers call the API from the app's origins: preflights answer, responses carry the CORS headers. */
describe('CORS', () => {
  const local = useLocalPlatform({ CAAS_CORS_ORIGINS: 'https://app.example,https://admin.example' });

  it('answers a preflight from an allowed origin with the methods, headers and max age', async () => {
    const response = await fetch(`${local.platform.url}/v1/me`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(response.headers.get('access-control-allow-headers')).toContain('Idempotency-Key');
    expect(response.headers.get('access-control-max-age')).toBe('600');
  });

  it('marks answers (errors too) for an allowed origin and exposes the request id and rate-limit headers', async () => {
    const response = await fetch(`${local.platform.url}/v1/me`, { headers: { origin: 'https://admin.example' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://admin.example');
    expect(response.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    expect(response.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining');
    expect(response.headers.get('vary')).toContain('Origin');
    expect(response.headers.get('x-request-id')).toMatch(/.+/);
  });

  it('does not allow an origin that is not configured', async () => {
    const response = await fetch(`${local.platform.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('vary')).toContain('Origin');
  });
});
