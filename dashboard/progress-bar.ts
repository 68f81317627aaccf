import { h, type Child } from './dom.js';
import { number, time } from './format.js';
import type { Job } from './types.js';

/**
 * A running job's progress: a bar of its finished benchmarks, the counts and the ETA (or why there
 * is none yet). Redrawn whenever the API's progress comes from a newer listing.
 */
export function progressSection(job: Job): Child {
  const p = job.progress;
  if (!p) {
    return h(
      'section',
      { id: 'progress', 'aria-labelledby': 'progress-heading' },
      h('h2', { id: 'progress-heading' }, 'Progress'),
      h('p', null, 'Waiting for SageMaker to list the benchmarks.'),
    );
  }
  const done = p.completed + p.failed;
  return h(
    'section',
    { id: 'progress', 'aria-labelledby': 'progress-heading' },
    h('h2', { id: 'progress-heading' }, 'Progress'),
    h('progress', {
      id: 'progress-bar',
      max: String(Math.max(1, p.total)),
      value: String(done),
      'aria-label': `${done} of ${p.total} benchmarks finished`,
    }),
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
  );
}
