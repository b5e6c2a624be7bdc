import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import type { FunctionContext } from '../../runtime/context.ts';
import { defineFunction, streamReply } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { appEventsAfter, type AppEventDoc } from './app-event-log.ts';

/**
 * `GET /v1/events/stream`: every event of the app after a cursor, as NDJSON lines
 * `{"cursor":"42","event":{…}}`, or as server-sent events (`Accept: text/event-stream`; the
 * cursor is the SSE `id`, so `Last-Event-ID` resumes). Without `follow` the stream ends once it is
 * caught up (or after `limit` events); with it, it stays open and sends new events as they are
 * logged, for at most `maxSeconds`.
 */
const Cursor = z.string().regex(/^\d{1,15}$/, 'must be a cursor from this stream');
const PAGE = 200;
const POLL_MS = 200;
const HEARTBEAT_MS = 15_000;

function encoder(sse: boolean, appId: string) {
  return (row: AppEventDoc): string => {
    const event = { appId, ...row.event };
    return sse ? `id: ${row.seq}\nevent: ${row.event.type}\ndata: ${JSON.stringify(event)}\n\n` : `${JSON.stringify({ cursor: String(row.seq), event })}\n`;
  };
}

export default defineFunction({
  name: 'events.stream',
  method: 'GET',
  path: '/v1/events/stream',
  auth: 'server',
  summary: "Every event of the app after a cursor, as NDJSON or server-sent events; resumable with a durable cursor",
  description:
    'Each NDJSON line is {"cursor","event"}; with Accept: text/event-stream each event has the cursor as its id (Last-Event-ID resumes). ' +
    'after= the last cursor you processed (omit for the beginning). follow=true keeps the stream open for new events (up to maxSeconds).',
  tags: ['events'],
  query: z.strictObject({
    after: Cursor.optional(),
    limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
    follow: z.enum(['true', 'false']).default('false'),
    maxSeconds: z.coerce.number().int().min(1).max(3_600).default(300),
  }),
  successStatus: 200,
  handler: async ({ query }, ctx) => {
    const appId = callerAppId(ctx.caller);
    const sse = /text\/event-stream/.test(ctx.request?.headers.get('accept') ?? '');
    const lastEventId = sse ? ctx.request?.headers.get('last-event-id') : null;
    if (lastEventId && !Cursor.safeParse(lastEventId).success) throw new AppError('BAD_REQUEST', 'Last-Event-ID must be a cursor from this stream');
    const start = Number(query.after ?? lastEventId ?? 0);
    const stream = eventStream(ctx, appId, { start, limit: query.limit, follow: query.follow === 'true', maxMs: query.maxSeconds * 1000, encode: encoder(sse, appId), sse });
    return streamReply(
      new Response(stream, {
        status: 200,
        headers: { 'content-type': sse ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson; charset=utf-8', 'x-accel-buffering': 'no' },
      }),
    );
  },
});

interface StreamOptions {
  start: number;
  limit: number;
  follow: boolean;
  maxMs: number;
  sse: boolean;
  encode: (row: AppEventDoc) => string;
}

function eventStream(ctx: FunctionContext, appId: string, options: StreamOptions): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder();
  let cursor = options.start;
  let sent = 0;
  let cancelled = false;
  const deadline = Date.now() + options.maxMs;
  let lastWrite = Date.now();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          if (cancelled) return;
          const rows = await appEventsAfter(ctx, appId, cursor, Math.min(PAGE, options.limit - sent));
          if (rows.length > 0) {
            cursor = rows.at(-1)!.seq;
            sent += rows.length;
            lastWrite = Date.now();
            controller.enqueue(bytes.encode(rows.map(options.encode).join('')));
            if (sent >= options.limit) controller.close();
            return;
          }
          // A draining process ends a followed stream at once; the client resumes from its cursor elsewhere.
          if (!options.follow || Date.now() > deadline || ctx.lifecycle.draining) return controller.close();
          if (options.sse && Date.now() - lastWrite > HEARTBEAT_MS) {
            lastWrite = Date.now();
            controller.enqueue(bytes.encode(': keep-alive\n\n'));
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      } catch (error) {
        ctx.log.error({ err: error, appId }, 'event stream failed; the client resumes from its last cursor');
        controller.error(error);
      }
    },
    cancel() {
      cancelled = true;
    },
  });
}
