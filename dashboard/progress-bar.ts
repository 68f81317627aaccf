import { h, type Child } from './dom.js';
import { ms, number, time, usd, usdPerInference } from './format.js';
import type { Job } from './types.js';

type Progress = NonNullable<Job['progress']>;
type BestEntry = Progress['best']['lowestCostPerInference'];

const finishedOf = (p: Progress) => p.completed + p.failed;

/** The ETA as words: the time, or why there is none yet. */
const etaText = (p: Progress): Child =>
  p.eta ? ['done by ', time(p.eta)] : `no ETA yet: ${p.etaUnavailableReason ?? 'unknown'}`;

/**
 * A `<progress>` of the finished benchmarks; its label says the same in words (and the ETA), so a
 * screen reader hears what the bar shows.
 */
function bar(p: Progress, attributes: Record<string, string>): HTMLProgressElement {
  const done = finishedOf(p);
  const eta = p.eta ? `, expected done by ${new Date(p.eta).toLocaleTimeString()}` : '';
  return h('progress', {
    ...attributes,
    max: String(Math.max(1, p.total)),
    value: String(done),
    'aria-label': `${done} of ${p.total} benchmarks finished${eta}`,
  });
}

/** A running job's row in the jobs list: a small bar, the count and the ETA. */
export function progressCell(job: Pick<Job, 'jobName' | 'progress'>): Child {
  const p = job.progress;
  if (!p) return h('span', { class: 'muted progress-line' }, 'benchmarks not listed yet');
  return h(
    'span',
    { class: 'progress-line' },
    bar(p, { class: 'mini', 'data-progress-of': job.jobName }),
    h(
      'span',
      { class: 'muted' },
      `${number(finishedOf(p))}/${number(p.total)} benchmarks, `,
      etaText(p),
    ),
  );
}

/** The best finished benchmark so far per goal, by step. */
function bestSoFar(best: Progress['best']): Child {
  const entries: Array<[string, BestEntry, (value: number) => string]> = [
    [
      'Cheapest per inference',
      best.lowestCostPerInference,
      (v) => `${usd(v * 1e6)} per million (${usdPerInference(v)} each)`,
    ],
    ['Lowest latency', best.lowestModelLatency, ms],
    ['Highest throughput', best.highestMaxInvocations, (v) => `${number(v)} invocations / min`],
  ];
  if (entries.every(([, entry]) => !entry)) return null;
  const where = (entry: NonNullable<BestEntry>) =>
    entry.endpointType === 'Serverless'
      ? `Serverless ${entry.memorySizeInMB ?? '?'} MB`
      : (entry.instanceType ?? 'unknown instance');
  return [
    h('h3', { id: 'progress-best-heading' }, 'Best so far'),
    h(
      'ul',
      { id: 'progress-best', class: 'cards', 'aria-labelledby': 'progress-best-heading' },
      entries.map(([title, entry, show]) =>
        h(
          'li',
          { class: 'card', 'data-goal': title },
          h('h4', null, title),
          entry
            ? [
                h('p', { class: 'big' }, where(entry)),
                h('p', null, show(entry.value)),
                h('p', { class: 'muted' }, `step ${entry.recommendationId.split('-').pop()}`),
              ]
            : h('p', { class: 'muted' }, 'none finished yet'),
        ),
      ),
    ),
  ];
}

/**
 * A running job's progress: a bar of its finished benchmarks, the counts, the ETA (or why there
 * is none yet) and the best benchmark so far per goal. Redrawn whenever the API's progress comes
 * from a newer listing.
 */
export function progressSection(job: Job): HTMLElement {
  const p = job.progress;
  if (!p) {
    return h(
      'section',
      { id: 'progress', 'aria-labelledby': 'progress-heading' },
      h('h2', { id: 'progress-heading' }, 'Progress'),
      h('p', null, 'Waiting for SageMaker to list the benchmarks.'),
    );
  }
  const done = finishedOf(p);
  return h(
    'section',
    { id: 'progress', 'aria-labelledby': 'progress-heading' },
    h('h2', { id: 'progress-heading' }, 'Progress'),
    bar(p, { id: 'progress-bar' }),
    h(
      'p',
      { id: 'progress-counts' },
      `${number(done)} of ${number(p.total)} benchmarks finished: ${number(p.completed)} completed, ${number(p.failed)} failed, ${number(p.running)} running, ${number(p.pending)} pending.`,
    ),
    h(
      'p',
      { id: 'progress-eta' },
      p.eta
        ? ['Expected done by ', time(p.eta), '.']
        : `No ETA yet: ${p.etaUnavailableReason ?? 'unknown'}.`,
    ),
    p.startedAt
      ? h(
          'p',
          { id: 'progress-started', class: 'muted' },
          'First benchmark started ',
          time(p.startedAt),
          '.',
        )
      : null,
    bestSoFar(p.best),
  );
}
