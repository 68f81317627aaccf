import {
  configurationLabel,
  type DeployableConfiguration,
} from '../shared/model/configuration-label.js';
import { h, hidden } from './dom.js';
import type { JobSummary, Recommendation } from './types.js';

/** How values read on the page. Unknown values (null) read "unknown" to screen readers. */

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const money = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumSignificantDigits: 3,
});

export const unknown = () => [h('span', { 'aria-hidden': 'true' }, '—'), hidden('unknown')];

export const number = (value: number) => grouped.format(value);
export const usd = (value: number) => money.format(value);
/** USD per inference: a few millionths of a dollar, in scientific notation. */
export const usdPerInference = (value: number) => `$${value.toExponential(2)}`;
export const ms = (value: number) => `${grouped.format(value)} ms`;
export const percent = (value: number) => `${grouped.format(value)} %`;

export function duration(from: string | null, to: string | null): string | null {
  if (!from || !to) return null;
  const seconds = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export function time(iso: string | null): Node | Node[] {
  if (!iso) return unknown();
  return h('time', { datetime: iso, title: `${iso} (UTC)` }, dateTime.format(new Date(iso)));
}

export function cell(value: number | null, show: (value: number) => string): Node | Node[] {
  return value === null ? unknown() : document.createTextNode(show(value));
}

/** What is deployed, with a serverless endpoint's concurrency: the label irwatch uses everywhere. */
export const configuration = (rec: DeployableConfiguration): string =>
  configurationLabel(rec, { concurrency: true });

export const environment = (rec: Pick<Recommendation, 'environmentParameters'>) =>
  rec.environmentParameters.map((p) => `${p.key ?? '?'}=${p.value ?? ''}`).join(' ');

/** A model package ARN reads as its last two parts (`xgboost-churn/3`); a model as its name. */
export function modelOf(job: Pick<JobSummary, 'modelName' | 'modelPackageVersionArn'>): {
  ref: string;
  label: string;
} | null {
  if (job.modelName) return { ref: job.modelName, label: job.modelName };
  const arn = job.modelPackageVersionArn;
  if (!arn) return null;
  return { ref: arn, label: arn.split(':model-package/').pop() ?? arn };
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge s-${status.toLowerCase().replace(/_/g, '-')}` }, status);
}
