import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { UserId } from '../users/users.ts';
import { GdprJobView } from './gdpr-jobs.ts';
import { startJob } from './request-job.ts';

export default defineFunction({
  name: 'gdpr.export.start',
  method: 'POST',
  path: '/v1/users/:userId/export',
  auth: 'server',
  summary: "Start exporting everything about a user (GDPR Art. 15/20) as a JSON archive; repeated requests answer the same job",
  params: z.object({ userId: UserId }),
  response: GdprJobView,
  handler: async ({ params }, ctx) => startJob(ctx, 'export', params.userId),
});
