import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction, reply } from '../../runtime/define-function.ts';
import { DELIVERIES, replayDelivery, type DeliveryDoc } from './deliveries.ts';
import { DeliveryView, toDeliveryView } from './webhook-views.ts';
import { requireWebhook, WebhookId } from './webhooks.ts';

const DeliveryId = z.string().regex(/^dlv_[0-9a-z]{26}$/, 'must be a delivery id (dlv_…)');

export const listDeliveriesFunction = defineFunction({
  name: 'webhooks.deliveries.list',
  method: 'GET',
  path: '/v1/webhooks/:webhookId/deliveries',
  auth: 'server',
  summary: "An endpoint's delivery log, newest first, with every attempt; status=dead lists the dead letters",
  tags: ['webhooks'],
  params: z.object({ webhookId: WebhookId }),
  query: z.strictObject({
    status: z.enum(['pending', 'succeeded', 'dead']).optional(),
    before: z.coerce.number({ error: 'must be a delivery seq' }).int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
  response: z.object({ deliveries: z.array(DeliveryView), nextCursor: z.number().nullable() }),
  handler: async ({ params, query }, ctx) => {
    const webhook = await requireWebhook(ctx, callerAppId(ctx.caller), params.webhookId);
    const filter: Record<string, unknown> = { webhookId: webhook._id };
    if (query.status) filter.status = query.status;
    if (query.before) filter.seq = { $lt: query.before };
    const rows = await ctx.ports.store.collection<DeliveryDoc>(DELIVERIES).find(filter, { sort: { seq: -1 }, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return { deliveries: page.map(toDeliveryView), nextCursor: rows.length > query.limit ? (page.at(-1)?.seq ?? null) : null };
  },
});

export const replayDeliveryFunction = defineFunction({
  name: 'webhooks.deliveries.replay',
  method: 'POST',
  path: '/v1/webhooks/:webhookId/deliveries/:deliveryId/replay',
  auth: 'server',
  summary: 'Send a finished delivery (a dead letter, say) again, at the end of the queue, with the same webhook-id',
  tags: ['webhooks'],
  params: z.object({ webhookId: WebhookId, deliveryId: DeliveryId }),
  response: DeliveryView,
  handler: async ({ params }, ctx) => {
    const webhook = await requireWebhook(ctx, callerAppId(ctx.caller), params.webhookId);
    return reply(202, toDeliveryView(await replayDelivery(ctx, webhook.appId, webhook._id, params.deliveryId)));
  },
});

export default listDeliveriesFunction;
