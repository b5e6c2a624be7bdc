import type { Doc, Filter } from './port.ts';
import { isOperatorObject, isPlainObject } from './guard.ts';
import { mingoQuery } from './local-mingo.ts';

/**
 * Filter matching for the embedded store. The filters the chat API sends are mostly equality and
 * ranges on scalar fields (`{_id}`, `{conversationId, seq: {$lt}}`); those are compiled here into
 * plain JavaScript predicates with MongoDB's rules, and mingo, which costs a query compilation per
 * call, is built only for what they cannot decide:
 *
 * - a filter using anything beyond field conditions with scalar operands ($eq $ne $gt $gte $lt $lte
 *   $in $nin $exists, literal equality) under $and/$or/$nor is handed to mingo whole;
 * - a document whose value on a filtered path is an array or an object (array element matching,
 *   object comparison) or runs through an array is handed to mingo for that document.
 *
 * The rules mirrored: null matches null and missing; a range compares only values of its operand's
 * type (numbers with numbers, strings with strings, booleans with booleans); a path through a
 * scalar is missing. infra/store/local-match.test.ts checks the predicates against mingo.
 */
export type DocumentMatcher = (doc: Doc) => boolean;

/** true / false, or undefined when the document needs mingo. */
type Verdict = boolean | undefined;
type Predicate = (doc: Doc) => Verdict;

/** Returned by a path read when the value is an array or object, or the path crosses an array. */
const COMPLEX = Symbol('complex');
type Scalar = string | number | boolean | null;

export function documentMatcher(filter: Filter): DocumentMatcher {
  const fast = compileFastFilter(filter);
  let mingo: DocumentMatcher | undefined;
  const slow: DocumentMatcher = (doc) => {
    if (!mingo) {
      const query = mingoQuery(filter);
      mingo = (candidate) => query.test(candidate);
    }
    return mingo(doc);
  };
  if (!fast) return slow;
  return (doc) => fast(doc) ?? slow(doc);
}

/** The compiled predicate, or null when the filter needs mingo for every document. */
export function compileFastFilter(filter: Filter): Predicate | null {
  const parts: Predicate[] = [];
  for (const [key, value] of Object.entries(filter)) {
    let part: Predicate | null;
    if (key === '$and' || key === '$or' || key === '$nor') part = compileLogical(key, value);
    else if (key.startsWith('$')) return null;
    else part = compileField(key, value);
    if (!part) return null;
    parts.push(part);
  }
  return every(parts);
}

function compileLogical(operator: '$and' | '$or' | '$nor', clauses: unknown): Predicate | null {
  if (!Array.isArray(clauses) || clauses.length === 0) return null;
  const compiled: Predicate[] = [];
  for (const clause of clauses) {
    const part = isPlainObject(clause) ? compileFastFilter(clause) : null;
    if (!part) return null;
    compiled.push(part);
  }
  if (operator === '$and') return every(compiled);
  const any = some(compiled);
  return operator === '$or' ? any : (doc) => negate(any(doc));
}

function compileField(path: string, condition: unknown): Predicate | null {
  const segments = path.split('.');
  if (segments.includes('__proto__')) return null; // mingo refuses it with its own error
  const read = pathReader(segments);
  const tests: Array<(value: Scalar | undefined) => boolean> = [];
  if (isOperatorObject(condition)) {
    for (const [operator, operand] of Object.entries(condition)) {
      const test = compileOperator(operator, operand);
      if (!test) return null;
      tests.push(test);
    }
  } else {
    if (!isScalar(condition)) return null;
    tests.push(equals(condition));
  }
  const [only] = tests;
  if (tests.length === 1 && only) {
    return (doc) => {
      const value = read(doc);
      return value === COMPLEX ? undefined : only(value);
    };
  }
  return (doc) => {
    const value = read(doc);
    return value === COMPLEX ? undefined : tests.every((test) => test(value));
  };
}

function compileOperator(operator: string, operand: unknown): ((value: Scalar | undefined) => boolean) | null {
  switch (operator) {
    case '$eq':
      return isScalar(operand) ? equals(operand) : null;
    case '$ne': {
      if (!isScalar(operand)) return null;
      const equal = equals(operand);
      return (value) => !equal(value);
    }
    case '$gt': case '$gte': case '$lt': case '$lte':
      return compileRange(operator, operand);
    case '$in': case '$nin': {
      if (!Array.isArray(operand) || !operand.every(isScalar)) return null;
      const withNull = operand.includes(null);
      const contains = (value: Scalar | undefined) => (value === undefined || value === null ? withNull : operand.includes(value));
      return operator === '$in' ? contains : (value) => !contains(value);
    }
    case '$exists':
      if (typeof operand !== 'boolean') return null;
      return (value) => (value !== undefined) === operand;
    default:
      return null;
  }
}

/** MongoDB's type brackets: a range matches only values of its operand's type. A null operand goes to mingo. */
function compileRange(operator: string, operand: unknown): ((value: Scalar | undefined) => boolean) | null {
  const type = typeof operand;
  if (type !== 'number' && type !== 'string' && type !== 'boolean') return null;
  const bound = operand as string | number | boolean;
  switch (operator) {
    case '$gt': return (value) => typeof value === type && (value as typeof bound) > bound;
    case '$gte': return (value) => typeof value === type && (value as typeof bound) >= bound;
    case '$lt': return (value) => typeof value === type && (value as typeof bound) < bound;
    default: return (value) => typeof value === type && (value as typeof bound) <= bound;
  }
}

function equals(operand: Scalar): (value: Scalar | undefined) => boolean {
  return operand === null ? (value) => value === null || value === undefined : (value) => value === operand;
}

/** Reads a path the way MongoDB resolves it on documents without arrays; COMPLEX otherwise. */
function pathReader(segments: string[]): (doc: Doc) => Scalar | undefined | typeof COMPLEX {
  const [first, ...rest] = segments;
  if (rest.length === 0) return (doc) => leaf(doc[first!]);
  return (doc) => {
    let node: unknown = doc[first!];
    for (const segment of rest) {
      if (Array.isArray(node)) return COMPLEX;
      if (node === null || typeof node !== 'object') return undefined; // a path through a scalar or null is missing
      node = (node as Record<string, unknown>)[segment];
    }
    return leaf(node);
  };
}

function leaf(value: unknown): Scalar | undefined | typeof COMPLEX {
  if (value === null || value === undefined) return value;
  switch (typeof value) {
    case 'string': case 'number': case 'boolean': return value as Scalar;
    case 'object': return COMPLEX;
    default: return undefined; // inherited Object.prototype members are not fields
  }
}

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function every(parts: Predicate[]): Predicate {
  if (parts.length === 0) return () => true;
  if (parts.length === 1) return parts[0]!;
  return (doc) => {
    let verdict: Verdict = true;
    for (const part of parts) {
      const result = part(doc);
      if (result === false) return false;
      if (result === undefined) verdict = undefined;
    }
    return verdict;
  };
}

function some(parts: Predicate[]): Predicate {
  return (doc) => {
    let verdict: Verdict = false;
    for (const part of parts) {
      const result = part(doc);
      if (result === true) return true;
      if (result === undefined) verdict = undefined;
    }
    return verdict;
  };
}

function negate(verdict: Verdict): Verdict {
  return verdict === undefined ? undefined : !verdict;
}
