import type { z } from 'zod';
import { AppError } from '../runtime/errors.ts';

/**
 * Validates what a caller hands a port against its schema: BAD_REQUEST naming the adapter and
 * every field at fault, before any engine is touched. Shared by every adapter's input module.
 */
export function parsePortInput<T>(adapter: string, what: string, schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const summary = issues.map((issue) => `${issue.path || what}: ${issue.message}`).join('; ');
  throw new AppError('BAD_REQUEST', `[${adapter}] invalid ${what}: ${summary}`, { issues });
}
