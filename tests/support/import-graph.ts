import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One import or re-export statement of a source file. */
export interface ImportEdge {
  from: string;
  /** Repo-relative path for a relative import, else the package specifier. */
  to: string;
  relative: boolean;
  /** `import type`, `export type`, or every named specifier marked `type`: erased at runtime. */
  typeOnly: boolean;
}

const SKIP = new Set(['node_modules', 'dist', '.git', 'coverage']);
const STATEMENT = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;

export function sourceFiles(root: string, dir = root): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(root, path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(relative(root, path));
  }
  return files;
}

function allSpecifiersTyped(clause: string): boolean {
  const named = /\{([^}]*)\}/s.exec(clause);
  if (!named || clause.replace(/\{[^}]*\}/s, '').replace(/,/g, '').trim() !== '') return false;
  const specifiers = named[1]!.split(',').map((part) => part.trim()).filter(Boolean);
  return specifiers.length > 0 && specifiers.every((part) => part.startsWith('type '));
}

export function importsOf(root: string, file: string): ImportEdge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const edges: ImportEdge[] = [];
  for (const match of text.matchAll(STATEMENT)) {
    const specifier = match[4] ?? match[5]!;
    const isRelative = specifier.startsWith('.');
    const to = isRelative ? relative(root, resolve(root, dirname(file), specifier)) : specifier;
    const typeOnly = match[4] !== undefined && (match[2] !== undefined || allSpecifiersTyped(match[3] ?? ''));
    edges.push({ from: file, to, relative: isRelative, typeOnly });
  }
  return edges;
}

/** Strongly connected components of more than one file (or a self-import): the import cycles. */
export function cycles(files: string[], edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const edge of edges) if (next.has(edge.to)) next.get(edge.from)!.push(edge.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter++);
    stack.push(file);
    onStack.add(file);
    for (const to of next.get(file)!) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(file, Math.min(low.get(file)!, index.get(to)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || next.get(file)!.includes(file)) found.push(component.sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return found;
}
