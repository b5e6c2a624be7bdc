import { describe, expect, it } from 'vitest';
import { originAllowed, readOfferedProtocols } from '../../realtime/credentials.ts';
import { decodeFrame } from '../../realtime/client-frames.ts';
import { TokenBucket } from '../../realtime/token-bucket.ts';

describe('Sec-WebSocket-Protocol offers', () => {
  it('selects caas.v1 and takes the bearer token from the offer', () => {
    expect(readOfferedProtocols('caas.v1, bearer.eyJ.abc.def')).toEqual({ selected: 'caas.v1', token: 'eyJ.abc.def' });
    expect(readOfferedProtocols('caas.v1')).toEqual({ selected: 'caas.v1', token: null });
    expect(readOfferedProtocols(undefined)).toEqual({ selected: null, token: null });
  });

  it('refuses offers that do not include caas.v1', () => {
    expect(() => readOfferedProtocols('bearer.x, chat')).toThrow(/caas\.v1/);
  });
});

describe('Origin check', () => {
  it('an empty list allows any origin; otherwise the origin must be listed (case-insensitive)', () => {
    expect(originAllowed([], 'https://evil.example')).toBe(true);
    expect(originAllowed(['https://chat.example.com'], 'https://Chat.Example.com')).toBe(true);
    expect(originAllowed(['https://chat.example.com'], 'https://chat.example.com.evil.net')).toBe(false);
    expect(originAllowed(['https://chat.example.com'], 'http://chat.example.com')).toBe(false);
  });

  it('native clients without an Origin header are not browsers and pass', () => {
    expect(originAllowed(['https://chat.example.com'], undefined)).toBe(true);
  });
});

describe('client frames', () => {
  const text = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('accepts documented frames with or without v', () => {
    expect(decodeFrame(text({ v: 1, type: 'resume', conversations: { c1: 4 } }), false)).toEqual({
      ok: true,
      frame: { v: 1, type: 'resume', conversations: { c1: 4 } },
    });
    expect(decodeFrame(text({ type: 'resume' }), false)).toMatchObject({ ok: true, frame: { conversations: {} } });
  });

  it('names what is wrong with a bad frame', () => {
    expect(decodeFrame(Buffer.from('{'), false)).toMatchObject({ ok: false, code: 'BAD_FRAME' });
    expect(decodeFrame(text({ type: 'resume', conversations: { c1: -1 } }), false)).toMatchObject({ ok: false, code: 'BAD_FRAME' });
    expect(decodeFrame(text({ type: 'ping' }), true)).toMatchObject({ ok: false, code: 'BAD_FRAME', message: 'frames are JSON text' });
    expect(decodeFrame(text({ v: 2, type: 'ping' }), false)).toMatchObject({ ok: false, code: 'UNSUPPORTED_VERSION' });
  });
});

describe('token bucket', () => {
  it('allows a burst, then refills at the rate', () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.retryAfterMs()).toBe(100);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(100)).toBe(false);
  });
});
