import { z } from 'zod';
import type { Caller } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';

/** `appId` in the query: required for the admin (any app), optional for a server key (its own only). */
export const AppScopeQuery = z.object({ appId: z.string().min(1).max(64).optional() });

export function auditedApp(caller: Caller, requested: string | undefined): string {
  if (caller.kind === 'admin') {
    if (!requested) throw new AppError('BAD_REQUEST', 'appId is required with the admin token');
    return requested;
  }
  if (caller.kind !== 'server') throw new AppError('FORBIDDEN', 'The audit log needs a server key or the admin token');
  if (requested && requested !== caller.appId) throw new AppError('FORBIDDEN', "A server key reads only its own app's audit log");
  return caller.appId;
}

/** Cursors are the last seq returned, opaque to callers. */
export const SeqCursor = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const decoded = /^[A-Za-z0-9_-]+$/.test(value) ? Buffer.from(value, 'base64url').toString('utf8') : '';
    const seq = /^\d{1,15}$/.test(decoded) ? Number(decoded) : -1;
    if (seq < 0) {
      ctx.addIssue({ code: 'custom', message: 'cursor is not one this API returned' });
      return z.NEVER;
    }
    return seq;
  });

export function seqCursor(seq: number): string {
  return Buffer.from(String(seq)).toString('base64url');
}
