import {
  announce,
  h,
  hidden,
  keepFocus,
  replaceChildren,
  scrollRegion,
  type Child,
} from './dom.js';
import {
  cell,
  configuration,
  duration,
  environment,
  modelOf,
  ms,
  number,
  percent,
  statusBadge,
  time,
  usd,
  usdPerInference,
} from './format.js';
import { ApiProblemError, getAllPages, getJson, isAbort, withQuery } from './http.js';
import {
  compareHash,
  jobHash,
  jobsHash,
  jobApi,
  sameJob,
  type Route,
  type View,
  type ViewContext,
} from './route.js';
import { liveBenchmarksTable } from './benchmarks-table.js';
import { planPanel } from './plan-panel.js';
import { progressSection } from './progress-bar.js';
import { scatterPlot } from './scatter-plot.js';
import {
  HIGHER_IS_BETTER,
  isTerminal,
  RECOMMENDATION_FILTERS,
  type BenchmarkList,
  type BenchmarkStep,
  type Job,
  type JobDetail,
  type Recommendation,
  type RecommendationFilter,
  type RecommendationList,
  type SortField,
} from './types.js';

const REFRESH_MS = 5_000;
const PAGE_LIMIT = 500;
const DEFAULT_SORT: SortField = 'costPerInference';

interface Column {
  title: string;
  /** The API's sortBy for this column; absent when the API cannot sort by it. */
  field?: SortField;
  numeric?: boolean;
  value(rec: Recommendation): Child;
}

const COLUMNS: Column[] = [
  { title: 'Configuration', value: (rec) => configuration(rec) },
  {
    title: 'Endpoint',
    value: (rec) => (rec.endpointType === 'Serverless' ? 'Serverless' : 'Real-time'),
  },
  {
    title: '$ per hour',
    field: 'costPerHour',
    numeric: true,
    value: (r) => cell(r.metrics.costPerHour, usd),
  },
  {
    title: '$ per inference',
    field: 'costPerInference',
    numeric: true,
    value: (r) => cell(r.metrics.costPerInference, usdPerInference),
  },
  {
    title: '$ per million',
    field: 'costPerMillionInferences',
    numeric: true,
    value: (r) => cell(r.derived.costPerMillionInferences, usd),
  },
  {
    title: 'Latency',
    field: 'modelLatency',
    numeric: true,
    value: (r) => cell(r.metrics.modelLatency, ms),
  },
  {
    title: 'Max invocations / min',
    field: 'maxInvocations',
    numeric: true,
    value: (r) => cell(r.metrics.maxInvocations, number),
  },
  {
    title: 'Invocations / s',
    field: 'invocationsPerSecond',
    numeric: true,
    value: (r) => cell(r.derived.invocationsPerSecond, number),
  },
  {
    title: 'CPU',
    field: 'cpuUtilization',
    numeric: true,
    value: (r) => cell(r.metrics.cpuUtilization, percent),
  },
  {
    title: 'Memory',
    field: 'memoryUtilization',
    numeric: true,
    value: (r) => cell(r.metrics.memoryUtilization, percent),
  },
  {
    title: 'Setup',
    field: 'modelSetupTime',
    numeric: true,
    value: (r) => cell(r.metrics.modelSetupTime, ms),
  },
  {
    title: 'Pareto',
    value: (r) => (r.derived.paretoOptimal ? h('span', { class: 'pareto-mark' }, 'Yes') : 'No'),
  },
  { title: 'Environment', value: (r) => environment(r) || '—' },
  { title: 'ID', value: (r) => h('code', null, r.recommendationId.split('/').pop() ?? '') },
];

const FILTER_FIELDS: Array<{
  name: Exclude<RecommendationFilter, 'endpointType' | 'paretoOnly'>;
  label: string;
  placeholder: string;
}> = [
  { name: 'maxModelLatency', label: 'Max latency (ms)', placeholder: 'e.g. 50' },
  { name: 'minMaxInvocations', label: 'Min invocations / min', placeholder: 'e.g. 1000' },
  { name: 'maxCostPerHour', label: 'Max $ per hour', placeholder: 'e.g. 1.5' },
  { name: 'maxCostPerInference', label: 'Max $ per inference', placeholder: 'e.g. 1e-6' },
  { name: 'instanceType', label: 'Instance type or family', placeholder: 'e.g. ml.g5' },
];

