import type { z } from 'zod';
import type { jobPlanSchema } from '../functions/api/responses.js';
import { announce, h, replaceChildren, scrollRegion, svg, type Child } from './dom.js';
import { cell, ms, number, usd } from './format.js';
import { ApiProblemError, getJson, isAbort, withQuery } from './http.js';
import type { JobLocation, ViewContext } from './route.js';

/**
 * The capacity plan of a job: traffic in (peak, baseline, hours of peak a day, latency target),
 * the API's configurations ranked by monthly cost out, as a table and as monthly cost plotted
 * against latency.
 */

type JobPlan = z.infer<typeof jobPlanSchema>;
type PlanEntry = JobPlan['entries'][number];

const FIELDS = [
  { name: 'peakInvocationsPerMinute', label: 'Peak invocations / min', placeholder: 'e.g. 250' },
  {
    name: 'baselineInvocationsPerMinute',
    label: 'Baseline invocations / min',
    placeholder: 'the peak',
  },
  { name: 'peakHoursPerDay', label: 'Peak hours a day', placeholder: '24' },
  { name: 'maxModelLatency', label: 'Latency target (ms)', placeholder: 'none' },
] as const;

const LATENCY_WORDS: Record<PlanEntry['latency'], string> = {
  met: 'Within target',
  exceeded: 'Over target',
  unknown: 'Unknown',
  notAsked: '—',
};

/** Monthly figures to the cent, as a bill reads (the page's usd keeps 3 significant digits). */
const cents = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const dollars = (value: number) => cents.format(value);

const configurationOf = (entry: PlanEntry) =>
  entry.endpointType === 'Serverless'
    ? `Serverless ${entry.serverless?.memorySizeInMB ?? '?'} MB`
    : (entry.instanceType ?? 'unknown instance');

