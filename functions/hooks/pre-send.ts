import type { MessageDoc } from '../messages/messages.ts';
import { Histogram } from 'prom-client';
import { z } from 'zod';
import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';
import { processRegistry } from '../../runtime/http/metrics.ts';
import { callHook, findHook } from './hooks.ts';

/**
 * The pre-send hook: called before a message is stored, after every other check passed, so the
 * app's service only sees messages that would otherwise be sent. It allows, rejects with a reason
 * (the sender gets 422 MESSAGE_REJECTED with that reason) or rewrites the text. A hook that fails
 * lets the message through (`open`) or refuses it with 503 HOOK_FAILED (`closed`).
 */
const latency = new Histogram({
  name: 'caas_pre_send_hook_duration_seconds',
  help: 'Pre-send hook calls: time from call to decision, by outcome (allow, reject, rewrite, failed)',
  labelNames: ['outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.8, 1, 2.5, 5],
  registers: [processRegistry],
});

/** What the hook is shown of a message about to be stored: the message's own fields, one source. */
export type PreSendMessage = Pick<MessageDoc, 'conversationId' | 'authorId' | 'type' | 'text' | 'attachments' | 'mentions' | 'custom' | 'parentId' | 'quotedId'>;

/** Built once per text limit: building a zod schema costs ≈ 100 µs, more than checking an answer. */
const answerSchemas = new Map<number, ReturnType<typeof buildAnswerSchema>>();

function answerSchema(maxLength: number) {
  let schema = answerSchemas.get(maxLength);
  if (!schema) answerSchemas.set(maxLength, (schema = buildAnswerSchema(maxLength)));
  return schema;
}

function buildAnswerSchema(maxLength: number) {
  return z.discriminatedUnion('action', [
    z.object({ action: z.literal('allow') }),
    z.object({ action: z.literal('reject'), reason: z.string().min(1).max(500) }),
    z.object({ action: z.literal('rewrite'), text: z.string().refine((text) => [...text].length <= maxLength, `at most ${maxLength} characters`) }),
  ]);
}

/** The text to store: the sender's, or the hook's rewrite. Throws when the hook rejects (or fails closed). */
export async function applyPreSendHook(services: Services, appId: string, message: PreSendMessage): Promise<string> {
  const hook = await findHook(services, appId, 'pre-send');
  if (!hook) return message.text;
  const started = performance.now();
  const result = await callHook(services, hook, { type: 'message.pre-send', appId, message }, answerSchema(services.config.CAAS_MAX_MESSAGE_LENGTH));
  latency.observe({ outcome: result.ok ? result.answer.action : 'failed' }, (performance.now() - started) / 1000);
  if (!result.ok) {
    services.log.warn({ appId, reason: result.reason, failureMode: hook.failureMode }, 'pre-send hook failed');
    if (hook.failureMode === 'open') return message.text;
    throw new AppError('HOOK_FAILED', `The app's pre-send hook did not decide (${result.reason}); the message was not sent`, { headers: { 'Retry-After': '1' } });
  }
  const { answer } = result;
  if (answer.action === 'reject') throw new AppError('MESSAGE_REJECTED', answer.reason, { issues: [{ path: 'body.text', message: answer.reason }] });
  if (answer.action === 'rewrite') {
    if (answer.text.trim().length === 0 && message.attachments.length === 0) throw new AppError('MESSAGE_REJECTED', 'The pre-send hook removed all of the text');
    return answer.text;
  }
  return message.text;
}
