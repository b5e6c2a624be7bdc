import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useLocalPlatform } from '../support/use-local-platform.ts';

/** Slow clients: trickled headers are cut off after CAAS_HEADERS_TIMEOUT_MS, not held for minutes. */
const local = useLocalPlatform({ CAAS_HEADERS_TIMEOUT_MS: '300', CAAS_REQUEST_TIMEOUT_MS: '600' });

/** Opens a raw connection, sends `head` and never finishes; resolves with what the server sent before closing. */
function trickle(head: string): Promise<string> {
  const { port } = new URL(local.platform.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(head));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('slow clients', () => {
  it('answers 408 and closes a connection whose headers never end', async () => {
    const answer = await trickle('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection whose body never ends', async () => {
    const answer = await trickle('POST /v1/apps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na');
    expect(answer === '' || /^HTTP\/1\.1 (408|4\d\d)/.test(answer)).toBe(true);
  });

  it('still serves ordinary requests', async () => {
    expect((await local.call('GET', '/healthz')).status).toBe(200);
  });
});
