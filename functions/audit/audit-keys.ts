import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { publishedKeys } from './signing-key.ts';

export default defineFunction({
  name: 'audit.keys',
  method: 'GET',
  path: '/.well-known/caas-audit-keys.json',
  auth: 'public',
  summary: 'The JWKS whose Ed25519 keys sign audit checkpoints',
  noStore: false,
  response: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }),
  handler: async (_input, ctx) => ({ keys: (await publishedKeys(ctx.ports.store)).map((jwk) => ({ ...jwk })) }),
});
