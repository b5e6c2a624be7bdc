import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { consumeDownload } from './export-downloads.ts';

export default defineFunction({
  name: 'gdpr.export.download',
  method: 'GET',
  path: '/v1/gdpr/downloads/:token',
  auth: 'public',
  summary: 'Download an export archive through a link from POST /v1/users/:userId/export/link (once)',
  params: z.object({ token: z.string().min(20).max(100) }),
  response: z.record(z.string(), z.unknown()),
  handler: async ({ params }, ctx) => consumeDownload(ctx, params.token),
});
