import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { UserId } from '../users/users.ts';
import { GdprJobView, toJobView } from './gdpr-jobs.ts';
import { requireJob } from './request-job.ts';

export default defineFunction({
  name: 'gdpr.erasure.get',
  method: 'GET',
  path: '/v1/users/:userId/erasure',
  auth: 'server',
  summary: "Progress of a user's erasure, and once done the record of what was erased",
  params: z.object({ userId: UserId }),
  response: GdprJobView,
  handler: async ({ params }, ctx) => toJobView(await requireJob(ctx, 'erasure', params.userId)),
});
