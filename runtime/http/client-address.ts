import type { Context } from 'hono';

/**
 * The address a request comes from: the socket peer, or, when the peer is one of the configured
 * trusted proxies (`CAAS_TRUSTED_PROXIES`, none by default), the nearest untrusted address in
 * `X-Forwarded-For`. Without trusted proxies the header is ignored, so it cannot dodge a limit.
 * Null where the runtime knows no peer (Lambda, in-process `app.request`).
 */
export function parseTrustedProxies(setting: string): Set<string> {
  return new Set(setting.split(',').map((entry) => normalize(entry.trim())).filter((entry) => entry.length > 0));
}

function normalize(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

function peerAddress(c: Context): string | null {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  const address = incoming?.socket?.remoteAddress;
  return address ? normalize(address) : null;
}

export function clientAddress(c: Context, trusted: ReadonlySet<string>): string | null {
  const peer = peerAddress(c);
  if (peer === null || !trusted.has(peer)) return peer;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((hop) => normalize(hop.trim()))
    .filter((hop) => hop.length > 0 && hop.length <= 64);
  for (let index = forwarded.length - 1; index >= 0; index -= 1) {
    if (!trusted.has(forwarded[index]!)) return forwarded[index]!;
  }
  return forwarded[0] ?? peer;
}
