import { announce, h, keepFocus, replaceChildren, scrollRegion } from './dom.js';
import { duration, modelOf, number, statusBadge, time } from './format.js';
import { ApiProblemError, getJson, isAbort, withQuery } from './http.js';
import { progressCell } from './progress-bar.js';
import { jobHash, jobRef, jobsHash, type Route, type View, type ViewContext } from './route.js';
import { isTerminal, JOB_STATUSES, type JobList, type JobSummary } from './types.js';

const REFRESH_MS = 5_000;
const PAGE_SIZES = ['5', '10', '25', '50', '100'];
const DEFAULT_PAGE_SIZE = '25';

/** The cursors of the pages before the current one, per filter set, for "Previous page". */
const earlierCursors = new Map<string, string[]>();

interface Filters {
  status: string;
  modelName: string;
  limit: string;
  cursor: string;
}

const filtersOf = (query: URLSearchParams): Filters => ({
  status: query.get('status') ?? '',
  modelName: query.get('modelName') ?? '',
  limit: PAGE_SIZES.includes(query.get('limit') ?? '')
    ? (query.get('limit') as string)
    : DEFAULT_PAGE_SIZE,
  cursor: query.get('cursor') ?? '',
});

const filterKey = (f: Filters) => JSON.stringify([f.status, f.modelName, f.limit]);

function jobRow(job: JobSummary): HTMLTableRowElement {
  const model = modelOf(job);
  return h(
    'tr',
    {
      'data-job-name': job.jobName,
      'data-account-id': job.accountId,
      'data-region': job.region,
      'data-status': job.status,
    },
    h(
      'th',
      { scope: 'row' },
      h('a', { href: jobHash(job), 'data-focus-key': `job:${jobRef(job)}` }, job.jobName),
    ),
    h('td', null, job.accountId),
    h('td', null, job.region),
    h(
      'td',
      { class: isTerminal(job.status) ? null : 'running' },
      statusBadge(job.status),
      isTerminal(job.status) ? null : progressCell(job),
    ),
    h(
      'td',
      { class: 'wrap' },
      model
        ? h(
            'a',
            {
              href: jobsHash({ modelName: model.ref }),
              title: `Only the jobs of ${model.ref}`,
              'data-focus-key': `model:${jobRef(job)}`,
            },
            model.label,
          )
        : '—',
    ),
    h('td', null, job.jobType ?? '—'),
    h('td', null, time(job.creationTime)),
    h('td', null, time(job.completionTime)),
    h('td', null, duration(job.creationTime, job.completionTime) ?? '—'),
    h('td', { class: 'num' }, number(job.recommendationCount)),
    h(
      'td',
      { class: 'num' },
      number(job.benchmarkCount),
      job.failedBenchmarkCount > 0
        ? h('span', { class: 'failed-count' }, ` (${number(job.failedBenchmarkCount)} failed)`)
        : '',
    ),
  );
}

function jobsTable(jobs: JobSummary[], sortedBy: string): HTMLElement {
  return scrollRegion(
    'Jobs table',
    h(
      'table',
      { id: 'jobs-table' },
      h(
        'caption',
        null,
        `Jobs, newest ${sortedBy === 'creationTime' ? 'created' : 'changed'} first`,
      ),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          [
            'Job',
            'Account',
            'Region',
            'Status',
            'Model',
            'Type',
            'Created',
            'Finished',
            'Took',
          ].map((title) => h('th', { scope: 'col' }, title)),
          h('th', { scope: 'col', class: 'num' }, 'Recommendations'),
          h('th', { scope: 'col', class: 'num' }, 'Benchmarks'),
        ),
      ),
      h('tbody', null, jobs.map(jobRow)),
    ),
  );
}

