import type { FunctionContext } from '../../runtime/context.ts';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { reply, type Reply } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { requireUser } from '../users/users.ts';
import { jobId, jobs, requestJob, toJobView, type GdprJobDoc, type JobKind, type GdprJobView } from './gdpr-jobs.ts';
import type { z } from 'zod';

type View = z.infer<typeof GdprJobView>;

/** POST …/export|erasure: the user's existing job (200), or a new one (202); unknown users 404. */
export async function startJob(ctx: FunctionContext, kind: JobKind, userId: string, guard?: (appId: string) => Promise<void>): Promise<Reply<View>> {
  const appId = callerAppId(ctx.caller);
  const existing = await jobs(ctx.ports.store).findOne({ _id: jobId(kind, appId, userId) });
  if (existing) return reply(200, toJobView(existing));
  await requireUser(ctx.ports.store, appId, userId);
  await guard?.(appId);
  const { job, created } = await requestJob(ctx, kind, appId, userId);
  return reply(created ? 202 : 200, toJobView(job));
}

export async function requireJob(ctx: FunctionContext, kind: JobKind, userId: string): Promise<GdprJobDoc> {
  const job = await jobs(ctx.ports.store).findOne({ _id: jobId(kind, callerAppId(ctx.caller), userId) });
  if (!job) throw new AppError('NOT_FOUND', `No ${kind} was requested for user ${userId}`);
  return job;
}