type RecQuery = Record<RecommendationFilter | 'sortBy' | 'order', string>;

function recQueryOf(query: URLSearchParams): RecQuery {
  const values = {} as RecQuery;
  for (const name of [...RECOMMENDATION_FILTERS, 'sortBy', 'order'] as const) {
    values[name] = query.get(name) ?? '';
  }
  return values;
}

const defaultOrder = (field: SortField) => (HIGHER_IS_BETTER.includes(field) ? 'desc' : 'asc');

function facts(job: Job): HTMLElement {
  const model = modelOf(job);
  const item = (term: string, ...value: Child[]) =>
    h('div', null, h('dt', null, term), h('dd', null, ...value));
  return h(
    'dl',
    { class: 'facts' },
    item('Status', statusBadge(job.status)),
    item('Account', job.accountId),
    item('Region', job.region),
    item('Type', job.jobType ?? '—'),
    item(
      'Model',
      model
        ? [
            h('span', { class: 'wrap', title: model.ref }, model.label),
            ' ',
            h(
              'a',
              { href: compareHash(model.ref), 'data-focus-key': 'facts:compare' },
              'compare its runs',
            ),
            ' · ',
            h(
              'a',
              { href: jobsHash({ modelName: model.ref }), 'data-focus-key': 'facts:jobs' },
              'its jobs',
            ),
          ]
        : '—',
    ),
    item('Created', time(job.creationTime)),
    item('Finished', time(job.completionTime)),
    item('Took', duration(job.creationTime, job.completionTime) ?? '—'),
    item('Last change', time(job.lastModifiedTime)),
    item('Recommendations', number(job.recommendationCount)),
    item(
      'Benchmarks',
      number(job.benchmarkCount),
      job.failedBenchmarkCount > 0 ? `, ${number(job.failedBenchmarkCount)} failed` : '',
    ),
  );
}

function bestCards(job: Job): HTMLElement | null {
  const {
    lowestCostPerInference: cost,
    lowestModelLatency: latency,
    highestMaxInvocations: most,
  } = job.best;
  if (!cost && !latency && !most) return null;
  const where = (entry: NonNullable<typeof cost>) =>
    entry.endpointType === 'Serverless'
      ? `Serverless ${entry.memorySizeInMB ?? '?'} MB`
      : (entry.instanceType ?? 'unknown instance');
  const card = (title: string, entry: typeof cost, show: (value: number) => string) =>
    h(
      'li',
      { class: 'card' },
      h('h3', null, title),
      entry
        ? [
            h('p', { class: 'big' }, where(entry)),
            h('p', null, show(entry.value)),
            h(
              'p',
              { class: 'muted' },
              h('code', null, entry.recommendationId.split('/').pop() ?? ''),
            ),
          ]
        : h('p', { class: 'muted' }, 'unknown'),
    );
  return h(
    'section',
    { 'aria-labelledby': 'best-heading' },
    h('h2', { id: 'best-heading' }, 'Best'),
    h(
      'ul',
      { class: 'cards' },
      card(
        'Cheapest per inference',
        cost,
        (v) => `${usd(v * 1e6)} per million (${usdPerInference(v)} each)`,
      ),
      card('Lowest latency', latency, ms),
      card('Highest throughput', most, (v) => `${number(v)} invocations / min`),
    ),
  );
}

/** A list rather than a table: the reasons are paragraphs, which read badly in a narrow cell. */
function failedBenchmarksList(steps: BenchmarkStep[]): HTMLElement {
  return h(
    'ol',
    { id: 'failed-benchmarks', class: 'failures' },
    steps.map((step) =>
      h(
        'li',
        { 'data-step-index': step.stepIndex },
        h('h3', null, `Step ${step.stepIndex}: ${configuration(step)}`),
        environment(step) ? h('p', { class: 'muted' }, environment(step)) : null,
        h('p', { class: 'reason' }, step.failureReason ?? 'No reason given.'),
      ),
    ),
  );
}

