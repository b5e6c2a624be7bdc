import { Client, errors, type estypes } from '@elastic/elasticsearch';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { enginePolicy, type EngineGuard } from '../resilience.ts';
import { queryFingerprint } from './cursor.ts';
import { appliedWrites } from './elasticsearch-bulk.ts';
import { decodeAfterCursor, type SortValues } from './elasticsearch-cursor.ts';
import { filterClauses, IS_TOMBSTONE, tombstone, toSource, type IndexedSource } from './elasticsearch-documents.ts';
import { elasticErrorType, isMissingDocument, isTransientElasticError, translateElasticError } from './elasticsearch-errors.ts';
import { aliasName, indexTemplate, physicalName } from './elasticsearch-index.ts';
import { searchRequest, toPage } from './elasticsearch-query.ts';
import { parseDocuments, parseFilter, parseIndexName, parseQuery, parseVersion } from './input.ts';
import { searchableWords } from './match-expression.ts';
import type { SearchDocument, SearchFilter, SearchPage, SearchPort, SearchQuery } from './port.ts';

/**
 * Full-text search on Elasticsearch 8.x/9.x (index layout: elasticsearch-index.ts).
 *
 * Refresh is explicit: writes return once durable but are searchable only after the next
 * refresh (Elasticsearch's own, every second by default, or `refresh()`), which keeps bulk
 * indexing cheap. Versions are external (`external_gte`): a write older than the stored version is
 * ignored, an equal one applies, as in the embedded index.
 *
 * Options (defaults in brackets): `node` (URL, credentials may be in it), `indexPrefix` ['caas-'],
 * `timeoutMs` [10 000 per call].
 *
 * @example
 *   const search = await createElasticsearchSearch({ node: 'http://127.0.0.1:9200' }); // connects on first use
 *   await search.ensureIndex('messages');
 */
export interface ElasticsearchSearchOptions {
  node: string;
  indexPrefix?: string;
  timeoutMs?: number;
}

const NAME = 'search:elasticsearch';
const WRITE_BATCH = 500;
const SCAN_PAGE = 1000;

type Operation = estypes.BulkOperationContainer | IndexedSource;

export class ElasticsearchSearch implements SearchPort {
  readonly name = 'elasticsearch';
  private readonly client: Client;
  private readonly prefix: string;
  private readonly guard: EngineGuard;
  private template: Promise<void> | undefined;

  constructor(options: ElasticsearchSearchOptions) {
    this.prefix = options.indexPrefix ?? 'caas-';
    // maxRetries 0: the engine policy is the one retry layer.
    this.client = new Client({ node: options.node, maxRetries: 0, requestTimeout: 60_000 });
    this.guard = enginePolicy({ engine: NAME, timeoutMs: options.timeoutMs ?? 10_000, isTransient: isTransientElasticError });
  }

  async ensureIndex(index: string): Promise<void> {
    const name = parseIndexName(NAME, index);
    await this.ensureTemplate();
    const alias = aliasName(this.prefix, name);
    await this.call('ensureIndex', name, async (signal) => {
      if (await this.client.indices.existsAlias({ name: alias }, { signal })) return;
      try {
        await this.client.indices.create({ index: physicalName(this.prefix, name), aliases: { [alias]: { is_write_index: true } } }, { signal });
      } catch (error) {
        // Another process ensured it at the same moment.
        if (elasticErrorType(error) !== 'resource_already_exists_exception') throw error;
      }
    });
  }

  async upsert(index: string, documents: SearchDocument[]): Promise<void> {
    const name = parseIndexName(NAME, index);
    const valid = parseDocuments(NAME, documents);
    for (let i = 0; i < valid.length; i += WRITE_BATCH) {
      const operations = valid.slice(i, i + WRITE_BATCH).flatMap((document): Operation[] => [
        { index: { _id: document.id, ...versioned(document.version) } },
        toSource(document),
      ]);
      await this.bulk('upsert', name, operations);
    }
  }

  async delete(index: string, id: string, version?: number): Promise<void> {
    const name = parseIndexName(NAME, index);
    const validVersion = parseVersion(NAME, version);
    if (validVersion !== undefined) {
      await this.bulk('delete', name, [{ index: { _id: id, ...versioned(validVersion) } }, tombstone(id)]);
      return;
    }
    // Without a version the delete always wins, and its tombstone keeps the stored version.
    const stored = await this.call('delete', name, async (signal) => {
      try {
        return await this.client.get<Pick<IndexedSource, 'deleted'>>({ index: aliasName(this.prefix, name), id, _source: ['deleted'] }, { signal });
      } catch (error) {
        if (isMissingDocument(error)) return null;
        throw error;
      }
    });
    if (!stored?.found || stored._source?.deleted || stored._version === undefined) return;
    await this.bulk('delete', name, [{ index: { _id: id, ...versioned(stored._version) } }, tombstone(id)]);
  }

