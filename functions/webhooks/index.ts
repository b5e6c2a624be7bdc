/** Webhook endpoints, their signed deliveries with retries, delivery log, dead letters and replay. */
import { listDeliveriesFunction, replayDeliveryFunction } from './delivery-functions.ts';
import { deleteWebhookFunction, updateWebhookFunction } from './webhook-changes.ts';
import { createWebhookFunction, getWebhookFunction, listWebhooksFunction } from './webhook-endpoints.ts';

export const webhookFunctions = [
  createWebhookFunction,
  listWebhooksFunction,
  getWebhookFunction,
  updateWebhookFunction,
  deleteWebhookFunction,
  listDeliveriesFunction,
  replayDeliveryFunction,
];
