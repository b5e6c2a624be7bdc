import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent, eventVisibleTo, toEventView } from '../../functions/events/event-codec.ts';
import type { EventDoc } from '../../functions/events/events.ts';

const doc: EventDoc = {
  _id: 'c1:000000000007',
  appId: 'app_1',
  conversationId: 'c1',
  seq: 7,
  type: 'message.new',
  actorId: 'alice',
  at: 1_700_000_000_000,
  payload: { message: { authorId: 'alice', shadowed: true, text: 'hi' } },
  published: false,
};

describe('event codec', () => {
  it('encodes an event for the bus and decodes it back to the same public view plus its app', () => {
    const record = encodeEvent(doc);
    expect(record.key).toBe('c1');
    expect(record.headers).toEqual({ appId: 'app_1', type: 'message.new' });
    expect(decodeEvent(record.value)).toEqual({ appId: 'app_1', ...toEventView(doc) });
  });

  it('keeps outbox state out of the public view', () => {
    expect(toEventView(doc)).not.toHaveProperty('published');
    expect(toEventView(doc)).not.toHaveProperty('appId');
  });

  it('refuses a value that is not JSON or lacks a field, naming the problem', () => {
    expect(() => decodeEvent('{not json')).toThrow(/not JSON/);
    const { seq: _seq, ...partial } = JSON.parse(encodeEvent(doc).value) as Record<string, unknown>;
    expect(() => decodeEvent(JSON.stringify(partial))).toThrow(/unexpected shape/);
  });

  it('shows a shadowed message only to its author and to the app itself', () => {
    expect(eventVisibleTo(doc, 'alice')).toBe(true);
    expect(eventVisibleTo(doc, 'bob')).toBe(false);
    expect(eventVisibleTo(doc, null)).toBe(true);
    expect(eventVisibleTo({ payload: { userId: 'bob' } }, 'bob')).toBe(true);
  });
});
