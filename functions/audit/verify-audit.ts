import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppScopeQuery, auditedApp } from './audit-scope.ts';
import { verifyChain } from './chain-verify.ts';
import { publishedKeys } from './signing-key.ts';

export default defineFunction({
  name: 'audit.verify',
  method: 'GET',
  path: '/v1/audit/verify',
  auth: 'admin-or-server',
  summary: "Verify an app's audit chain (and its signed checkpoints) over a range of records",
  description: '`from` and `to` are record sequence numbers (default: the whole chain). `firstBad` names the first record that is not what was appended.',
  query: AppScopeQuery.extend({
    from: z.coerce.number().int().min(1).optional(),
    to: z.coerce.number().int().min(1).optional(),
  })
    .strict()
    .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not exceed to', path: ['from'] }),
  response: z.object({ ok: z.boolean(), checked: z.number(), firstBad: z.number().optional(), reason: z.string().optional() }),
  handler: async ({ query }, ctx) => {
    const appId = auditedApp(ctx.caller, query.appId);
    return verifyChain(ctx.ports.store, appId, { from: query.from, to: query.to, keys: await publishedKeys(ctx.ports.store) });
  },
});
