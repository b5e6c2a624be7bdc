import { AppError } from '../../runtime/errors.ts';
import type {
  Collection, Doc, Filter, FindOneAndUpdateOptions, FindOptions, SortSpec, Update, UpdateOptions, UpdateResult,
} from './port.ts';
import type { StoreGuard } from './guard.ts';
import { generateId, serializeDocument } from './documents.ts';
import { withPathShapes, type Catalog } from './local-catalog.ts';
import type { LocalDatabase } from './local-database.ts';
import { tableName } from './local-indexes.ts';
import { project } from './local-mingo.ts';
import { countRows, deleteRows, selectRows, type Row, type Window } from './local-select.ts';
import { applyUpdate, upsertSeed } from './local-update.ts';

const ADAPTER = 'store:local';

/**
 * One collection of the embedded store. Every method runs as one atomic unit: reads on a snapshot,
 * writes under BEGIN IMMEDIATE (in a savepoint when concurrent calls share the transaction, see
 * local-commit-queue.ts), so a find-and-modify is atomic across callers and processes, and a
 * failing multi-document write leaves nothing behind.
 */
export class LocalCollection<T extends Doc> implements Collection<T> {
  constructor(
    private readonly db: LocalDatabase,
    private readonly name: string,
    private readonly guard: StoreGuard,
  ) {}

  async insertOne(doc: T): Promise<T> {
    await this.db.write(() => this.insertRow(this.db.createCollection(this.name), doc));
    return doc;
  }

  async insertMany(docs: T[]): Promise<void> {
    if (!Array.isArray(docs)) throw this.guard.bad('insertMany needs an array');
    if (docs.length === 0) return;
    await this.db.write(() => {
      let catalog = this.db.createCollection(this.name);
      for (const doc of docs) catalog = this.insertRow(catalog, doc);
    });
  }

  async findOne(filter: Filter, options: Omit<FindOptions, 'limit'> = {}): Promise<T | null> {
    const [doc] = await this.find(filter, { ...options, limit: 1 });
    return doc ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    this.guard.filter(filter);
    this.guard.findOptions(options);
    const docs = await this.db.read(() => {
      const catalog = this.db.catalog(this.name);
      return catalog ? this.select(catalog, filter, options).map((row) => row.doc) : [];
    });
    return options.projection ? project(docs, options.projection) : docs;
  }

  async countDocuments(filter: Filter): Promise<number> {
    this.guard.filter(filter);
    return this.db.read(() => {
      const catalog = this.db.catalog(this.name);
      return catalog ? countRows(this.db, this.name, catalog, filter) : 0;
    });
  }

  async updateOne(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    return (await this.updateFirst(filter, update, options.upsert === true, undefined, false)).result;
  }

  async updateMany(filter: Filter, update: Update): Promise<UpdateResult> {
    this.guard.filter(filter);
    this.guard.update(update);
    return this.db.write(() => {
      let catalog = this.db.catalog(this.name);
      let modifiedCount = 0;
      const rows = catalog ? this.select(catalog, filter, {}) : [];
      for (const row of rows) {
        applyUpdate(row.doc, update, false);
        const rewritten = this.rewriteRow(catalog!, row.doc, row.json);
        if (rewritten) [catalog, modifiedCount] = [rewritten, modifiedCount + 1];
      }
      return { matchedCount: rows.length, modifiedCount, upsertedId: null };
    });
  }

  async findOneAndUpdate(filter: Filter, update: Update, options: FindOneAndUpdateOptions = {}): Promise<T | null> {
    if (options.sort !== undefined) this.guard.sort(options.sort);
    const wantBefore = options.returnDocument === 'before';
    const { before, after } = await this.updateFirst(filter, update, options.upsert === true, options.sort, wantBefore);
    return wantBefore ? before : after;
  }

