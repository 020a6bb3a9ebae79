/**
 * The floors of src/ (docs/architecture.md): a folder imports only folders on its own floor or below, no two
 * folders import each other, directly or round a longer circle, and the act side reaches task files only
 * through the attempt ledger. Counted as the shared folder-cycles tool counts them: value imports, re-exports and
 * dynamic imports between folders; `import type`, `export type` and imports of types alone are erased by
 * tsc and do not count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const STATIC = /^\s*(?:import|export)\s+(?!type\b)([^'";]*?\bfrom\s+)?['"](\.[^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g;
const TYPES_ONLY = /^\s*import\s+\{\s*(?:type\s+[^,}]+,?\s*)+\}\s+from/;

/** Folder → the folders its files import values from (src/ itself is '.'). */
function folderImports(src: string): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of sources(src)) {
    const text = readFileSync(file, 'utf8');
    const specs = [
      ...[...text.matchAll(STATIC)].filter((m) => !TYPES_ONLY.test(m[0])).map((m) => m[2]!),
      ...[...text.matchAll(DYNAMIC)].map((m) => m[1]!),
    ];
    const from = relative(src, dirname(file)) || '.';
    for (const spec of specs) {
      const to = relative(src, dirname(resolve(dirname(file), spec))) || '.';
      if (to === from || to.startsWith('..')) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
    }
  }
  return edges;
}

/** The circles of a graph: its strongly connected components of more than one node (Tarjan), each sorted. */
function circles(edges: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])]);
  for (const v of nodes) if (!index.has(v)) visit(v);
  return found;
}

/** docs/architecture.md's floors, top to bottom. */
const FLOORS: Record<string, number> = {
  cli: 5, web: 5,
  doctor: 4,
  reconciler: 3, controls: 3,
  drivers: 2, backend: 2, sandbox: 2, fleet: 1,
  agents: 1, tasks: 1, git: 1, status: 1, metrics: 1, notify: 1,
  machines: 0, config: 0, tmux: 0, util: 0, costs: 0,
};

describe('folders of src/', () => {
  it('import one another in no circle', () => {
    expect(circles(folderImports(SRC)).map((c) => c.join(' <-> '))).toEqual([]);
  });

  it('each sits on a floor and imports nothing above it', () => {
    const edges = folderImports(SRC);
    expect([...edges.keys()].filter((f) => FLOORS[f] === undefined)).toEqual([]);
    const upward = [...edges].flatMap(([from, tos]) => [...tos].filter((to) => FLOORS[to]! > FLOORS[from]!).map((to) => `${from} -> ${to}`));
    expect(upward).toEqual([]);
  });

  it('the act side reaches task files only through the ledger (src/tasks/ledger.ts)', () => {
    const direct = sources(join(SRC, 'reconciler')).filter((f) => /from '\.\.\/tasks\/(store|atomic)\.js'|\breadSidecar\b|SIDECAR_SUFFIX/.test(readFileSync(f, 'utf8')));
    expect(direct.map((f) => relative(SRC, f))).toEqual([]);
  });

  it('the check sees a circle, a longer one, and not a type-only import', () => {
    const graph = (pairs: string[]) => {
      const g = new Map<string, Set<string>>();
      for (const p of pairs) {
        const [a, b] = p.split('>') as [string, string];
        g.set(a, (g.get(a) ?? new Set()).add(b));
      }
      return g;
    };
    expect(circles(graph(['a>b', 'b>a', 'c>a']))).toEqual([['a', 'b']]);
    expect(circles(graph(['x>y', 'y>z', 'z>x', 'z>w']))).toEqual([['x', 'y', 'z']]);
    expect(circles(graph(['a>b', 'b>c']))).toEqual([]);
    expect(TYPES_ONLY.test("import { type A, type B } from '../x/a.js'")).toBe(true);
    expect(TYPES_ONLY.test("import { type A, b } from '../x/a.js'")).toBe(false);
  });
});
