import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KmsPort } from '../../infra/kms/port.ts';

/**
 * The KMS port's contract, run unchanged on every adapter (local master key, AWS KMS / local-kms)
 * through the public API only. Every test uses its own app id, so the suite can share a server.
 */
export function kmsContract(factory: () => Promise<KmsPort>): void {
  describe('kms port contract', () => {
    let kms: KmsPort;

    beforeAll(async () => {
      kms = await factory();
    });

    afterAll(async () => {
      await kms.close();
    });

    const newApp = () => `app_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const context = { dataKey: 'dk1', owner: 'app' };

    it('has no key for an unknown app, creates version 1 once, and ensureKey is idempotent under races', async () => {
      const app = newApp();
      expect(await kms.describeKey(app)).toBeNull();
      const infos = await Promise.all([kms.ensureKey(app), kms.ensureKey(app), kms.ensureKey(app)]);
      for (const info of infos) expect(info).toMatchObject({ appId: app, currentVersion: 1, versions: [{ version: 1 }] });
      expect(new Set(infos.map((info) => info.keyId)).size).toBe(1);
      expect(await kms.describeKey(app)).toEqual(infos[0]);
    });

    it('generates 32-byte data keys that unwrap to the same bytes, and differ each time', async () => {
      const app = newApp();
      await kms.ensureKey(app);
      const a = await kms.generateDataKey(app, context);
      const b = await kms.generateDataKey(app, context);
      expect(a.plaintext).toHaveLength(32);
      expect(a.wrapped.version).toBe(1);
      expect(Buffer.from(a.plaintext).equals(Buffer.from(b.plaintext))).toBe(false);
      expect(Buffer.from(await kms.unwrapKey(app, a.wrapped, context))).toEqual(Buffer.from(a.plaintext));
      // The wrapped form never holds the key in clear.
      expect(Buffer.from(a.wrapped.ciphertext).includes(Buffer.from(a.plaintext))).toBe(false);
    });

    it('binds the encryption context: another context, another app or altered bytes fail with DECRYPTION_FAILED', async () => {
      const app = newApp();
      const other = newApp();
      await kms.ensureKey(app);
      await kms.ensureKey(other);
      const { wrapped } = await kms.generateDataKey(app, context);
      await expect(kms.unwrapKey(app, wrapped, { ...context, dataKey: 'dk2' })).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
      await expect(kms.unwrapKey(app, wrapped, {})).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
      await expect(kms.unwrapKey(other, wrapped, context)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
      const altered = Uint8Array.from(wrapped.ciphertext);
      altered[altered.length - 1]! ^= 0x01;
      await expect(kms.unwrapKey(app, { ...wrapped, ciphertext: altered }, context)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    });

    it('rotates: new keys wrap under the new version, every older version still unwraps, history lists all', async () => {
      const app = newApp();
      await kms.ensureKey(app);
      const before = await kms.generateDataKey(app, context);
      const rotated = await kms.rotateKey(app);
      expect(rotated.currentVersion).toBe(2);
      expect(rotated.versions.map((v) => v.version)).toEqual([1, 2]);
      const after = await kms.generateDataKey(app, context);
      expect(after.wrapped.version).toBe(2);
      expect(Buffer.from(await kms.unwrapKey(app, before.wrapped, context))).toEqual(Buffer.from(before.plaintext));
      expect(Buffer.from(await kms.unwrapKey(app, after.wrapped, context))).toEqual(Buffer.from(after.plaintext));
      // Re-wrapping an old data key under the current version keeps its bytes.
      const rewrapped = await kms.wrapKey(app, before.plaintext, context);
      expect(rewrapped.version).toBe(2);
      expect(Buffer.from(await kms.unwrapKey(app, rewrapped, context))).toEqual(Buffer.from(before.plaintext));
      expect((await kms.rotateKey(app)).versions.map((v) => v.version)).toEqual([1, 2, 3]);
    });

    it('refuses a version the app never had (NOT_FOUND) and keys for an app without a KEK', async () => {
      const app = newApp();
      await kms.ensureKey(app);
      const { wrapped } = await kms.generateDataKey(app, context);
      await expect(kms.unwrapKey(app, { ...wrapped, version: 9 }, context)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(kms.generateDataKey(newApp(), context)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('refuses bad input with BAD_REQUEST before touching a key', async () => {
      const app = newApp();
      await kms.ensureKey(app);
      await expect(kms.ensureKey('bad app/id')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(kms.wrapKey(app, new Uint8Array(16), context)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      const tooMany = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']));
      await expect(kms.generateDataKey(app, tooMany)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(kms.unwrapKey(app, { version: 1, ciphertext: new Uint8Array(0) }, context)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(kms.unwrapKey(app, { version: 0, ciphertext: new Uint8Array(8) }, context)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });
  });
}