  async replaceOne(filter: Filter, replacement: T, options: UpdateOptions = {}): Promise<UpdateResult> {
    this.guard.filter(filter);
    this.guard.replacement(replacement);
    return this.db.write(() => {
      const catalog = options.upsert ? this.db.createCollection(this.name) : this.db.catalog(this.name);
      const [hit] = catalog ? this.select(catalog, filter, { limit: 1 }) : [];
      if (hit) {
        if (replacement._id !== undefined && replacement._id !== hit.doc._id) {
          throw this.guard.bad(`_id is immutable (tried to replace ${hit.doc._id} with ${replacement._id})`);
        }
        const modified = this.rewriteRow(catalog!, { ...replacement, _id: hit.doc._id }, hit.json) !== null;
        return { matchedCount: 1, modifiedCount: modified ? 1 : 0, upsertedId: null };
      }
      if (!options.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedId: null };
      const seedId = upsertSeed(filter)._id;
      const _id = replacement._id ?? (typeof seedId === 'string' ? seedId : generateId());
      this.insertRow(catalog!, { ...replacement, _id });
      return { matchedCount: 0, modifiedCount: 0, upsertedId: _id };
    });
  }

  async deleteOne(filter: Filter): Promise<number> {
    return this.deleteMatches(filter, 1);
  }

  async deleteMany(filter: Filter): Promise<number> {
    return this.deleteMatches(filter, undefined);
  }

  private updateFirst(filter: Filter, update: Update, upsert: boolean, sort: SortSpec | undefined, wantBefore: boolean) {
    this.guard.filter(filter);
    this.guard.update(update);
    return this.db.write(() => {
      const catalog = upsert ? this.db.createCollection(this.name) : this.db.catalog(this.name);
      const [hit] = catalog ? this.select(catalog, filter, { sort, limit: 1 }) : [];
      if (hit) {
        const before = wantBefore ? (JSON.parse(hit.json) as T) : null;
        applyUpdate(hit.doc, update, false);
        const modified = this.rewriteRow(catalog!, hit.doc, hit.json) !== null;
        return { before, after: hit.doc, result: { matchedCount: 1, modifiedCount: modified ? 1 : 0, upsertedId: null } };
      }
      if (!upsert) return { before: null, after: null, result: { matchedCount: 0, modifiedCount: 0, upsertedId: null } };
      const doc = upsertSeed(filter);
      applyUpdate(doc, update, true);
      const inserted = { _id: typeof doc._id === 'string' ? doc._id : generateId(), ...doc } as T;
      this.insertRow(catalog!, inserted);
      return { before: null, after: inserted, result: { matchedCount: 0, modifiedCount: 0, upsertedId: inserted._id } };
    });
  }

  private deleteMatches(filter: Filter, limit: 1 | undefined): Promise<number> {
    this.guard.filter(filter);
    return this.db.write(() => {
      const catalog = this.db.catalog(this.name);
      return catalog ? deleteRows(this.db, this.name, catalog, filter, limit) : 0;
    });
  }

  private select(catalog: Catalog, filter: Filter, window: Window): Array<Row<T>> {
    return selectRows<T>(this.db, this.name, catalog, filter, window);
  }

  /** Returns the catalog, with any flags the document raised. */
  private insertRow(catalog: Catalog, doc: T): Catalog {
    const json = serializeDocument(doc, ADAPTER);
    const noted = this.notePathShapes(catalog, doc);
    this.db.statement(`INSERT INTO ${tableName(this.name)} (id, doc) VALUES (?, ?)`).run(doc._id, json);
    return noted;
  }

  /** Writes `doc` over its row when it changed; returns the catalog (with any flags raised) when it did, null when not. */
  private rewriteRow(catalog: Catalog, doc: T, previousJson: string): Catalog | null {
    const json = serializeDocument(doc, ADAPTER);
    if (json === previousJson) return null;
    const noted = this.notePathShapes(catalog, doc);
    const { changes } = this.db.statement(`UPDATE ${tableName(this.name)} SET doc = ? WHERE id = ?`).run(json, doc._id);
    if (changes !== 1) throw new AppError('INTERNAL', `[${ADAPTER}] document ${doc._id} vanished during its update`);
    return noted;
  }

  private notePathShapes(catalog: Catalog, doc: T): Catalog {
    const noted = withPathShapes(catalog, doc);
    return noted === catalog ? catalog : this.db.saveCatalog(this.name, noted);
  }
}
