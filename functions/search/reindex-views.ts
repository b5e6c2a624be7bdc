import { z } from 'zod';
import type { SearchIndexDoc } from './search-indexes.ts';

/** What operators see of an app's search index and its last rebuild. */
export const ReindexJobView = z.object({
  id: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  index: z.string(),
  processed: z.number().describe('conversations copied so far'),
  total: z.number().nullable().describe('conversations to copy; null until the job starts'),
  messages: z.number().describe('message documents written so far'),
  requestedAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  error: z.string().nullable(),
});

export const SearchIndexStatusView = z.object({
  appId: z.string(),
  index: z.string().nullable().describe('the index queries read; null before the app has any'),
  building: z.string().nullable(),
  reindex: ReindexJobView.nullable(),
});
export type SearchIndexStatusView = z.infer<typeof SearchIndexStatusView>;

export function toSearchIndexStatusView(appId: string, state: SearchIndexDoc | null): SearchIndexStatusView {
  const job = state?.reindex ?? null;
  return {
    appId,
    index: state?.current ?? null,
    building: state?.building ?? null,
    reindex: job && {
      id: job.id,
      status: job.status,
      index: job.index,
      processed: job.processed,
      total: job.total,
      messages: job.messages,
      requestedAt: job.requestedAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      error: job.error,
    },
  };
}
