import { h, replaceChildren, scrollRegion, type Child } from './dom.js';
import { modelOf, ms, number, percent, statusBadge, time, usd, usdPerInference } from './format.js';
import { ApiProblemError, getJson, isAbort, withQuery } from './http.js';
import {
  compareHash,
  jobHash,
  jobRef,
  jobsHash,
  type Route,
  type View,
  type ViewContext,
} from './route.js';
import type { Comparison, MetricName, ModelJobList } from './types.js';

/** At most this many runs side by side: the limit of GET /compare. */
const MAX_RUNS = 10;

const METRICS: Array<{ name: MetricName; label: string; show(value: number): string }> = [
  { name: 'costPerInference', label: 'Cost per inference', show: usdPerInference },
  { name: 'costPerHour', label: 'Cost per hour', show: usd },
  { name: 'modelLatency', label: 'Model latency', show: ms },
  { name: 'maxInvocations', label: 'Max invocations / min', show: number },
  { name: 'cpuUtilization', label: 'CPU utilization', show: percent },
  { name: 'memoryUtilization', label: 'Memory utilization', show: percent },
];

type Configuration = Comparison['configurations'][number];

function comparisonTable(comparison: Comparison, metricName: MetricName): HTMLElement {
  const metric = METRICS.find((m) => m.name === metricName) ?? METRICS[0]!;
  type JobKey = Pick<Configuration['runs'][number], 'jobName' | 'accountId' | 'region'>;
  const sameJob = (a: JobKey, b: JobKey) =>
    a.jobName === b.jobName && a.accountId === b.accountId && a.region === b.region;
  const valuesOf = (group: Configuration, job: JobKey): Child => {
    const runs = group.runs.filter((run) => sameJob(run, job));
    if (runs.length === 0) return h('span', { class: 'muted' }, 'not run');
    return runs.map((run, index) => [
      index > 0 ? h('br') : null,
      run.metrics[metric.name] === null
        ? 'unknown'
        : metric.show(run.metrics[metric.name] as number),
    ]);
  };
  const spreadOf = (group: Configuration): string => {
    const spread = group.spread[metric.name];
    if (!spread) return '—';
    if (spread.count < 2) return 'one run';
    const relative =
      spread.relativeSpread === null ? '' : ` (${number(spread.relativeSpread * 100)} %)`;
    return `${metric.show(spread.min)} to ${metric.show(spread.max)}${relative}`;
  };
  return scrollRegion(
    'Comparison table',
    h(
      'table',
      { id: 'compare-table' },
      h('caption', null, `${metric.label} per configuration and run`),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'Configuration'),
          comparison.jobs.map((job) =>
            h(
              'th',
              { scope: 'col', class: 'num' },
              h('a', { href: jobHash(job), title: `${job.accountId}, ${job.region}` }, job.jobName),
            ),
          ),
          h('th', { scope: 'col', class: 'num' }, 'Spread'),
        ),
      ),
      h(
        'tbody',
        null,
        comparison.configurations.map((group) =>
          h(
            'tr',
            { 'data-configuration': group.key },
            h('th', { scope: 'row' }, group.key),
            comparison.jobs.map((job) => h('td', { class: 'num' }, valuesOf(group, job))),
            h('td', { class: 'num' }, spreadOf(group)),
          ),
        ),
      ),
    ),
  );
}

