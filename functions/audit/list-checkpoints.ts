import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppScopeQuery, auditedApp, SeqCursor, seqCursor } from './audit-scope.ts';
import { checkpoints } from './checkpoints.ts';

const CheckpointView = z.object({ seq: z.number(), hash: z.string(), at: z.number(), kid: z.string(), jws: z.string() });

export default defineFunction({
  name: 'audit.checkpoints',
  method: 'GET',
  path: '/v1/audit/checkpoints',
  auth: 'admin-or-server',
  summary: "An app's signed audit checkpoints (Ed25519 compact JWS; keys at /.well-known/caas-audit-keys.json)",
  query: AppScopeQuery.extend({ cursor: SeqCursor.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }).strict(),
  response: z.object({ checkpoints: z.array(CheckpointView), nextCursor: z.string().nullable() }),
  handler: async ({ query }, ctx) => {
    const appId = auditedApp(ctx.caller, query.appId);
    const page = await checkpoints(ctx.ports.store).find({ appId, seq: { $gt: query.cursor ?? 0 } }, { sort: { seq: 1 }, limit: query.limit + 1 });
    const items = page.slice(0, query.limit).map(({ seq, hash, at, kid, jws }) => ({ seq, hash, at, kid, jws }));
    const last = items.at(-1);
    return { checkpoints: items, nextCursor: page.length > query.limit && last ? seqCursor(last.seq) : null };
  },
});
