import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, importsOf, sourceFiles } from '../support/import-graph.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const files = sourceFiles(root);
const edges = files.flatMap((file) => importsOf(root, file));

/** Engine client packages: each belongs to the adapter of one port. */
const DRIVERS = [/^mongodb$/, /^ioredis$/, /^kafkajs$/, /^@elastic\/elasticsearch$/, /^@aws-sdk\//, /^better-sqlite3$/];

describe('import graph', () => {
  it('reads the tree (the walk itself works)', () => {
    expect(files).toContain('runtime/platform.ts');
    expect(edges.some((edge) => edge.from === 'routes.ts' && edge.to === 'functions/apps/index.ts')).toBe(true);
    expect(edges.some((edge) => edge.typeOnly)).toBe(true);
  });

  it('runtime/ and infra/ never import functions/', () => {
    const upward = edges.filter((edge) => /^(runtime|infra)\//.test(edge.from) && /^functions\//.test(edge.to));
    expect(upward.map((edge) => `${edge.from} -> ${edge.to}`)).toEqual([]);
  });

  it('has no import cycle other than type-only ones', () => {
    const valueEdges = edges.filter((edge) => edge.relative && !edge.typeOnly);
    expect(cycles(files, valueEdges)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const loop = [
      { from: 'a.ts', to: 'b.ts', relative: true, typeOnly: false },
      { from: 'b.ts', to: 'a.ts', relative: true, typeOnly: false },
    ];
    expect(cycles(['a.ts', 'b.ts', 'c.ts'], loop)).toEqual([['a.ts', 'b.ts']]);
  });

  // Engine tests (tests/infra/) poke the engines directly and benchmarks may measure a bare driver.
  it('imports driver packages only inside infra/<port>/ in shipped code', () => {
    const shipped = edges.filter((edge) => !/^(tests|bench)\//.test(edge.from));
    const misplaced = shipped.filter(
      (edge) => !edge.relative && DRIVERS.some((driver) => driver.test(edge.to)) && !/^infra\/[a-z-]+\//.test(edge.from),
    );
    expect(misplaced.map((edge) => `${edge.from} -> ${edge.to}`)).toEqual([]);
  });
});