function performancesTable(detail: JobDetail): HTMLElement | null {
  if (detail.endpointPerformances.length === 0) return null;
  return h(
    'section',
    { 'aria-labelledby': 'perf-heading' },
    h('h2', { id: 'perf-heading' }, 'Existing endpoints'),
    scrollRegion(
      'Existing endpoints table',
      h(
        'table',
        null,
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, 'Endpoint'),
            h('th', { scope: 'col', class: 'num' }, 'Max invocations / min'),
            h('th', { scope: 'col', class: 'num' }, 'Latency'),
          ),
        ),
        h(
          'tbody',
          null,
          detail.endpointPerformances.map((p) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, p.endpointName),
              h('td', { class: 'num' }, cell(p.maxInvocations, number)),
              h('td', { class: 'num' }, cell(p.modelLatency, ms)),
            ),
          ),
        ),
      ),
    ),
  );
}

export function jobView(
  main: HTMLElement,
  route: Route & { view: 'job' },
  context: ViewContext,
): View {
  const ref = route.job;
  const { jobName } = ref;
  let recQuery = recQueryOf(route.query);
  let job: Job | undefined;
  let requests = 0;
  let timer: number | undefined;
  /** While the job runs: the parts a refresh updates in place, instead of rebuilding the page. */
  let live:
    | {
        facts: HTMLElement;
        progress: HTMLElement;
        benchmarks: ReturnType<typeof liveBenchmarksTable>;
      }
    | undefined;
  let benchmarkRequests = 0;
  const instanceTypes = new Set<string>();

  const results = h('div', { id: 'rec-results', 'aria-busy': 'true' });
  const recCount = h('p', { id: 'rec-count', class: 'count' });
  const formError = h('p', { id: 'rec-error', class: 'error', role: 'alert', hidden: true });
  const instanceList = h('datalist', { id: 'f-instance-list' });
  const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();

  replaceChildren(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: jobsHash() }, 'Jobs'), ' › ', jobName),
    h('h1', { tabindex: -1, class: 'wrap' }, jobName),
    h('p', { 'aria-busy': 'true' }, 'Loading the job…'),
  );

  function filterForm(): HTMLElement {
    const fields = FILTER_FIELDS.map((field) => {
      const input = h('input', {
        id: `f-${field.name}`,
        name: field.name,
        type: 'text',
        inputmode: field.name === 'instanceType' ? 'text' : 'decimal',
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: field.placeholder,
        list: field.name === 'instanceType' ? 'f-instance-list' : null,
        'aria-describedby': 'rec-error',
      });
      inputs.set(field.name, input);
      return h('div', { class: 'field' }, h('label', { for: input.id }, field.label), input);
    });
    const endpointType = h(
      'select',
      { id: 'f-endpointType', name: 'endpointType' },
      h('option', { value: '' }, 'Any'),
      h('option', { value: 'RealTime' }, 'Real-time'),
      h('option', { value: 'Serverless' }, 'Serverless'),
    );
    inputs.set('endpointType', endpointType);
    const paretoOnly = h('input', { id: 'f-paretoOnly', name: 'paretoOnly', type: 'checkbox' });
    inputs.set('paretoOnly', paretoOnly);
    const form = h(
      'form',
      {
        class: 'filters',
        role: 'search',
        'aria-label': 'Filter recommendations',
        onsubmit: (event: Event) => {
          event.preventDefault();
          const next: Record<string, string> = { sortBy: recQuery.sortBy, order: recQuery.order };
          for (const [name, input] of inputs) {
            next[name] =
              input instanceof HTMLInputElement && input.type === 'checkbox'
                ? input.checked
                  ? 'true'
                  : ''
                : input.value.trim();
          }
          context.navigate(jobHash(ref, next));
        },
      },
      fields,
      instanceList,
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'f-endpointType' }, 'Endpoint type'),
        endpointType,
      ),
      h(
        'div',
        { class: 'field check' },
        paretoOnly,
        h('label', { for: 'f-paretoOnly' }, 'Pareto-optimal only'),
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit' }, 'Apply filters'),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () =>
              context.navigate(jobHash(ref, { sortBy: recQuery.sortBy, order: recQuery.order })),
          },
          'Reset',
        ),
      ),
    );
    syncForm();
    return form;
  }

  function syncForm() {
    for (const [name, input] of inputs) {
      const value = recQuery[name as RecommendationFilter];
      if (input instanceof HTMLInputElement && input.type === 'checkbox')
        input.checked = value === 'true';
      else input.value = value;
    }
  }

  function selectRecommendation(recommendationId: string) {
    const row = results.querySelector<HTMLTableRowElement>(
      `tr[data-recommendation-id="${CSS.escape(recommendationId)}"]`,
    );
    if (!row) return;
    for (const other of results.querySelectorAll('tr.selected')) other.classList.remove('selected');
    row.classList.add('selected');
    row.tabIndex = -1;
    row.focus({ preventScroll: true });
    const reduced = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    row.scrollIntoView({ block: 'center', behavior: reduced ? 'auto' : 'smooth' });
  }

  function sortHeader(column: Column): HTMLTableCellElement {
    const field = column.field;
    const attributes = { scope: 'col', class: column.numeric ? 'num' : null };
    if (!field) return h('th', attributes, column.title);
    const sortBy = (recQuery.sortBy || DEFAULT_SORT) as SortField;
    const order = recQuery.order || defaultOrder(sortBy);
    const active = sortBy === field;
    const nextOrder = active ? (order === 'asc' ? 'desc' : 'asc') : defaultOrder(field);
    return h(
      'th',
      {
        ...attributes,
        'aria-sort': active ? (order === 'asc' ? 'ascending' : 'descending') : null,
      },
      h(
        'button',
        {
          type: 'button',
          class: 'sort',
          'data-focus-key': `sort:${field}`,
          'data-sort-field': field,
          onclick: () =>
            context.navigate(jobHash(ref, { ...recQuery, sortBy: field, order: nextOrder })),
        },
        column.title,
        h(
          'span',
          { class: 'arrow', 'aria-hidden': 'true' },
          active ? (order === 'asc' ? ' ▲' : ' ▼') : ' ↕',
        ),
        active
          ? hidden(order === 'asc' ? ', sorted ascending' : ', sorted descending')
          : hidden(', sort'),
      ),
    );
  }

  function recommendationsTable(recs: Recommendation[]): HTMLElement {
    return scrollRegion(
      'Recommendations table',
      h(
        'table',
        { id: 'recommendations-table' },
        h('caption', null, 'Recommendations', hidden(' (column headers sort)')),
        h('thead', null, h('tr', null, COLUMNS.map(sortHeader))),
        h(
          'tbody',
          null,
          recs.map((rec) =>
            h(
              'tr',
              {
                'data-recommendation-id': rec.recommendationId,
                'data-pareto': String(rec.derived.paretoOptimal),
                class: rec.derived.paretoOptimal ? 'pareto' : null,
              },
              COLUMNS.map((column, index) =>
                index === 0
                  ? h('th', { scope: 'row' }, column.value(rec))
                  : h('td', { class: column.numeric ? 'num' : null }, column.value(rec)),
              ),
            ),
          ),
        ),
      ),
      { tall: true },
    );
  }

  async function loadRecommendations(): Promise<void> {
    if (!job) return;
    const request = (requests += 1);
    results.setAttribute('aria-busy', 'true');
    try {
      const api = jobApi(ref, '/recommendations');
      const query = { ...recQuery, ...api.where, limit: String(PAGE_LIMIT) };
      const { first, items, complete } = await getAllPages<RecommendationList, Recommendation>(
        api.path,
        query,
        (page) => page.recommendations,
        context.signal,
      );
      if (request !== requests) return;
      formError.hidden = true;
      for (const rec of items) if (rec.instanceType) instanceTypes.add(rec.instanceType);
      replaceChildren(
        instanceList,
        [...instanceTypes].sort().map((type) => h('option', { value: type })),
      );
      const total = job.recommendationCount;
      const shown = complete ? '' : ` (the first ${number(items.length)} are shown)`;
      recCount.textContent =
        first.matchedCount === total
          ? `All ${number(total)} recommendations${shown}.`
          : `${number(first.matchedCount)} of ${number(total)} recommendations match${shown}.`;
      const plot = scatterPlot(items, selectRecommendation);
      keepFocus(results, () =>
        replaceChildren(
          results,
          plot.element,
          plot.notPlotted.length > 0 && plot.notPlotted.length < items.length
            ? h(
                'p',
                { class: 'muted' },
                `Not in the plot (cost or latency unknown): ${plot.notPlotted.map(configuration).join('; ')}.`,
              )
            : null,
          items.length > 0
            ? recommendationsTable(items)
            : h('p', { class: 'empty' }, 'No recommendation matches.'),
        ),
      );
      results.setAttribute('aria-busy', 'false');
      announce(recCount.textContent);
    } catch (error) {
      if (isAbort(error) || request !== requests) return;
      results.setAttribute('aria-busy', 'false');
      formError.textContent = error instanceof ApiProblemError ? error.message : String(error);
      formError.hidden = false;
      replaceChildren(results);
      recCount.textContent = '';
    }
  }

  async function loadFailedBenchmarks(into: HTMLElement, current: Job): Promise<void> {
    try {
      const api = jobApi(ref, '/benchmarks');
      const { items } = await getAllPages<BenchmarkList, BenchmarkStep>(
        api.path,
        { ...api.where, limit: PAGE_LIMIT },
        (page) => page.benchmarks,
        context.signal,
      );
      const failed = items.filter((step) => step.status === 'FAILED');
      into.setAttribute('aria-busy', 'false');
      replaceChildren(
        into,
        h(
          'p',
          null,
          `${number(failed.length)} of ${number(current.benchmarkCount)} benchmark${current.benchmarkCount === 1 ? '' : 's'} failed.`,
        ),
        failed.length > 0 ? failedBenchmarksList(failed) : null,
      );
    } catch (error) {
      if (isAbort(error)) return;
      into.setAttribute('aria-busy', 'false');
      replaceChildren(into, h('p', { class: 'error', role: 'alert' }, (error as Error).message));
    }
  }

  /** The steps listed so far, into the running job's table; an older answer is dropped. */
  async function loadLiveBenchmarks(into: ReturnType<typeof liveBenchmarksTable>): Promise<void> {
    const request = (benchmarkRequests += 1);
    try {
      const api = jobApi(ref, '/benchmarks');
      const { items } = await getAllPages<BenchmarkList, BenchmarkStep>(
        api.path,
        { ...api.where, limit: PAGE_LIMIT },
        (page) => page.benchmarks,
        context.signal,
      );
      if (request === benchmarkRequests) into.update(items);
    } catch (error) {
      // The next refresh tries again; the rows shown stay.
      if (!isAbort(error)) console.warn('irwatch: reading the benchmarks failed', error);
    }
  }

  /** A newer progress of a job still running: the same page, its changing parts replaced. */
  function refreshLive(detail: JobDetail, parts: NonNullable<typeof live>) {
    job = detail.job;
    const facts2 = facts(detail.job);
    const progress2 = progressSection(detail.job);
    keepFocus(main, () => {
      parts.facts.replaceWith(facts2);
      parts.progress.replaceWith(progress2);
    });
    live = { ...parts, facts: facts2, progress: progress2 };
    void loadLiveBenchmarks(parts.benchmarks);
  }

  function render(detail: JobDetail) {
    const current = detail.job;
    job = current;
    live = undefined;
    const failed = current.status === 'FAILED';
    const benchmarks = h(
      'div',
      { id: 'benchmarks', 'aria-busy': 'true' },
      h('p', null, 'Loading benchmarks…'),
    );
    const hadFocus = main.contains(document.activeElement) && document.activeElement !== main;
    const running = !isTerminal(current.status);
    const factsList = facts(current);
    const progress = running ? progressSection(current) : null;
    const liveBenchmarks = running ? liveBenchmarksTable() : null;
    replaceChildren(
      main,
      h('p', { class: 'crumbs' }, h('a', { href: jobsHash() }, 'Jobs'), ' › ', jobName),
      h('h1', { tabindex: -1, class: 'wrap' }, jobName),
      current.jobDescription ? h('p', { class: 'lead' }, current.jobDescription) : null,
      factsList,
      running
        ? h(
            'p',
            { class: 'note' },
            `This job is ${current.status}; the page refreshes until it finishes.`,
          )
        : null,
      progress,
      liveBenchmarks?.element,
      failed || current.failureReason
        ? h(
            'section',
            { class: 'failure', 'aria-labelledby': 'failure-heading' },
            h('h2', { id: 'failure-heading' }, 'Why the job failed'),
            h('p', { id: 'failure-reason' }, current.failureReason ?? 'SageMaker gave no reason.'),
          )
        : null,
      running ? null : bestCards(current),
      current.recommendationCount > 0
        ? h(
            'section',
            { 'aria-labelledby': 'recs-heading' },
            h('h2', { id: 'recs-heading' }, 'Recommendations'),
            filterForm(),
            formError,
            recCount,
            results,
          )
        : h(
            'p',
            { class: 'empty' },
            running
              ? 'No recommendations yet: SageMaker gives them once the job completes.'
              : 'This job has no recommendations.',
          ),
      current.recommendationCount > 0 ? planPanel(ref, context) : null,
      performancesTable(detail),
      current.failedBenchmarkCount > 0 && !running
        ? h(
            'section',
            { 'aria-labelledby': 'failed-heading' },
            h('h2', { id: 'failed-heading' }, 'Failed benchmarks'),
            benchmarks,
          )
        : null,
    );
    document.title = `${jobName} · irwatch`;
    if (hadFocus) main.querySelector('h1')?.focus();
    if (current.recommendationCount > 0) void loadRecommendations();
    if (current.failedBenchmarkCount > 0 && !running)
      void loadFailedBenchmarks(benchmarks, current);
    if (progress && liveBenchmarks) {
      live = { facts: factsList, progress, benchmarks: liveBenchmarks };
      void loadLiveBenchmarks(liveBenchmarks);
    }
  }

  async function loadJob(): Promise<void> {
    try {
      const api = jobApi(ref);
      const detail = await getJson<JobDetail>(withQuery(api.path, api.where), context.signal);
      if (
        !job ||
        job.lastModifiedTime !== detail.job.lastModifiedTime ||
        job.status !== detail.job.status ||
        job.progress?.listedAt !== detail.job.progress?.listedAt
      ) {
        // Still running as before: update in place; a new status changes the page's shape.
        if (live && job?.status === detail.job.status) refreshLive(detail, live);
        else render(detail);
      }
      if (!isTerminal(detail.job.status))
        timer = window.setTimeout(() => void loadJob(), REFRESH_MS);
    } catch (error) {
      if (isAbort(error)) return;
      replaceChildren(
        main,
        h('p', { class: 'crumbs' }, h('a', { href: jobsHash() }, 'Jobs'), ' › ', jobName),
        h('h1', { tabindex: -1, class: 'wrap' }, jobName),
        h(
          'p',
          { class: 'error', role: 'alert' },
          error instanceof ApiProblemError ? error.message : String(error),
        ),
        h('p', null, h('a', { href: jobsHash() }, 'Back to the jobs')),
      );
    }
  }

  context.signal.addEventListener('abort', () => window.clearTimeout(timer));
  void loadJob();

  return {
    update(next) {
      if (next.view !== 'job' || !sameJob(next.job, ref) || !job) return false;
      recQuery = recQueryOf(next.query);
      syncForm();
      void loadRecommendations();
      return true;
    },
  };
}
