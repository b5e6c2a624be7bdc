import { AppError } from '../errors.ts';

/**
 * Every JSON body is refused past this nesting depth, before any schema (zod, custom-data checks,
 * JSON.stringify) recurses into it: 50 000 levels would overflow the stack and answer 500.
 */
export const MAX_JSON_DEPTH = 32;

/** The path to the first value nested deeper than `max`, or null. Iterative: never recurses. */
export function tooDeepPath(root: unknown, max = MAX_JSON_DEPTH): string[] | null {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= max) return path;
    const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
    for (const [key, inner] of entries) stack.push({ value: inner, path: [...path, key] });
  }
  return null;
}

/** Throws VALIDATION_FAILED naming the top-level field that nests too deep. */
export function requireShallowJson(value: unknown, where: 'body' = 'body'): void {
  const path = tooDeepPath(value);
  if (!path) return;
  const field = [where, ...path.slice(0, 1)].join('.');
  throw new AppError('VALIDATION_FAILED', `${field}: nested deeper than ${MAX_JSON_DEPTH} levels`, {
    issues: [{ path: field, message: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
  });
}
