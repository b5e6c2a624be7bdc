import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { DELIVERIES } from './deliveries.ts';
import { WebhookUrl } from './webhook-endpoints.ts';
import { WebhookView, toWebhookView } from './webhook-views.ts';
import { EventTypeFilter, requireWebhook, updateWebhook, WebhookId, WEBHOOKS } from './webhooks.ts';

export const updateWebhookFunction = defineFunction({
  name: 'webhooks.update',
  method: 'PATCH',
  path: '/v1/webhooks/:webhookId',
  auth: 'server',
  summary: 'Change a webhook endpoint, or rotate its secret (the new one is in the answer, shown once)',
  description:
    'rotateSecret: true issues a new secret; the previous one keeps signing beside it for secretOverlapSeconds (default 86400), ' +
    'so receivers can switch without missing a delivery.',
  tags: ['webhooks'],
  params: z.object({ webhookId: WebhookId }),
  body: z.strictObject({
    url: WebhookUrl.optional(),
    eventTypes: EventTypeFilter.optional(),
    description: z.string().max(500).optional(),
    enabled: z.boolean().optional(),
    rotateSecret: z.boolean().optional(),
    secretOverlapSeconds: z.number().int().min(0).max(7 * 86_400).optional(),
  }),
  response: WebhookView.extend({ secret: z.string().optional() }),
  handler: async ({ params, body }, ctx) => {
    const { webhook, secret } = await updateWebhook(ctx, callerAppId(ctx.caller), params.webhookId, body);
    return { ...toWebhookView(webhook, ctx.clock.now()), ...(secret ? { secret } : {}) };
  },
});

export const deleteWebhookFunction = defineFunction({
  name: 'webhooks.delete',
  method: 'DELETE',
  path: '/v1/webhooks/:webhookId',
  auth: 'server',
  summary: 'Remove a webhook endpoint and its delivery log',
  tags: ['webhooks'],
  params: z.object({ webhookId: WebhookId }),
  handler: async ({ params }, ctx) => {
    const webhook = await requireWebhook(ctx, callerAppId(ctx.caller), params.webhookId);
    await ctx.ports.store.collection(WEBHOOKS).deleteOne({ _id: webhook._id });
    await ctx.ports.store.collection(DELIVERIES).deleteMany({ webhookId: webhook._id });
  },
});

export default updateWebhookFunction;
