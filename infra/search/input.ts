import { z } from 'zod';
import { SEARCH_LIMITS, type SearchDocument, type SearchFilter, type SearchQuery } from './port.ts';
import { parsePortInput } from '../port-input.ts';

/**
 * Validation of everything a caller hands the search port, shared by every adapter so the
 * embedded index and Elasticsearch refuse the same input with the same code (BAD_REQUEST).
 */

/** Lowercase like Elasticsearch index names; also safe inside a quoted SQLite identifier. */
const indexName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'index names are 1-100 of [a-z0-9_-], starting with a letter or digit');
const fieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]{0,63}$/, 'field names are 1-64 of [A-Za-z0-9_.], not starting with a digit or dot');
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const documentSchema = z.object({
  id: z.string().min(1).max(512),
  version: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  text: z.string(),
  fields: z.record(fieldName, z.union([scalar, z.array(z.string())])),
});

const rangeSchema = z
  .strictObject({ gte: z.number(), lte: z.number(), gt: z.number(), lt: z.number() })
  .partial()
  .refine((range) => Object.keys(range).length > 0, 'a range needs at least one of gte, lte, gt, lt');

const conditionSchema = z.union([
  scalar,
  z.strictObject({ in: z.array(scalar).max(SEARCH_LIMITS.maxFilterValues) }),
  z.strictObject({ exists: z.boolean() }),
  rangeSchema,
]);

const filterSchema = z.record(fieldName, conditionSchema);

const querySchema = z.object({
  text: z.string().max(SEARCH_LIMITS.maxQueryLength, `query text is limited to ${SEARCH_LIMITS.maxQueryLength} characters`),
  prefix: z.boolean().default(false),
  filter: filterSchema.default({}),
  limit: z.number().int().min(1).max(SEARCH_LIMITS.maxLimit).default(20),
  cursor: z.string().max(1024).optional(),
});

export type ValidQuery = z.output<typeof querySchema>;

export function parseIndexName(adapter: string, index: unknown): string {
  return parsePortInput(adapter, 'index name', indexName, index);
}

export function parseDocuments(adapter: string, documents: unknown): SearchDocument[] {
  return parsePortInput(adapter, 'documents', z.array(documentSchema), documents);
}

export function parseFilter(adapter: string, filter: unknown): SearchFilter {
  return parsePortInput(adapter, 'filter', filterSchema, filter);
}

export function parseQuery(adapter: string, query: SearchQuery): ValidQuery {
  return parsePortInput(adapter, 'query', querySchema, query);
}

export function parseVersion(adapter: string, version: unknown): number | undefined {
  return parsePortInput(adapter, 'version', documentSchema.shape.version, version);
}