export function compareView(
  main: HTMLElement,
  route: Route & { view: 'compare' },
  context: ViewContext,
): View {
  const { model } = route;
  const isArn = model.startsWith('arn:');
  const label =
    modelOf({ modelName: isArn ? null : model, modelPackageVersionArn: isArn ? model : null })
      ?.label ?? model;
  let query = route.query;
  let runs: ModelJobList | undefined;
  let requests = 0;
  const results = h('div', { id: 'compare-results' });
  const picker = h(
    'div',
    { id: 'compare-runs' },
    h('p', { 'aria-busy': 'true' }, 'Loading the runs…'),
  );

  replaceChildren(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: jobsHash() }, 'Jobs'), ' › compare runs'),
    h('h1', { tabindex: -1, class: 'wrap' }, `Runs of ${label}`),
    h(
      'p',
      { class: 'lead' },
      'The same configurations across runs of one model: how much the measured figures move between runs.',
    ),
    picker,
    results,
  );
  document.title = `Compare runs · irwatch`;

  const selectedJobs = () => (query.get('jobs') ?? '').split(',').filter(Boolean);

  function renderPicker(list: ModelJobList) {
    const selected = new Set(selectedJobs());
    const boxes = list.jobs.map((job) =>
      h(
        'li',
        null,
        h('input', {
          type: 'checkbox',
          id: `run-${jobRef(job)}`,
          name: 'jobs',
          value: jobRef(job),
          checked: selected.has(jobRef(job)),
        }),
        h(
          'label',
          { for: `run-${jobRef(job)}` },
          job.jobName,
          ' ',
          h('span', { class: 'muted' }, `${job.accountId}, ${job.region}`),
          ' ',
          statusBadge(job.status),
          ' ',
          h(
            'span',
            { class: 'muted' },
            time(job.creationTime),
            `, ${number(job.recommendationCount)} recommendations`,
          ),
        ),
      ),
    );
    const metric = h(
      'select',
      { id: 'f-metric', name: 'metric' },
      METRICS.map((m) => h('option', { value: m.name }, m.label)),
    );
    metric.value = query.get('metric') ?? 'costPerInference';
    const error = h('p', { id: 'compare-error', class: 'error', role: 'alert', hidden: true });
    const form = h(
      'form',
      {
        class: 'filters',
        'aria-label': 'Choose runs to compare',
        onsubmit: (event: Event) => {
          event.preventDefault();
          const jobs = [...form.querySelectorAll<HTMLInputElement>('input[name=jobs]:checked')].map(
            (box) => box.value,
          );
          if (jobs.length === 0 || jobs.length > MAX_RUNS) {
            error.textContent = `Choose 1 to ${MAX_RUNS} runs.`;
            error.hidden = false;
            return;
          }
          context.navigate(compareHash(model, { jobs: jobs.join(','), metric: metric.value }));
        },
      },
      h(
        'fieldset',
        null,
        h('legend', null, `Runs (up to ${MAX_RUNS})`),
        list.jobs.length === 0
          ? h('p', null, 'No run of this model is recorded.')
          : h('ul', { class: 'runs' }, boxes),
      ),
      h('div', { class: 'field wide' }, h('label', { for: 'f-metric' }, 'Compare by'), metric),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Compare')),
      error,
    );
    replaceChildren(picker, form);
  }

  async function loadComparison() {
    const jobs = selectedJobs();
    const request = (requests += 1);
    if (jobs.length === 0) {
      replaceChildren(results);
      return;
    }
    results.setAttribute('aria-busy', 'true');
    try {
      const comparison = await getJson<Comparison>(
        withQuery('compare', { jobs: jobs.join(',') }),
        context.signal,
      );
      if (request !== requests) return;
      const metric = (query.get('metric') ?? 'costPerInference') as MetricName;
      replaceChildren(
        results,
        comparison.jobs.length === 1
          ? h(
              'p',
              { class: 'note' },
              'One run only: the table lists its configurations. Another run of the same model shows how the figures move.',
            )
          : null,
        comparison.configurations.length === 0
          ? h('p', { class: 'empty' }, 'These runs have no recommendations.')
          : comparisonTable(comparison, metric),
      );
    } catch (error) {
      if (isAbort(error) || request !== requests) return;
      replaceChildren(
        results,
        h(
          'p',
          { class: 'error', role: 'alert' },
          error instanceof ApiProblemError ? error.message : String(error),
        ),
      );
    }
    results.setAttribute('aria-busy', 'false');
  }

  async function load() {
    try {
      runs = await getJson<ModelJobList>(
        withQuery(`models/${encodeURIComponent(model)}/jobs`, { limit: 50 }),
        context.signal,
      );
      if (!query.get('jobs')) {
        const withRecs = runs.jobs.filter((job) => job.recommendationCount > 0).slice(0, MAX_RUNS);
        query = new URLSearchParams(query);
        query.set('jobs', withRecs.map(jobRef).join(','));
      }
      renderPicker(runs);
      await loadComparison();
    } catch (error) {
      if (isAbort(error)) return;
      replaceChildren(
        picker,
        h(
          'p',
          { class: 'error', role: 'alert' },
          error instanceof ApiProblemError ? error.message : String(error),
        ),
      );
    }
  }
  void load();

  return {
    update(next) {
      if (next.view !== 'compare' || next.model !== model || !runs) return false;
      query = next.query;
      renderPicker(runs);
      void loadComparison();
      return true;
    },
  };
}
