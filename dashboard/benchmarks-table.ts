import { announce, h, scrollRegion, type Child } from './dom.js';
import {
  cell,
  configuration,
  environment,
  ms,
  number,
  percent,
  statusBadge,
  time,
  usd,
} from './format.js';
import type { BenchmarkStep } from './types.js';

/** Steps that are over: their row appears once and changes no more. */
const FINISHED = new Set(['COMPLETED', 'FAILED', 'STOPPED']);

const COLUMNS: Array<{ title: string; numeric?: boolean; value(step: BenchmarkStep): Child }> = [
  { title: 'Configuration', value: (s) => configuration(s) },
  { title: 'Status', value: (s) => statusBadge(s.status ?? 'UNKNOWN') },
  { title: '$ per hour', numeric: true, value: (s) => cell(s.metrics.costPerHour, usd) },
  {
    title: '$ per million',
    numeric: true,
    value: (s) =>
      cell(s.metrics.costPerInference === null ? null : s.metrics.costPerInference * 1e6, usd),
  },
  { title: 'Latency', numeric: true, value: (s) => cell(s.metrics.modelLatency, ms) },
  {
    title: 'Max invocations / min',
    numeric: true,
    value: (s) => cell(s.metrics.maxInvocations, number),
  },
  { title: 'CPU', numeric: true, value: (s) => cell(s.metrics.cpuUtilization, percent) },
  { title: 'Memory', numeric: true, value: (s) => cell(s.metrics.memoryUtilization, percent) },
  { title: 'Finished', value: (s) => time(s.invocationEndTime) },
  { title: 'Step', numeric: true, value: (s) => String(s.stepIndex) },
];

function row(step: BenchmarkStep): HTMLTableRowElement {
  const note = step.failureReason ?? environment(step);
  return h(
    'tr',
    { 'data-step-index': step.stepIndex, 'data-status': step.status ?? '' },
    COLUMNS.map((column, index) =>
      index === 0
        ? h('th', { scope: 'row' }, column.value(step))
        : h('td', { class: column.numeric ? 'num' : null }, column.value(step)),
    ),
    h('td', { class: 'reason' }, note || '—'),
  );
}

/**
 * A running job's finished benchmarks, filled in as they finish. Each refresh only inserts the
 * rows of newly finished steps (in step order) and replaces a row whose step changed: the table
 * stays where it is, rows already shown are the same elements, and what has the focus keeps it.
 */
export function liveBenchmarksTable(): {
  element: HTMLElement;
  update(steps: BenchmarkStep[]): void;
} {
  const shown = new Map<number, { fingerprint: string; row: HTMLTableRowElement }>();
  const body = h('tbody');
  const table = h(
    'table',
    { id: 'live-benchmarks-table' },
    h('caption', null, 'Benchmarks finished so far, by step'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        COLUMNS.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.title)),
        h('th', { scope: 'col' }, 'Note'),
      ),
    ),
    body,
  );
  const region = scrollRegion('Finished benchmarks table', table);
  region.hidden = true;
  const empty = h(
    'p',
    { id: 'live-benchmarks-empty', class: 'empty' },
    'No benchmark has finished yet.',
  );
  const count = h('p', { id: 'live-benchmarks-count', class: 'count', hidden: true });
  const element = h(
    'section',
    { id: 'live-benchmarks', 'aria-labelledby': 'live-benchmarks-heading' },
    h('h2', { id: 'live-benchmarks-heading' }, 'Benchmarks'),
    count,
    empty,
    region,
  );

  function update(steps: BenchmarkStep[]) {
    const finished = steps
      .filter((step) => FINISHED.has(step.status ?? ''))
      .sort((a, b) => a.stepIndex - b.stepIndex);
    const keep = new Set(finished.map((step) => step.stepIndex));
    for (const [index, { row: gone }] of shown) {
      if (!keep.has(index)) {
        gone.remove();
        shown.delete(index);
      }
    }
    let added = 0;
    let next: HTMLTableRowElement | null = null;
    // Walk backwards so each row goes before the one after it: the order is the steps' order.
    for (const step of [...finished].reverse()) {
      const fingerprint = JSON.stringify(step);
      const current = shown.get(step.stepIndex);
      if (current?.fingerprint === fingerprint) {
        next = current.row;
        continue;
      }
      const fresh = row(step);
      if (current) current.row.replaceWith(fresh);
      else {
        body.insertBefore(fresh, next);
        added += 1;
      }
      shown.set(step.stepIndex, { fingerprint, row: fresh });
      next = fresh;
    }
    region.hidden = shown.size === 0;
    empty.hidden = shown.size > 0;
    count.hidden = shown.size === 0;
    count.textContent = `${number(shown.size)} benchmark${shown.size === 1 ? '' : 's'} finished so far.`;
    if (added > 0) announce(count.textContent);
  }

  return { element, update };
}