export function jobsView(main: HTMLElement, route: Route, context: ViewContext): View {
  let filters = filtersOf(route.query);
  let timer: number | undefined;
  let lastBody = '';
  let autoRefresh = true;
  let requests = 0;
  const results = h(
    'div',
    { id: 'jobs-results', 'aria-busy': 'true' },
    h('p', null, 'Loading jobs…'),
  );
  const updated = h('span', { class: 'muted' });

  const status = h(
    'select',
    { id: 'f-status', name: 'status' },
    h('option', { value: '' }, 'Any status'),
    JOB_STATUSES.map((s) => h('option', { value: s }, s)),
  );
  const model = h('input', {
    id: 'f-model',
    name: 'modelName',
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'name or model package ARN',
    list: 'f-model-list',
  });
  const modelList = h('datalist', { id: 'f-model-list' });
  const limit = h(
    'select',
    { id: 'f-limit', name: 'limit' },
    PAGE_SIZES.map((size) => h('option', { value: size }, size)),
  );
  const syncForm = () => {
    status.value = filters.status;
    model.value = filters.modelName;
    limit.value = filters.limit;
  };
  syncForm();

  const submit = (event: Event) => {
    event.preventDefault();
    context.navigate(
      jobsHash({
        status: status.value,
        modelName: model.value.trim(),
        limit: limit.value === DEFAULT_PAGE_SIZE ? '' : limit.value,
      }),
    );
  };
  const refreshToggle = h('input', {
    id: 'f-refresh',
    type: 'checkbox',
    checked: true,
    onchange: (event: Event) => {
      autoRefresh = (event.target as HTMLInputElement).checked;
      schedule();
    },
  });

  replaceChildren(
    main,
    h('h1', { tabindex: -1 }, 'Inference Recommender jobs'),
    h(
      'p',
      { class: 'lead' },
      'Every job irwatch has recorded. Open a job to see what each configuration costs against how fast it answers.',
    ),
    h(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filter jobs', onsubmit: submit },
      h('div', { class: 'field' }, h('label', { for: 'f-status' }, 'Status'), status),
      h('div', { class: 'field wide' }, h('label', { for: 'f-model' }, 'Model'), model, modelList),
      h('div', { class: 'field' }, h('label', { for: 'f-limit' }, 'Jobs per page'), limit),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit' }, 'Apply'),
        h(
          'button',
          { type: 'button', class: 'secondary', onclick: () => context.navigate(jobsHash()) },
          'Clear',
        ),
      ),
    ),
    h(
      'p',
      { class: 'refresh' },
      refreshToggle,
      h('label', { for: 'f-refresh' }, `Refresh every ${REFRESH_MS / 1000} seconds`),
      ' ',
      updated,
    ),
    results,
  );

  function pager(list: JobList): HTMLElement | null {
    const key = filterKey(filters);
    const earlier = earlierCursors.get(key) ?? [];
    const previous = earlier.length > 0 ? earlier[earlier.length - 1] : undefined;
    const base = {
      status: filters.status,
      modelName: filters.modelName,
      limit: filters.limit === DEFAULT_PAGE_SIZE ? '' : filters.limit,
    };
    if (!list.nextCursor && !filters.cursor) return null;
    return h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages of jobs' },
      filters.cursor
        ? h(
            'a',
            {
              class: 'button secondary',
              href: jobsHash({ ...base, cursor: previous ?? '' }),
              'data-focus-key': 'pager:previous',
            },
            previous !== undefined ? '← Previous page' : '← First page',
          )
        : null,
      list.nextCursor
        ? h(
            'a',
            {
              class: 'button secondary',
              href: jobsHash({ ...base, cursor: list.nextCursor }),
              'data-focus-key': 'pager:next',
              onclick: () => earlierCursors.set(key, [...earlier, filters.cursor]),
            },
            'Next page →',
          )
        : null,
    );
  }

  function render(list: JobList) {
    results.setAttribute('aria-busy', 'false');
    const models = new Map<string, string>();
    for (const job of list.jobs) {
      const ref = modelOf(job);
      if (ref) models.set(ref.ref, ref.label);
    }
    for (const option of modelList.querySelectorAll('option'))
      models.set(option.value, option.label);
    replaceChildren(
      modelList,
      [...models].map(([ref, label]) => h('option', { value: ref, label })),
    );
    const filtered = filters.status || filters.modelName;
    keepFocus(results, () =>
      replaceChildren(
        results,
        list.jobs.length === 0
          ? h(
              'p',
              { class: 'empty' },
              filtered
                ? 'No job matches these filters.'
                : 'No job recorded yet. irwatch records a job as soon as the detector sees it.',
            )
          : [
              h(
                'p',
                { class: 'count' },
                `${list.jobs.length} job${list.jobs.length === 1 ? '' : 's'} on this page.`,
              ),
              jobsTable(list.jobs, list.sortedBy),
            ],
        pager(list),
      ),
    );
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  }

  function schedule() {
    window.clearTimeout(timer);
    if (!autoRefresh || context.signal.aborted) return;
    // A tab in the background asks nothing of the API; it catches up when shown again.
    timer = window.setTimeout(() => (document.hidden ? schedule() : void load()), REFRESH_MS);
  }

  async function load(): Promise<void> {
    const earlier = earlierCursors.get(filterKey(filters)) ?? [];
    const at = earlier.indexOf(filters.cursor);
    // Back to a page seen before (the browser's back button): forget the pages after it.
    if (at !== -1) earlierCursors.set(filterKey(filters), earlier.slice(0, at));
    const request = (requests += 1);
    try {
      const list = await getJson<JobList>(
        withQuery('jobs', {
          status: filters.status,
          modelName: filters.modelName,
          limit: filters.limit,
          cursor: filters.cursor,
        }),
        context.signal,
      );
      // An answer overtaken by a newer request (filters changed meanwhile) is dropped.
      if (request !== requests) return;
      const body = JSON.stringify(list);
      if (body !== lastBody) {
        const first = lastBody === '';
        lastBody = body;
        render(list);
        if (!first) announce('The jobs list changed.');
      } else {
        updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
      }
    } catch (error) {
      if (isAbort(error) || request !== requests) return;
      results.setAttribute('aria-busy', 'false');
      replaceChildren(
        results,
        h(
          'p',
          { class: 'error', role: 'alert' },
          error instanceof ApiProblemError ? error.message : String(error),
        ),
      );
      lastBody = '';
    }
    schedule();
  }

  context.signal.addEventListener('abort', () => window.clearTimeout(timer));
  void load();

  return {
    update(next) {
      if (next.view !== 'jobs') return false;
      filters = filtersOf(next.query);
      syncForm();
      lastBody = '';
      results.setAttribute('aria-busy', 'true');
      window.clearTimeout(timer);
      void load();
      return true;
    },
  };
}
