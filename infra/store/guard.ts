import { AppError } from '../../runtime/errors.ts';
import { STORE_LIMITS, type Filter, type FindOptions, type Update } from './port.ts';

/**
 * The documented MongoDB subset, enforced before any adapter touches its engine. Anything else
 * ($where, $expr, $function, $text, positional paths, unknown modifiers) is refused with
 * BAD_REQUEST instead of being passed on: user input that reaches a filter must never become code
 * or a different query (operator injection). Shared by every store adapter so they refuse alike.
 */
const FIELD_OPERATORS = new Set([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists',
  '$not', '$elemMatch', '$size', '$all', '$regex', '$options',
]);
const LOGICAL_OPERATORS = new Set(['$and', '$or', '$nor']);
const UPDATE_OPERATORS = new Set(['$set', '$unset', '$inc', '$push', '$pull', '$addToSet', '$setOnInsert', '$min', '$max']);
const MAX_DEPTH = 32;
const COLLECTION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export class StoreGuard {
  constructor(private readonly adapter: string) {}

  bad(message: string): AppError {
    return new AppError('BAD_REQUEST', `[${this.adapter}] ${message}`);
  }

  collectionName(name: unknown): string {
    if (typeof name !== 'string' || !COLLECTION_NAME.test(name) || name.startsWith('system.')) {
      throw this.bad(`invalid collection name ${JSON.stringify(name)}: use letters, digits, '_', '.', '-'`);
    }
    if (name.length > STORE_LIMITS.maxCollectionNameLength) {
      throw this.bad(`collection name longer than ${STORE_LIMITS.maxCollectionNameLength} characters`);
    }
    return name;
  }

  filter(filter: unknown, depth = 0): asserts filter is Filter {
    if (!isPlainObject(filter)) throw this.bad('filter must be an object');
    if (depth > MAX_DEPTH) throw this.bad('filter nested too deeply');
    for (const [key, value] of Object.entries(filter)) {
      if (key.startsWith('$')) {
        if (!LOGICAL_OPERATORS.has(key)) throw this.bad(`unsupported filter operator ${key}`);
        if (!Array.isArray(value) || value.length === 0) throw this.bad(`${key} needs a non-empty array`);
        for (const clause of value) this.filter(clause, depth + 1);
      } else {
        this.fieldPath(key);
        this.condition(value, depth + 1);
      }
    }
  }

  update(update: unknown): asserts update is Update {
    if (!isPlainObject(update) || Object.keys(update).length === 0) throw this.bad('update must be a non-empty object');
    const paths: string[] = [];
    for (const [operator, fields] of Object.entries(update)) {
      if (!UPDATE_OPERATORS.has(operator)) throw this.bad(`unsupported update operator ${operator}`);
      if (!isPlainObject(fields)) throw this.bad(`${operator} needs an object of fields`);
      for (const [path, value] of Object.entries(fields)) {
        this.fieldPath(path);
        this.updateValue(operator, path, value);
        paths.push(path);
      }
    }
    this.noConflictingPaths(paths);
  }

  /** A whole document given to replaceOne: plain fields only, so it cannot smuggle operators. */
  replacement(doc: unknown): void {
    if (!isPlainObject(doc)) throw this.bad('replacement must be an object');
    for (const key of Object.keys(doc)) {
      if (key.startsWith('$')) throw this.bad(`replacement must not contain update operators (${key})`);
    }
  }

  findOptions(options: FindOptions): void {
    for (const name of ['skip', 'limit'] as const) {
      const value = options[name];
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw this.bad(`${name} must be a non-negative integer`);
    }
    if (options.sort !== undefined) this.sort(options.sort);
    if (options.projection !== undefined) this.projection(options.projection);
  }

  sort(sort: unknown): void {
    if (!isPlainObject(sort)) throw this.bad('sort must be an object');
    for (const [path, direction] of Object.entries(sort)) {
      this.fieldPath(path);
      if (direction !== 1 && direction !== -1) throw this.bad(`sort direction for ${path} must be 1 or -1`);
    }
  }

  projection(projection: unknown): void {
    if (!isPlainObject(projection)) throw this.bad('projection must be an object');
    const modes = new Set<unknown>();
    for (const [path, mode] of Object.entries(projection)) {
      this.fieldPath(path);
      if (mode !== 0 && mode !== 1) throw this.bad(`projection for ${path} must be 0 or 1`);
      if (path !== '_id') modes.add(mode);
    }
    if (modes.size > 1) throw this.bad('projection cannot mix inclusion and exclusion');
  }

  fieldPath(path: string): void {
    if (path.length === 0 || path.split('.').some((segment) => segment.length === 0 || segment.startsWith('$'))) {
      throw this.bad(`invalid field path ${JSON.stringify(path)}`);
    }
  }

  private condition(value: unknown, depth: number): void {
    if (!isOperatorObject(value)) return this.literal(value, depth);
    for (const [operator, operand] of Object.entries(value)) {
      if (!FIELD_OPERATORS.has(operator)) throw this.bad(`unsupported filter operator ${operator}`);
      this.operand(operator, operand, value, depth);
    }
  }

  private operand(operator: string, operand: unknown, siblings: Record<string, unknown>, depth: number): void {
    switch (operator) {
      case '$in': case '$nin': case '$all':
        if (!Array.isArray(operand)) throw this.bad(`${operator} needs an array`);
        return operand.forEach((item) => this.literal(item, depth + 1));
      case '$not':
        if (operand instanceof RegExp) return;
        if (!isOperatorObject(operand)) throw this.bad('$not needs an operator object or a regular expression');
        return this.condition(operand, depth + 1);
      case '$elemMatch':
        if (!isPlainObject(operand)) throw this.bad('$elemMatch needs an object');
        return isOperatorObject(operand) ? this.condition(operand, depth + 1) : this.filter(operand, depth + 1);
      case '$size':
        if (!Number.isSafeInteger(operand) || (operand as number) < 0) throw this.bad('$size needs a non-negative integer');
        return;
      case '$exists':
        if (typeof operand !== 'boolean') throw this.bad('$exists needs true or false');
        return;
      case '$regex':
        if (typeof operand !== 'string' && !(operand instanceof RegExp)) throw this.bad('$regex needs a string or RegExp');
        return;
      case '$options':
        if (typeof operand !== 'string' || !/^[imsx]*$/.test(operand) || !('$regex' in siblings)) {
          throw this.bad('$options needs flags from "imsx" beside $regex');
        }
        return;
      default:
        return this.literal(operand, depth + 1);
    }
  }

  /** A value compared by equality. `undefined` is refused: ignoring it would widen the query. */
  literal(value: unknown, depth = 0): void {
    if (depth > MAX_DEPTH) throw this.bad('value nested too deeply');
    if (value === undefined) throw this.bad('undefined is not a valid query value');
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') throw this.bad(`unsupported value of type ${typeof value}`);
    if (typeof value === 'number' && !Number.isFinite(value)) throw this.bad('numbers must be finite');
    if (Array.isArray(value)) return value.forEach((item) => this.literal(item, depth + 1));
    if (value === null || typeof value !== 'object' || value instanceof RegExp) return;
    if (!isPlainObject(value)) throw this.bad('only plain JSON values are supported');
    for (const [key, item] of Object.entries(value)) {
      if (key.startsWith('$')) throw this.bad(`unexpected operator ${key} inside a value`);
      this.literal(item, depth + 1);
    }
  }

  private updateValue(operator: string, path: string, value: unknown): void {
    if (operator === '$unset') return;
    if (operator === '$inc') {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw this.bad(`$inc for ${path} needs a finite number`);
      return;
    }
    if (operator === '$pull') return isPlainObject(value) ? (isOperatorObject(value) ? this.condition(value, 1) : this.filter(value, 1)) : this.literal(value);
    if ((operator === '$push' || operator === '$addToSet') && isOperatorObject(value)) return this.eachModifier(operator, path, value);
    this.literal(value);
  }

  private eachModifier(operator: string, path: string, modifier: Record<string, unknown>): void {
    const allowed = operator === '$push' ? ['$each', '$slice'] : ['$each'];
    for (const key of Object.keys(modifier)) {
      if (!allowed.includes(key)) throw this.bad(`unsupported ${operator} modifier ${key} for ${path}`);
    }
    if (!Array.isArray(modifier.$each)) throw this.bad(`${operator} modifiers for ${path} need $each: [...]`);
    this.literal(modifier.$each);
    if (modifier.$slice !== undefined && !Number.isSafeInteger(modifier.$slice)) throw this.bad(`$slice for ${path} needs an integer`);
  }

  private noConflictingPaths(paths: string[]): void {
    const sorted = [...paths].sort();
    for (let i = 1; i < sorted.length; i++) {
      const [previous, current] = [sorted[i - 1]!, sorted[i]!];
      if (current === previous || current.startsWith(`${previous}.`)) {
        throw this.bad(`updating the path '${current}' would create a conflict at '${previous}'`);
      }
    }
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** MongoDB reads an object whose keys start with `$` as operators, anything else as a literal. */
export function isOperatorObject(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && Object.keys(value).some((key) => key.startsWith('$'));
}