function planTable(plan: JobPlan): HTMLElement {
  const saving = plan.savingsAgainst !== null;
  const header = [
    '#',
    'Configuration',
    'At peak',
    'At baseline',
    '$ per month',
    '$ per million',
    'Latency',
    'Target',
    'Why not',
    ...(saving ? [`Saving / month vs ${plan.savingsAgainst}`] : []),
  ];
  return scrollRegion(
    'Capacity plan table',
    h(
      'table',
      { id: 'plan-table' },
      h('caption', null, 'Configurations by monthly cost'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          header.map((title, index) =>
            h(
              'th',
              { scope: 'col', class: (index >= 2 && index <= 6) || index === 9 ? 'num' : null },
              title,
            ),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        plan.entries.map((entry) =>
          h(
            'tr',
            {
              'data-recommendation-id': entry.recommendationId,
              'data-latency': entry.latency,
              'data-servable': String(entry.servable),
            },
            h('td', null, String(entry.rank)),
            h('th', { scope: 'row' }, configurationOf(entry)),
            h('td', { class: 'num' }, cell(entry.instancesAtPeak, number)),
            h('td', { class: 'num' }, cell(entry.instancesAtBaseline, number)),
            h('td', { class: 'num' }, cell(entry.monthlyCost, dollars)),
            h('td', { class: 'num' }, cell(entry.costPerMillionInferences, dollars)),
            h('td', { class: 'num' }, cell(entry.modelLatency, ms)),
            h('td', null, LATENCY_WORDS[entry.latency]),
            h('td', null, entry.reason ?? ''),
            saving ? h('td', { class: 'num' }, cell(entry.monthlySaving, dollars)) : null,
          ),
        ),
      ),
    ),
  );
}

/** The endpoints the job benchmarked, planned at the same traffic: what today costs. */
function existingTable(plan: JobPlan): HTMLElement | null {
  if (plan.existingEndpoints.length === 0) return null;
  return scrollRegion(
    'Existing endpoints',
    h(
      'table',
      { id: 'plan-existing' },
      h('caption', null, 'Today: the endpoints the job benchmarked, at the same traffic'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          [
            'Endpoint',
            'Now',
            'At peak',
            'At baseline',
            '$ per month',
            'Latency',
            'Why unknown',
          ].map((title, index) =>
            h('th', { scope: 'col', class: index >= 2 && index <= 5 ? 'num' : null }, title),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        plan.existingEndpoints.map((endpoint) =>
          h(
            'tr',
            { 'data-endpoint': endpoint.endpointName, 'data-found': String(endpoint.found) },
            h('th', { scope: 'row' }, endpoint.endpointName),
            h(
              'td',
              null,
              endpoint.instanceType === null
                ? 'unknown'
                : `${endpoint.instanceType} × ${endpoint.instanceCount ?? '?'}`,
            ),
            h('td', { class: 'num' }, cell(endpoint.instancesAtPeak, number)),
            h('td', { class: 'num' }, cell(endpoint.instancesAtBaseline, number)),
            h('td', { class: 'num' }, cell(endpoint.monthlyCost, dollars)),
            h('td', { class: 'num' }, cell(endpoint.modelLatency, ms)),
            h('td', null, endpoint.reason ?? ''),
          ),
        ),
      ),
    ),
  );
}

/** irwatch's scaling of the first-ranked real-time entry next to SageMaker's (source=sagemaker). */
function sideBySideTable(side: NonNullable<JobPlan['sagemaker']>): HTMLElement {
  const { minInvocationsPerMinute: min, maxInvocationsPerMinute: max } =
    side.scalingPolicyObjective;
  const cpu = side.sagemaker.targetCpuUtilizationPerCore;
  const row = (
    who: string,
    figures: { minCapacity: number | null; maxCapacity: number | null; targetValue: number | null },
    cooldowns: string,
  ) =>
    h(
      'tr',
      null,
      h('th', { scope: 'row' }, who),
      h('td', { class: 'num' }, cell(figures.minCapacity, number)),
      h('td', { class: 'num' }, cell(figures.maxCapacity, number)),
      h('td', { class: 'num' }, cell(figures.targetValue, number)),
      h('td', null, cooldowns),
    );
  const seconds = (value: number | null) => (value === null ? '—' : `${value} s`);
  return scrollRegion(
    'Scaling policies side by side',
    h(
      'table',
      { id: 'plan-sagemaker' },
      h(
        'caption',
        null,
        `Scaling of #${side.rank} at ${min} to ${max} invocations / min: irwatch and SageMaker’s GetScalingConfigurationRecommendation`,
      ),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Policy', 'Min', 'Max', 'Invocations / instance', 'Cooldown in / out'].map(
            (title, index) =>
              h('th', { scope: 'col', class: index >= 1 && index <= 3 ? 'num' : null }, title),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        row('irwatch', side.irwatch, '—'),
        row(
          cpu === null ? 'SageMaker' : `SageMaker (${cpu}% CPU per core)`,
          side.sagemaker,
          `${seconds(side.sagemaker.scaleInCooldown)} / ${seconds(side.sagemaker.scaleOutCooldown)}`,
        ),
      ),
    ),
  );
}

const WIDTH = 560;
const HEIGHT = 260;
const MARGIN = { top: 12, right: 16, bottom: 44, left: 64 };

/** Monthly cost (x) against latency (y), one point per configuration that can serve the traffic. */
function costLatencyPlot(plan: JobPlan, target: number | null): Child {
  const points = plan.entries.filter(
    (entry): entry is PlanEntry & { monthlyCost: number; modelLatency: number } =>
      entry.monthlyCost !== null && entry.modelLatency !== null,
  );
  if (points.length === 0) return null;
  const costs = points.map((point) => point.monthlyCost);
  const latencies = [...points.map((point) => point.modelLatency), ...(target ? [target] : [])];
  const span = (values: number[]): [number, number] => {
    const hi = Math.max(...values);
    return [0, hi > 0 ? hi * 1.08 : 1];
  };
  const [, costHi] = span(costs);
  const [, latencyHi] = span(latencies);
  const x = (value: number) =>
    MARGIN.left + (value / costHi) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (value: number) =>
    HEIGHT - MARGIN.bottom - (value / latencyHi) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const ticks = (hi: number) => [0, hi / 2, hi].map((value) => Number(value.toPrecision(2)));
  return h(
    'figure',
    { class: 'plan-plot' },
    svg(
      'svg',
      {
        id: 'plan-plot',
        viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
        role: 'img',
        'aria-label': `Monthly cost against latency for ${points.length} configurations`,
      },
      svg('line', {
        x1: MARGIN.left,
        y1: HEIGHT - MARGIN.bottom,
        x2: WIDTH - MARGIN.right,
        y2: HEIGHT - MARGIN.bottom,
        class: 'axis',
      }),
      svg('line', {
        x1: MARGIN.left,
        y1: MARGIN.top,
        x2: MARGIN.left,
        y2: HEIGHT - MARGIN.bottom,
        class: 'axis',
      }),
      ticks(costHi / 1.08).map((value) =>
        svg(
          'text',
          { x: x(value), y: HEIGHT - MARGIN.bottom + 16, 'text-anchor': 'middle', class: 'tick' },
          usd(value),
        ),
      ),
      ticks(latencyHi / 1.08).map((value) =>
        svg(
          'text',
          { x: MARGIN.left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'tick' },
          ms(value),
        ),
      ),
      svg(
        'text',
        { x: (WIDTH + MARGIN.left) / 2, y: HEIGHT - 6, 'text-anchor': 'middle', class: 'label' },
        '$ per month at this traffic',
      ),
      target
        ? svg('line', {
            id: 'plan-target',
            x1: MARGIN.left,
            x2: WIDTH - MARGIN.right,
            y1: y(target),
            y2: y(target),
            class: 'target',
          })
        : null,
      points.map((point) =>
        svg(
          'circle',
          {
            cx: x(point.monthlyCost),
            cy: y(point.modelLatency),
            r: 6,
            class: `point ${point.latency === 'exceeded' ? 'over' : point.endpointType === 'Serverless' ? 'serverless' : 'realtime'}`,
            'data-recommendation-id': point.recommendationId,
          },
          svg(
            'title',
            null,
            `${configurationOf(point)}: ${dollars(point.monthlyCost)} a month, ${ms(point.modelLatency)}`,
          ),
        ),
      ),
    ),
    h(
      'figcaption',
      { class: 'muted' },
      'Each configuration that can serve the traffic, by monthly cost and measured latency',
      target ? '; the line is the latency target.' : '.',
    ),
  );
}

/** The plan section of a job's page. */
export function planPanel(job: JobLocation, context: ViewContext): HTMLElement {
  const inputs = new Map<string, HTMLInputElement>();
  const error = h('p', { id: 'plan-error', class: 'error', role: 'alert', hidden: true });
  const results = h('div', { id: 'plan-results', 'aria-live': 'polite' });
  let requests = 0;
  const askSageMaker = h('input', { id: 'plan-source', name: 'source', type: 'checkbox' });

  async function load(): Promise<void> {
    const request = (requests += 1);
    const query: Record<string, string> = {
      ...(job.accountId ? { accountId: job.accountId } : {}),
    };
    if (job.region) query.region = job.region;
    for (const [name, input] of inputs) query[name] = input.value.trim();
    if (askSageMaker.checked) query.source = 'sagemaker';
    results.setAttribute('aria-busy', 'true');
    try {
      const plan = await getJson<JobPlan>(
        withQuery(`jobs/${encodeURIComponent(job.jobName)}/plan`, query),
        context.signal,
      );
      if (request !== requests) return;
      error.hidden = true;
      const target = plan.objective.maxModelLatency;
      const summary = `${number(Math.round(plan.inferencesPerMonth))} inferences in a ${plan.hoursPerMonth}-hour month; ${plan.entries.length} configurations ranked.`;
      replaceChildren(
        results,
        h('p', { id: 'plan-summary', class: 'count' }, summary),
        costLatencyPlot(plan, target),
        planTable(plan),
        existingTable(plan),
        plan.sagemaker ? sideBySideTable(plan.sagemaker) : null,
        h(
          'details',
          { class: 'assumptions' },
          h('summary', null, 'Assumptions'),
          h(
            'ul',
            { id: 'plan-assumptions' },
            plan.assumptions.map((text) => h('li', null, text)),
          ),
        ),
      );
      announce(summary);
    } catch (failure) {
      if (isAbort(failure) || request !== requests) return;
      error.textContent = failure instanceof ApiProblemError ? failure.message : String(failure);
      error.hidden = false;
      replaceChildren(results);
    } finally {
      if (request === requests) results.setAttribute('aria-busy', 'false');
    }
  }

  const form = h(
    'form',
    {
      id: 'plan-form',
      class: 'filters',
      'aria-label': 'Traffic to plan for',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void load();
      },
    },
    FIELDS.map((field) => {
      const input = h('input', {
        id: `plan-${field.name}`,
        name: field.name,
        type: 'text',
        inputmode: 'decimal',
        autocomplete: 'off',
        placeholder: field.placeholder,
        'aria-describedby': 'plan-error',
      });
      inputs.set(field.name, input);
      return h('div', { class: 'field' }, h('label', { for: input.id }, field.label), input);
    }),
    h(
      'div',
      { class: 'field' },
      h('label', { for: askSageMaker.id }, askSageMaker, ' Ask SageMaker too'),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Plan')),
  );

  return h(
    'section',
    { 'aria-labelledby': 'plan-heading' },
    h('h2', { id: 'plan-heading' }, 'Capacity plan'),
    h(
      'p',
      { class: 'muted' },
      'What each configuration needs and costs a month at your traffic, with scaling between the baseline and the peak.',
    ),
    form,
    error,
    results,
  );
}
