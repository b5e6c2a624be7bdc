import { z } from 'zod';
import { defineFunction } from '../../runtime/define-function.ts';
import { UserId } from '../users/users.ts';
import { GdprJobView } from './gdpr-jobs.ts';
import { startJob } from './request-job.ts';
import { refuseIfUserHeld } from '../retention/legal-holds.ts';

export default defineFunction({
  name: 'gdpr.erasure.start',
  method: 'POST',
  path: '/v1/users/:userId/erasure',
  auth: 'server',
  summary: 'Start erasing a user (GDPR Art. 17); the finished job lists what was erased; repeated requests answer the same job',
  description: 'A user under legal hold answers 409 naming the hold; messages in conversations under hold are kept.',
  params: z.object({ userId: UserId }),
  response: GdprJobView,
  handler: async ({ params }, ctx) => startJob(ctx, 'erasure', params.userId, (appId) => refuseIfUserHeld(ctx.ports.store, appId, params.userId)),
});
