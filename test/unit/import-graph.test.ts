import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The repository's own modules import each other without a cycle, static or dynamic (a cycle
 * leaves one module half-initialised while the other runs), and each part imports only what its
 * role allows: the functions never reach into the local stack or the dashboard's browser code.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCES = ['bin', 'bench', 'dashboard', 'functions', 'local', 'shared', 'spoke'];
const IMPORT =
  /(?:^|\s)(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/gm;

async function sourceFiles(folder: string): Promise<string[]> {
  if (!existsSync(join(ROOT, folder))) return [];
  const entries = await readdir(join(ROOT, folder), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(ts|mjs)$/.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

/** Each module and the repository modules it loads at run time (type-only imports load nothing). */
async function importGraph(): Promise<Map<string, string[]>> {
  const files = (await Promise.all(SOURCES.map(sourceFiles))).flat();
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = await readFile(join(ROOT, file), 'utf8');
    const targets: string[] = [];
    for (const match of text.matchAll(IMPORT)) {
      if (match[1]) continue;
      const specifier = match[2] ?? match[3] ?? '';
      let target = posix.normalize(posix.join(dirname(file), specifier));
      if (target.endsWith('.js') && !existsSync(join(ROOT, target))) {
        target = `${target.slice(0, -3)}.ts`;
      }
      targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

function cyclesOf(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        cycles.push([...path.slice(path.indexOf(next)), next].join(' -> '));
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('the import graph', () => {
  it('finds a cycle when there is one (the check itself)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cyclesOf(graph)).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
  });

  it('has no cycle among the repository modules', async () => {
    const graph = await importGraph();
    expect(graph.size).toBeGreaterThan(100);
    expect(cyclesOf(graph)).toEqual([]);
  });

  it('keeps the functions apart from the local stack, the CLI and the browser code', async () => {
    const graph = await importGraph();
    const crossings = [...graph]
      .filter(([file]) => file.startsWith('functions/') || file.startsWith('shared/'))
      .flatMap(([file, targets]) =>
        targets
          .filter((target) => /^(local|dashboard|bench|test)\//.test(target))
          .map((target) => `${file} -> ${target}`),
      );
    expect(crossings).toEqual([]);
  });
});