  async deleteByQuery(index: string, filter: SearchFilter): Promise<number> {
    const name = parseIndexName(NAME, index);
    const valid = parseFilter(NAME, filter);
    // Search sees only refreshed writes; without this a document written a moment ago would survive.
    await this.refresh(name);
    let removed = 0;
    let after: estypes.SortResults | undefined;
    for (;;) {
      const page = await this.call('deleteByQuery', name, (signal) =>
        this.client.search({
          index: aliasName(this.prefix, name),
          query: { bool: { filter: filterClauses(valid), must_not: [IS_TOMBSTONE] } },
          sort: [{ id: { order: 'asc' } }],
          size: SCAN_PAGE,
          _source: false,
          version: true,
          track_total_hits: false,
          ...(after ? { search_after: after } : {}),
        }, { signal }),
      );
      const hits = page.hits.hits;
      if (hits.length === 0) return removed;
      // Each tombstone carries the version that was found: a newer write since then wins.
      removed += await this.bulk('deleteByQuery', name, hits.flatMap((hit): Operation[] => [
        { index: { _id: hit._id as string, ...versioned(hit._version ?? 0) } },
        tombstone(hit._id as string),
      ]));
      if (hits.length < SCAN_PAGE) return removed;
      after = hits[hits.length - 1]?.sort;
    }
  }

  async query(index: string, query: SearchQuery): Promise<SearchPage> {
    const name = parseIndexName(NAME, index);
    const valid = parseQuery(NAME, query);
    const words = searchableWords(NAME, valid.text);
    const fingerprint = queryFingerprint([name, words, valid.prefix, valid.filter]);
    const after: SortValues | undefined = valid.cursor === undefined ? undefined : decodeAfterCursor(NAME, valid.cursor, fingerprint);
    const response = await this.call('query', name, (signal) =>
      this.client.search<Pick<IndexedSource, 'fields'>>(searchRequest(aliasName(this.prefix, name), words, valid, after), { signal }),
    );
    return toPage(response, valid.limit, fingerprint);
  }

  async refresh(index: string): Promise<void> {
    const name = parseIndexName(NAME, index);
    await this.call('refresh', name, (signal) => this.client.indices.refresh({ index: aliasName(this.prefix, name) }, { signal }));
  }

  async dropIndex(index: string): Promise<void> {
    const name = parseIndexName(NAME, index);
    const alias = aliasName(this.prefix, name);
    const behindAlias = await this.call('dropIndex', name, async (signal) => {
      try {
        return Object.keys(await this.client.indices.getAlias({ name: alias }, { signal }));
      } catch (error) {
        if (error instanceof errors.ResponseError && error.meta.statusCode === 404) return [];
        throw error;
      }
    });
    const targets = [...new Set([...behindAlias, physicalName(this.prefix, name)])];
    await this.call('dropIndex', name, (signal) => this.client.indices.delete({ index: targets, ignore_unavailable: true }, { signal }));
  }

  /** One attempt (a readiness probe must answer promptly); red counts as unavailable. */
  async ping(): Promise<void> {
    const health = await this.call('ping', '-', async (signal) => {
      try {
        return await this.client.cluster.health({}, { signal });
      } catch (error) {
        if (isAppError(error)) throw error;
        throw new AppError('ENGINE_UNAVAILABLE', `[${NAME}] ping failed: ${(error as Error).message}`, { cause: error });
      }
    });
    if (health.status === 'red') throw new AppError('ENGINE_UNAVAILABLE', `[${NAME}] cluster ${health.cluster_name} is red`);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** The version of the node we talk to, for logs and test output (the integ-test-zip has no `GET /`). */
  async serverVersion(): Promise<string> {
    const info = await this.call('serverVersion', '-', (signal) => this.client.nodes.info({ node_id: '_local', metric: '_none' }, { signal }));
    return Object.values(info.nodes)[0]?.version ?? 'unknown';
  }

  /** Puts the index template once per process (and again after a failed attempt). */
  private ensureTemplate(): Promise<void> {
    this.template ??= this.call('putIndexTemplate', '*', async (signal) => {
      await this.client.indices.putIndexTemplate(indexTemplate(this.prefix), { signal });
    }).catch((error: unknown) => {
      this.template = undefined;
      throw error;
    });
    return this.template;
  }

  private bulk(operation: string, index: string, operations: Operation[]): Promise<number> {
    return this.call(operation, index, async (signal) => {
      const response = await this.client.bulk({ index: aliasName(this.prefix, index), require_alias: true, operations }, { signal });
      return appliedWrites(NAME, operation, index, response);
    });
  }

  /** Every network call: the one engine policy, with engine refusals translated once, here. */
  private call<T>(operation: string, index: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.guard(operation, work, (error) => translateElasticError(NAME, operation, index, error));
  }
}

function versioned(version: number | undefined): Pick<estypes.BulkIndexOperation, 'version' | 'version_type'> {
  return version === undefined ? {} : { version, version_type: 'external_gte' };
}

/**
 * Builds the adapter without waiting for the cluster: the process starts while Elasticsearch is
 * still down, readiness (ping) reports it, and calls fail with ENGINE_UNAVAILABLE until it answers.
 */
export async function createElasticsearchSearch(options: ElasticsearchSearchOptions): Promise<ElasticsearchSearch> {
  return new ElasticsearchSearch(options);
}
