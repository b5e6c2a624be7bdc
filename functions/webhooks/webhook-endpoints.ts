import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction, reply } from '../../runtime/define-function.ts';
import { WebhookView, toWebhookView } from './webhook-views.ts';
import { createWebhook, EventTypeFilter, requireWebhook, WebhookId, WEBHOOKS, type WebhookDoc } from './webhooks.ts';

export const WebhookUrl = z.string().min(1).max(2048);

export const createWebhookFunction = defineFunction({
  name: 'webhooks.create',
  method: 'POST',
  path: '/v1/webhooks',
  auth: 'server',
  summary: 'Register a webhook endpoint; the answer holds its signing secret (whsec_…), shown this once',
  description:
    'Deliveries are signed as the Standard Webhooks spec describes (docs/webhooks.md). eventTypes empty = every event. ' +
    'URLs must be http(s) and reach a public address.',
  tags: ['webhooks'],
  body: z.strictObject({
    url: WebhookUrl,
    eventTypes: EventTypeFilter.default([]),
    description: z.string().max(500).default(''),
    enabled: z.boolean().default(true),
  }),
  response: WebhookView.extend({ secret: z.string() }),
  handler: async ({ body }, ctx) => {
    const { webhook, secret } = await createWebhook(ctx, callerAppId(ctx.caller), body);
    return reply(201, { ...toWebhookView(webhook, ctx.clock.now()), secret });
  },
});

export const listWebhooksFunction = defineFunction({
  name: 'webhooks.list',
  method: 'GET',
  path: '/v1/webhooks',
  auth: 'server',
  summary: "The app's webhook endpoints with their success rates",
  tags: ['webhooks'],
  response: z.object({ webhooks: z.array(WebhookView) }),
  handler: async (_input, ctx) => {
    const found = await ctx.ports.store.collection<WebhookDoc>(WEBHOOKS).find({ appId: callerAppId(ctx.caller) }, { sort: { createdAt: 1 } });
    return { webhooks: found.map((webhook) => toWebhookView(webhook, ctx.clock.now())) };
  },
});

export const getWebhookFunction = defineFunction({
  name: 'webhooks.get',
  method: 'GET',
  path: '/v1/webhooks/:webhookId',
  auth: 'server',
  summary: 'One webhook endpoint: settings, attempt counts and success rate',
  tags: ['webhooks'],
  params: z.object({ webhookId: WebhookId }),
  response: WebhookView,
  handler: async ({ params }, ctx) => toWebhookView(await requireWebhook(ctx, callerAppId(ctx.caller), params.webhookId), ctx.clock.now()),
});

export default createWebhookFunction;
