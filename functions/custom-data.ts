import { z } from 'zod';

/**
 * Free-form JSON that customers attach to users, conversations and messages. Keys may not start
 * with `$` or contain `.`, at any depth: MongoDB reserves both, so they are refused here with a
 * clear error instead of failing (or meaning something else) in the store.
 */
export const CUSTOM_DATA_MAX_BYTES = 8_192;
const MAX_DEPTH = 8;

function badKey(value: unknown, depth = 0): string | null {
  if (depth > MAX_DEPTH) return '(nesting deeper than 8 levels)';
  if (Array.isArray(value)) {
    for (const item of value) {
      const bad = badKey(item, depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key.startsWith('$') || key.includes('.')) return key;
      const bad = badKey(inner, depth + 1);
      if (bad) return bad;
    }
  }
  return null;
}

export const CustomData = z
  .record(z.string().min(1).max(64), z.unknown())
  .superRefine((value, ctx) => {
    const bad = badKey(value);
    if (bad) ctx.addIssue({ code: 'custom', message: `key "${bad}" is not allowed: keys may not start with "$" or contain "."` });
    if (JSON.stringify(value).length > CUSTOM_DATA_MAX_BYTES) {
      ctx.addIssue({ code: 'custom', message: `custom data must be at most ${CUSTOM_DATA_MAX_BYTES} bytes as JSON` });
    }
  });
