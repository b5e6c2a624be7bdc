import { expect } from 'vitest';
import { createGroup, send, type ChatWorld } from './chat-fixtures.ts';
import type { ApiCall } from './http-client.ts';
import { eventually } from './webhook-fixtures.ts';

/**
 * Writes marker strings into every sealed place a byte scan of the raw store must not find in
 * clear: a profile name, a message's text, custom data and edit, a webhook endpoint's signing
 * secret, that endpoint's queued delivery body (the message event), and a scheduled message's
 * text and custom data. The platform must allow webhooks to 127.0.0.2 (nothing listens there: the
 * delivery stays queued, then dead). Returns the markers; reads them back through the API first.
 */
export const SEALED_MARKERS_ENV = { CAAS_OUTBOUND_ALLOW_HOSTS: '127.0.0.2' };

export async function writeSealedMarkers(call: ApiCall, world: ChatWorld, author: string, reader: string, tag: string): Promise<string[]> {
  const m = (what: string) => `${what}-MARKER-${tag}`;
  const token = world.tokens[author]!;
  const hook = await call('POST', '/v1/webhooks', { token: world.app.serverKey, body: { url: 'http://127.0.0.2:9/hook', eventTypes: ['message.new'] } });
  expect(hook.status).toBe(201);
  const secret = hook.body.secret as string;
  const id = await createGroup(call, token, [reader]);
  await call('PATCH', `/v1/users/${author}`, { token: world.app.serverKey, body: { name: m('Profile') } });
  const sent = await send(call, token, id, { text: `${m('Text')} hello`, custom: { note: m('Custom') } });
  expect(sent.status).toBe(201);
  await call('PATCH', `/v1/messages/${sent.body.id}`, { token, body: { text: m('Edited') } });
  const sendAt = new Date(Date.now() + 3_600_000).toISOString();
  const scheduled = await send(call, token, id, { text: m('Scheduled'), custom: { plan: m('ScheduledCustom') }, sendAt });
  expect(scheduled.status).toBe(202);

  const read = await call('GET', `/v1/messages/${sent.body.id}`, { token: world.tokens[reader]! });
  expect(read.body).toMatchObject({ text: m('Edited'), custom: { note: m('Custom') } });
  const listed = await call('GET', `/v1/conversations/${id}/scheduled`, { token });
  expect(JSON.stringify(listed.body)).toContain(m('ScheduledCustom'));
  await eventually(
    () => call('GET', `/v1/webhooks/${hook.body.id}/deliveries`, { token: world.app.serverKey }),
    (r) => r.body.deliveries?.some((d: { eventType: string }) => d.eventType === 'message.new'),
    'a delivery of the message event',
  );
  return [m('Profile'), m('Text'), m('Custom'), m('Edited'), m('Scheduled'), m('ScheduledCustom'), secret];
}
