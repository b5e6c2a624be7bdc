import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppId } from '../apps/app-views.ts';
import { requireApp } from '../apps/apps.ts';
import { SearchIndexStatusView, toSearchIndexStatusView } from './reindex-views.ts';
import { findIndexState } from './search-indexes.ts';

export default defineFunction({
  name: 'search.reindex.status',
  method: 'GET',
  path: '/v1/admin/apps/:appId/search/reindex',
  auth: 'admin',
  summary: "An app's search index and the progress of its last rebuild",
  tags: ['search'],
  params: z.object({ appId: AppId }),
  response: SearchIndexStatusView,
  handler: async ({ params }, ctx) => {
    await requireApp(ctx.ports.store, params.appId);
    return toSearchIndexStatusView(params.appId, await findIndexState(ctx, params.appId));
  },
});
