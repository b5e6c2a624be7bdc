import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { UserId } from '../users/users.ts';
import { mintDownload } from './export-downloads.ts';
import { requireJob } from './request-job.ts';

export default defineFunction({
  name: 'gdpr.export.link',
  method: 'POST',
  path: '/v1/users/:userId/export/link',
  auth: 'server',
  summary: 'A short-lived link to the finished export archive, good for one download per requester',
  params: z.object({ userId: UserId }),
  response: z.object({ url: z.string(), expiresAt: z.number() }),
  successStatus: 201,
  handler: async ({ params }, ctx) => mintDownload(ctx, await requireJob(ctx, 'export', params.userId)),
});
