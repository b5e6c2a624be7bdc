import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_TOPIC } from '../../runtime/audit/audit-trail.ts';
import { createChatWorld, createGroup, send, type ChatWorld } from '../support/chat-fixtures.ts';
import type { ApiCall } from '../support/http-client.ts';
import type { LocalPlatform } from '../support/local-platform.ts';
import { useLocalPlatform } from '../support/use-local-platform.ts';
import { eventually, FAST_WEBHOOKS } from '../support/webhook-fixtures.ts';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

let platform: LocalPlatform;
let receiver: WebhookReceiver;
let call: ApiCall;
let world: ChatWorld;
const audited: any[] = [];
let stopAudit: () => Promise<void>;

const local = useLocalPlatform(FAST_WEBHOOKS);
beforeAll(async () => {
  receiver = await startReceiver();
  ({ platform, call } = local);
  world = await createChatWorld(call, platform.adminToken, ['alice', 'bob']);
  // The scanner fetches the bytes through the URL it is given and looks for the EICAR test signature.
  receiver.on('/scan', async (request) => {
    const { download, media } = JSON.parse(request.body);
    if (media.fileName.startsWith('slow')) return { body: { verdict: 'clean' }, delayMs: 1_000 };
    const bytes = await (await fetch(download.url, { headers: download.headers })).text();
    return { body: bytes.includes('EICAR-STANDARD-ANTIVIRUS-TEST-FILE') ? { verdict: 'infected', reason: 'EICAR test signature' } : { verdict: 'clean' } };
  });
  const subscription = await platform.services.ports.bus.subscribe({
    group: 'scan-test-audit',
    topics: [AUDIT_TOPIC],
    handler: async (message) => void audited.push(JSON.parse(message.value)),
  });
  stopAudit = () => subscription.stop();
});

afterAll(async () => {
  await stopAudit?.();
  await receiver?.close();
});

const setScanner = (body: Record<string, unknown>) => call('PUT', '/v1/hooks/media-scan', { token: world.app.serverKey, body: { url: receiver.url('/scan'), ...body } });

async function uploadPdf(fileName: string, content: string) {
  const bytes = Buffer.from(`%PDF-1.7\n${content}\n%%EOF\n`, 'latin1');
  const declared = await call('POST', '/v1/media/uploads', {
    token: world.tokens.alice!,
    body: { fileName, contentType: 'application/pdf', size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('base64') },
  });
  expect(declared.status).toBe(201);
  const { upload } = declared.body;
  expect((await fetch(upload.url, { method: upload.method, headers: upload.headers, body: bytes })).status).toBe(200);
  return { id: declared.body.id as string, complete: () => call('POST', `/v1/media/${declared.body.id}/complete`, { token: world.tokens.alice! }) };
}

describe('media scan hook', () => {
  it('a clean file becomes ready and downloadable', async () => {
    expect((await setScanner({})).status).toBe(201);
    const file = await uploadPdf('report.pdf', 'quarterly numbers');
    const completed = await file.complete();
    expect(completed.status).toBe(200);
    expect(completed.body.status).toBe('ready');
    expect(receiver.received('/scan').map((r) => JSON.parse(r.body).media.id)).toContain(file.id);
    expect((await call('GET', `/v1/media/${file.id}`, { token: world.tokens.alice! })).status).toBe(200);
  });

  it('a file the scanner calls infected is quarantined, audited, and never downloadable or attachable', async () => {
    const file = await uploadPdf('invoice.pdf', EICAR);
    const completed = await file.complete();
    expect(completed.status).toBe(422);
    expect(completed.body.detail).toMatch(/quarantined.*EICAR test signature/);
    const again = await file.complete();
    expect(again.status).toBe(422);
    expect(again.body.detail).toMatch(/quarantined/);
    for (const token of [world.tokens.alice!, world.app.serverKey]) {
      const got = await call('GET', `/v1/media/${file.id}`, { token });
      expect(got.status).toBe(409);
      expect(got.body.detail).toMatch(/is quarantined/);
      expect(got.body.download).toBeUndefined();
    }
    expect((await call('GET', `/v1/media/${file.id}`, { token: world.tokens.bob! })).status).toBe(404);
    const conversationId = await createGroup(call, world.tokens.alice!, ['bob']);
    const attached = await send(call, world.tokens.alice!, conversationId, { text: 'see attached', attachments: [file.id] });
    expect(attached.status).toBe(422);
    const objects = await platform.services.ports.blob.head(`${world.app.appId}/media/${file.id}`);
    expect(objects).toBeNull();
    const record = await eventually(async () => audited.find((entry) => entry.action === 'media.quarantined' && entry.target.mediaId === file.id), Boolean, 'audit record');
    expect(record).toMatchObject({ appId: world.app.appId, actor: { kind: 'system', id: 'media-scan' }, outcome: 'failure' });
  });

  it('a scanner over its budget leaves the upload pending when it fails closed, and lets it through when it fails open', async () => {
    await setScanner({ timeoutMs: 100, failureMode: 'closed' });
    const file = await uploadPdf('slow.pdf', 'takes a while');
    const refused = await file.complete();
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('HOOK_FAILED');
    expect((await call('GET', `/v1/media/${file.id}`, { token: world.tokens.alice! })).body.detail).toMatch(/is pending/);
    await setScanner({ timeoutMs: 100, failureMode: 'open' });
    const passed = await file.complete();
    expect(passed.status).toBe(200);
    expect(passed.body.status).toBe('ready');
  });
});
