import { describe, expect, it } from 'vitest';
import { functions } from '../../routes.ts';
import { openApiDocument } from '../../runtime/http/openapi.ts';

/** /openapi.json describes the chat features of issue 18: scheduling, TTLs, restore, occupancy. */
const document = openApiDocument(functions) as { paths: Record<string, Record<string, any>> };
const json = (path: string, method: string) => JSON.stringify(document.paths[path]?.[method] ?? null);

describe('/openapi.json', () => {
  it('documents the new endpoints', () => {
    expect(document.paths['/v1/conversations/{conversationId}/scheduled']?.get).toBeDefined();
    expect(document.paths['/v1/scheduled/{scheduledId}']?.patch).toBeDefined();
    expect(document.paths['/v1/scheduled/{scheduledId}']?.delete).toBeDefined();
    expect(document.paths['/v1/messages/{messageId}/restore']?.post).toBeDefined();
    expect(document.paths['/v1/conversations/{conversationId}/occupancy']?.get).toBeDefined();
  });

  it('documents the new fields', () => {
    const sendMessage = json('/v1/conversations/{conversationId}/messages', 'post');
    for (const field of ['sendAt', 'ttlSeconds', 'expiresAt']) expect(sendMessage).toContain(`"${field}"`);
    expect(json('/v1/conversations', 'post')).toContain('"messageTtlSeconds"');
    expect(json('/v1/conversations/{conversationId}', 'patch')).toContain('"messageTtlSeconds"');
    expect(json('/v1/messages/{messageId}/restore', 'post')).toContain('"version"');
    expect(json('/v1/conversations/{conversationId}/occupancy', 'get')).toContain('"online"');
    expect(json('/v1/apps/{appId}/signing-secret', 'post')).toContain('"previousSecretValidUntil"');
  });
});
