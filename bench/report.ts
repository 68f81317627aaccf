import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export type Cell = string | number;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
  /** Lines printed under the table: units, floors, what was measured. */
  notes?: string[];
}

export interface SectionResult {
  section: string;
  tables: Table[];
  /** Figures for machines (bench/out/<section>.json). */
  data?: unknown;
}

const escape = (cell: Cell) => String(cell).replaceAll('|', '\\|');

/** A GitHub-flavoured Markdown table: readable in a terminal and pasteable into the README. */
export function renderTable(table: Table): string {
  const numeric = table.columns.map((_, index) =>
    table.rows.every((row) => /^[\d.,×%<>≤~ +-]+$|^n\/a$|^$/.test(String(row[index] ?? ''))),
  );
  const lines = [
    `#### ${table.title}`,
    '',
    `| ${table.columns.map(escape).join(' | ')} |`,
    `| ${table.columns.map((_, index) => (numeric[index] && index > 0 ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ];
  if (table.notes?.length) lines.push('', ...table.notes);
  return `${lines.join('\n')}\n`;
}

export const outDir = join(repoRoot, 'bench/out');

/**
 * Bundles and generated entry files: outside the working tree, where neither eslint nor
 * prettier nor git would pick them up.
 */
export const artifactDir = join(tmpdir(), 'irwatch-bench');

/** Prints a section's tables and keeps its figures under bench/out. */
export function emitSection(result: SectionResult): void {
  const text = result.tables.map(renderTable).join('\n');
  process.stdout.write(`${text}\n`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${result.section}.md`), text);
  writeFileSync(
    join(outDir, `${result.section}.json`),
    `${JSON.stringify({ section: result.section, tables: result.tables, data: result.data }, null, 2)}\n`,
  );
}
