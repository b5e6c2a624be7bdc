import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppId } from '../apps/app-views.ts';
import { enqueueReindex } from './reindex-queue.ts';
import { SearchIndexStatusView, toSearchIndexStatusView } from './reindex-views.ts';
import { findIndexState } from './search-indexes.ts';

export default defineFunction({
  name: 'search.reindex.start',
  method: 'POST',
  path: '/v1/admin/apps/:appId/search/reindex',
  auth: 'admin',
  summary: "Rebuild an app's search index from the store, without downtime",
  description:
    'Queues a rebuild run by the search worker: a new index is filled while searches keep using the current one, then searches switch to it. 409 while another rebuild of the app is queued or running. Follow progress with GET on the same path.',
  tags: ['search'],
  params: z.object({ appId: AppId }),
  response: SearchIndexStatusView,
  successStatus: 202,
  handler: async ({ params }, ctx) => {
    await enqueueReindex(ctx, params.appId);
    return toSearchIndexStatusView(params.appId, await findIndexState(ctx, params.appId));
  },
});
