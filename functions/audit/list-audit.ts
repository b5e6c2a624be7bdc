import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { links } from './audit-chain.ts';
import { AppScopeQuery, auditedApp, SeqCursor, seqCursor } from './audit-scope.ts';
import { Pseudonymizer } from './pseudonyms.ts';

const AuditEntryView = z.object({
  seq: z.number(),
  hash: z.string(),
  prevHash: z.string(),
  record: z.record(z.string(), z.unknown()),
});

export default defineFunction({
  name: 'audit.list',
  method: 'GET',
  path: '/v1/audit',
  auth: 'admin-or-server',
  summary: "Read an app's audit log, oldest first (user ids appear as pseudonyms)",
  description: '`actor` and `resource` accept a user id: it is matched through its pseudonym.',
  query: AppScopeQuery.extend({
    actor: z.string().min(1).max(128).optional(),
    action: z.string().min(1).max(128).optional(),
    resource: z.string().min(1).max(256).optional(),
    since: z.coerce.number().int().min(0).optional(),
    until: z.coerce.number().int().min(0).optional(),
    cursor: SeqCursor.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  }).strict(),
  response: z.object({ entries: z.array(AuditEntryView), nextCursor: z.string().nullable() }),
  handler: async ({ query }, ctx) => {
    const appId = auditedApp(ctx.caller, query.appId);
    const pseudonyms = new Pseudonymizer(ctx.ports.store);
    const filter: Record<string, unknown> = { appId, seq: { $gt: query.cursor ?? 0 } };
    if (query.actor) filter['record.actor.id'] = { $in: [query.actor, await pseudonyms.pseudonym(appId, query.actor)] };
    if (query.resource) filter.resources = { $in: [query.resource, await pseudonyms.pseudonym(appId, query.resource)] };
    if (query.action) filter['record.action'] = query.action;
    if (query.since !== undefined || query.until !== undefined) {
      filter.at = { ...(query.since !== undefined ? { $gte: query.since } : {}), ...(query.until !== undefined ? { $lte: query.until } : {}) };
    }
    const page = await links(ctx.ports.store).find(filter, { sort: { seq: 1 }, limit: query.limit + 1 });
    const entries = page.slice(0, query.limit).map((link) => ({ seq: link.seq, hash: link.hash, prevHash: link.prevHash, record: { ...link.record } }));
    const last = entries.at(-1);
    return { entries, nextCursor: page.length > query.limit && last ? seqCursor(last.seq) : null };
  },
});
