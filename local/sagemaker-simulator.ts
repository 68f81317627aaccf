import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  ListInferenceRecommendationsJobsSortBy,
  RecommendationJobStatus,
  RecommendationStepType,
  SortOrder,
} from '@aws-sdk/client-sagemaker';
import { listen as listenHttp, readBody, send } from './http-server.js';
import type { Gate } from './iam/gate.js';
import type { LocalServer } from './http-server.js';

export type JobStatus = RecommendationJobStatus;
export type WireObject = Record<string, unknown>;

export interface TimelineEntry {
  status: JobStatus;
  /** Epoch milliseconds. */
  at: number;
}

export interface SimulatedJob {
  /** The final DescribeInferenceRecommendationsJob response, in wire JSON. */
  describe: WireObject;
  /** Every ListInferenceRecommendationsJobSteps step, in wire JSON. */
  steps?: WireObject[];
  /** Without a timeline the job is always exactly as described. */
  timeline?: TimelineEntry[];
}

/** 'unavailable' is a 503, the other flavour of server-side failure AWS returns. */
export type FaultKind = 'throttle' | 'server-error' | 'unavailable';

export interface FaultCall {
  operation: string;
  /** Counts every request the simulator received, from 0, faulted or not. */
  index: number;
  input: WireObject;
}

export type FaultPlan = (call: FaultCall) => FaultKind | undefined;

export interface SimulatorCall {
  operation: string;
  input: WireObject;
  fault?: FaultKind;
}

export interface SageMakerSimulatorOptions {
  /** Simulated clock, epoch milliseconds. Defaults to the wall clock. */
  now?: () => number;
  faults?: FaultPlan;
}

export interface SageMakerSimulator {
  readonly calls: SimulatorCall[];
  /** Adds a job, replacing any job of the same name. */
  addJob(job: SimulatedJob): void;
  removeJob(name: string): boolean;
  setNow(now: () => number): void;
  setFaults(plan: FaultPlan | undefined): void;
  jobNames(): string[];
  /** The describe response for `name` at the current simulated time, or undefined if not visible. */
  describeJob(name: string): WireObject | undefined;
  /** The raw request handler, for mounting the simulator in another server. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** With a gate, every request is checked (callers, signature, IAM) before it is served. */
  listen(port?: number, gate?: Gate): Promise<LocalServer>;
}

const TERMINAL: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'STOPPED']);
const STATUSES: readonly string[] = Object.values(RecommendationJobStatus);
const SORT_BY: readonly string[] = Object.values(ListInferenceRecommendationsJobsSortBy);
const SORT_ORDERS: readonly string[] = Object.values(SortOrder);
const STEP_TYPES: readonly string[] = Object.values(RecommendationStepType);
const JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}$/;
const TIMESTAMP_KEYS: ReadonlySet<string> = new Set([
  'CreationTime',
  'LastModifiedTime',
  'CompletionTime',
  'InvocationStartTime',
  'InvocationEndTime',
]);

class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function isRecord(value: unknown): value is WireObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTerminal(status: unknown): boolean {
  return typeof status === 'string' && TERMINAL.has(status);
}

function seconds(ms: number): number {
  return ms / 1000;
}

/** Wire timestamps are epoch seconds; ISO strings are accepted so hand-written fixtures stay easy. */
function wireTimeToMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string' && value !== '') {
    const asNumber = Number(value);
    if (Number.isFinite(asNumber)) return asNumber * 1000;
    const parsed = Date.parse(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  return undefined;
}

/**
 * JSON.stringify would turn a JS NaN/Infinity into null; AWS JSON protocols send them as strings,
 * and the SDK only turns the strings back into numbers.
 */
function toWireJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    }
    return v;
  });
}

function jobNameOf(job: SimulatedJob): string {
  const name = job.describe.JobName;
  if (typeof name !== 'string' || name === '') {
    throw new Error('SimulatedJob.describe.JobName must be a non-empty string');
  }
  return name;
}

/** The job as it stands at `nowMs`, or undefined when its timeline has not started yet. */
export function jobAt(job: SimulatedJob, nowMs: number): WireObject | undefined {
  if (!job.timeline || job.timeline.length === 0) return job.describe;
  const timeline = [...job.timeline].sort((a, b) => a.at - b.at);
  const first = timeline[0];
  if (!first || first.at > nowMs) return undefined;
  let current = first;
  for (const entry of timeline) if (entry.at <= nowMs) current = entry;

  const view: WireObject = { ...job.describe };
  view.Status = current.status;
  view.CreationTime = seconds(first.at);
  view.LastModifiedTime = seconds(current.at);
  if (isTerminal(current.status)) {
    view.CompletionTime = seconds(current.at);
    // Real FAILED jobs always say why; pollers key their notifications on it.
    if (current.status === 'FAILED' && typeof view.FailureReason !== 'string') {
      view.FailureReason = 'Simulated failure';
    }
  } else {
    delete view.CompletionTime;
    delete view.FailureReason;
    delete view.InferenceRecommendations;
    delete view.EndpointPerformances;
  }
  return view;
}

function stepVisible(step: WireObject, terminal: boolean, nowMs: number): boolean {
  if (terminal) return true;
  const benchmark = step.InferenceBenchmark;
  const end = isRecord(benchmark) ? wireTimeToMs(benchmark.InvocationEndTime) : undefined;
  return end !== undefined && end <= nowMs;
}

function summaryOf(view: WireObject): WireObject {
  const input = isRecord(view.InputConfig) ? view.InputConfig : {};
  const container = isRecord(input.ContainerConfig) ? input.ContainerConfig : {};
  const payload = isRecord(container.PayloadConfig) ? container.PayloadConfig : {};
  const summary: WireObject = {
    JobName: view.JobName,
    JobDescription: view.JobDescription,
    JobType: view.JobType,
    JobArn: view.JobArn,
    Status: view.Status,
    CreationTime: view.CreationTime,
    CompletionTime: view.CompletionTime,
    RoleArn: view.RoleArn,
    LastModifiedTime: view.LastModifiedTime,
    FailureReason: view.FailureReason,
    ModelName: input.ModelName,
    SamplePayloadUrl: payload.SamplePayloadUrl,
    ModelPackageVersionArn: input.ModelPackageVersionArn,
  };
  for (const key of Object.keys(summary)) if (summary[key] === undefined) delete summary[key];
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Request validation, phrased like the Coral validation errors SageMaker returns.

class Validator {
  private readonly problems: string[] = [];

  constructor(private readonly input: WireObject) {}

  private fail(field: string, value: unknown, constraint: string): void {
    this.problems.push(
      `Value '${String(value)}' at '${field[0]?.toLowerCase()}${field.slice(1)}' failed to satisfy constraint: ${constraint}`,
    );
  }

  string(field: string, opts: { required?: boolean; max?: number; pattern?: RegExp } = {}) {
    const value = this.input[field];
    if (value === undefined || value === null) {
      if (opts.required) this.fail(field, null, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'string') throw serialization(field);
    if (opts.max !== undefined && value.length > opts.max) {
      this.fail(field, value, `Member must have length less than or equal to ${opts.max}`);
    } else if (opts.pattern && !opts.pattern.test(value)) {
      this.fail(
        field,
        value,
        `Member must satisfy regular expression pattern: ${opts.pattern.source}`,
      );
    }
    return value;
  }

  enumValue(field: string, allowed: readonly string[]): string | undefined {
    const value = this.string(field);
    if (value !== undefined && !allowed.includes(value)) {
      this.fail(field, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
    }
    return value;
  }

  integer(field: string, min: number, max: number): number | undefined {
    const value = this.input[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(field);
    if (value < min)
      this.fail(field, value, `Member must have value greater than or equal to ${min}`);
    else if (value > max)
      this.fail(field, value, `Member must have value less than or equal to ${max}`);
    return value;
  }

  /** Timestamp filter, returned in epoch seconds. */
  timestamp(field: string): number | undefined {
    const value = this.input[field];
    if (value === undefined || value === null) return undefined;
    const ms = wireTimeToMs(value);
    if (ms === undefined) throw serialization(field);
    return seconds(ms);
  }

  done(): void {
    if (this.problems.length === 0) return;
    const count = this.problems.length;
    throw new ServiceError(
      400,
      'ValidationException',
      `${count} validation error${count === 1 ? '' : 's'} detected: ${this.problems.join('; ')}`,
    );
  }
}

function serialization(field: string): ServiceError {
  return new ServiceError(400, 'SerializationException', `Unexpected value type for ${field}`);
}

function validation(message: string): ServiceError {
  return new ServiceError(400, 'ValidationException', message);
}

// ---------------------------------------------------------------------------------------------
// Pagination tokens are opaque to callers but carry a fingerprint of the query they belong to,
// so a token replayed against a different query is rejected like the real service does.

interface JobsToken {
  q: string;
  /** Sort key of the last job returned: keyset pagination keeps pages stable while time moves. */
  k: [string | number, string];
}

interface StepsToken {
  q: string;
  /** Index into the job's full step list where the next page starts. */
  i: number;
}

function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

function encodeToken(token: JobsToken | StepsToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(raw: string, query: string): WireObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!isRecord(parsed) || parsed.q !== query) {
    throw validation(
      'Invalid pagination token: the NextToken is malformed or belongs to another query.',
    );
  }
  return parsed;
}

type SortKey = string | number;

function sortKey(summary: WireObject, sortBy: string): SortKey {
  if (sortBy === 'Name') return String(summary.JobName);
  if (sortBy === 'Status') return String(summary.Status);
  return wireTimeToMs(summary.CreationTime) ?? 0;
}

function compareKeys(a: [SortKey, string], b: [SortKey, string]): number {
  const [ak, an] = a;
  const [bk, bn] = b;
  if (ak !== bk) {
    if (typeof ak === 'number' && typeof bk === 'number') return ak - bk;
    return String(ak) < String(bk) ? -1 : 1;
  }
  return an < bn ? -1 : an > bn ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------

export function createSageMakerSimulator(
  options: SageMakerSimulatorOptions = {},
): SageMakerSimulator {
  const jobs = new Map<string, SimulatedJob>();
  const calls: SimulatorCall[] = [];
  let now = options.now ?? (() => Date.now());
  let faults = options.faults;
  let callIndex = 0;

  function visible(name: string): { job: SimulatedJob; view: WireObject } | undefined {
    const job = jobs.get(name);
    if (!job) return undefined;
    const view = jobAt(job, now());
    return view ? { job, view } : undefined;
  }

  function describe(input: WireObject): WireObject {
    const v = new Validator(input);
    const name = v.string('JobName', { required: true, max: 64, pattern: JOB_NAME });
    v.done();
    const found = name === undefined ? undefined : visible(name);
    if (!found) {
      throw new ServiceError(
        400,
        'ResourceNotFound',
        `Could not find requested job with name ${name}`,
      );
    }
    return found.view;
  }

  function listJobs(input: WireObject): WireObject {
    const v = new Validator(input);
    const creationAfter = v.timestamp('CreationTimeAfter');
    const creationBefore = v.timestamp('CreationTimeBefore');
    const modifiedAfter = v.timestamp('LastModifiedTimeAfter');
    const modifiedBefore = v.timestamp('LastModifiedTimeBefore');
    const nameContains = v.string('NameContains', { max: 63, pattern: /^[a-zA-Z0-9-]+$/ });
    const statusEquals = v.enumValue('StatusEquals', STATUSES);
    const sortBy = v.enumValue('SortBy', SORT_BY) ?? 'CreationTime';
    const sortOrder = v.enumValue('SortOrder', SORT_ORDERS) ?? 'Descending';
    const maxResults = v.integer('MaxResults', 1, 100) ?? 100;
    const modelName = v.string('ModelNameEquals', { max: 63 });
    const packageArn = v.string('ModelPackageVersionArnEquals', { max: 2048 });
    const nextToken = v.string('NextToken', { max: 8192 });
    v.done();

    const query = fingerprint([
      'jobs',
      creationAfter,
      creationBefore,
      modifiedAfter,
      modifiedBefore,
      nameContains,
      statusEquals,
      sortBy,
      sortOrder,
      modelName,
      packageArn,
    ]);
    let after: [SortKey, string] | undefined;
    if (nextToken !== undefined) {
      const token = decodeToken(nextToken, query);
      const k = token.k;
      if (
        !Array.isArray(k) ||
        (typeof k[0] !== 'string' && typeof k[0] !== 'number') ||
        typeof k[1] !== 'string'
      ) {
        throw validation('Invalid pagination token: the NextToken is malformed.');
      }
      after = [k[0], k[1]];
    }

    const needle = nameContains?.toLowerCase();
    const t = now();
    const direction = sortOrder === 'Ascending' ? 1 : -1;
    const matching: Array<{ summary: WireObject; key: [SortKey, string] }> = [];
    for (const job of jobs.values()) {
      const view = jobAt(job, t);
      if (!view) continue;
      const summary = summaryOf(view);
      const created = Number(summary.CreationTime);
      const modified = Number(summary.LastModifiedTime);
      if (creationAfter !== undefined && !(created > creationAfter)) continue;
      if (creationBefore !== undefined && !(created < creationBefore)) continue;
      if (modifiedAfter !== undefined && !(modified > modifiedAfter)) continue;
      if (modifiedBefore !== undefined && !(modified < modifiedBefore)) continue;
      if (needle !== undefined && !String(summary.JobName).toLowerCase().includes(needle)) continue;
      if (statusEquals !== undefined && summary.Status !== statusEquals) continue;
      if (modelName !== undefined && summary.ModelName !== modelName) continue;
      if (packageArn !== undefined && summary.ModelPackageVersionArn !== packageArn) continue;
      const key: [SortKey, string] = [sortKey(summary, sortBy), String(summary.JobName)];
      if (after && direction * compareKeys(key, after) <= 0) continue;
      matching.push({ summary, key });
    }
    matching.sort((a, b) => direction * compareKeys(a.key, b.key));

    const page = matching.slice(0, maxResults);
    const result: WireObject = { InferenceRecommendationsJobs: page.map((m) => m.summary) };
    const last = page[page.length - 1];
    if (matching.length > maxResults && last) {
      result.NextToken = encodeToken({ q: query, k: last.key });
    }
    return result;
  }

  function listSteps(input: WireObject): WireObject {
    const v = new Validator(input);
    const name = v.string('JobName', { required: true, max: 64, pattern: JOB_NAME });
    const status = v.enumValue('Status', STATUSES);
    const stepType = v.enumValue('StepType', STEP_TYPES);
    const maxResults = v.integer('MaxResults', 1, 100) ?? 50;
    const nextToken = v.string('NextToken', { max: 8192 });
    v.done();

    const query = fingerprint(['steps', name, status, stepType]);
    let start = 0;
    if (nextToken !== undefined) {
      const i = decodeToken(nextToken, query).i;
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0) {
        throw validation('Invalid pagination token: the NextToken is malformed.');
      }
      start = i;
    }

    // The API documents no error for an unknown job here, so an unknown job simply has no steps.
    const found = name === undefined ? undefined : visible(name);
    const all = found?.job.steps ?? [];
    const terminal = found ? isTerminal(found.view.Status) : false;
    const t = now();
    const steps: WireObject[] = [];
    let next: number | undefined;
    for (let i = start; i < all.length; i++) {
      const step = all[i];
      if (!step || !stepVisible(step, terminal, t)) continue;
      if (status !== undefined && step.Status !== status) continue;
      if (stepType !== undefined && step.StepType !== stepType) continue;
      if (steps.length === maxResults) {
        next = i;
        break;
      }
      steps.push(step);
    }
    const result: WireObject = { Steps: steps };
    if (next !== undefined) result.NextToken = encodeToken({ q: query, i: next });
    return result;
  }

  const operations: Record<string, (input: WireObject) => WireObject> = {
    DescribeInferenceRecommendationsJob: describe,
    ListInferenceRecommendationsJobs: listJobs,
    ListInferenceRecommendationsJobSteps: listSteps,
  };

  function reply(res: ServerResponse, status: number, body: WireObject): void {
    send(res, status, toWireJson(body), {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
    });
  }

  function replyError(res: ServerResponse, error: ServiceError): void {
    // SageMaker's own errors carry "Message"; the front-end faults carry lowercase "message".
    const messageKey = error.type === 'ResourceNotFound' || error.type === 'ValidationException';
    reply(res, error.status, {
      __type: error.type,
      [messageKey ? 'Message' : 'message']: error.message,
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = req.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith('SageMaker.')
        ? target.slice('SageMaker.'.length)
        : String(target ?? '');
    let input: WireObject = {};
    let parseError: ServiceError | undefined;
    try {
      const parsed: unknown = body.trim() === '' ? {} : JSON.parse(body);
      if (isRecord(parsed)) input = parsed;
      else
        parseError = new ServiceError(
          400,
          'SerializationException',
          'Request body must be a JSON object',
        );
    } catch {
      parseError = new ServiceError(
        400,
        'SerializationException',
        'Request body is not valid JSON',
      );
    }

    const index = callIndex++;
    const fault = faults?.({ operation, index, input });
    calls.push(fault ? { operation, input, fault } : { operation, input });

    if (fault === 'throttle') {
      replyError(res, new ServiceError(400, 'ThrottlingException', 'Rate exceeded'));
      return;
    }
    if (fault === 'server-error') {
      replyError(res, new ServiceError(500, 'InternalFailure', 'An internal error occurred.'));
      return;
    }
    if (fault === 'unavailable') {
      replyError(res, new ServiceError(503, 'ServiceUnavailable', 'Service is unavailable.'));
      return;
    }

    const run = req.method === 'POST' ? operations[operation] : undefined;
    if (!run || !(typeof target === 'string' && target.startsWith('SageMaker.'))) {
      replyError(
        res,
        new ServiceError(400, 'UnknownOperationException', `Unknown operation ${operation}`),
      );
      return;
    }
    if (parseError) {
      replyError(res, parseError);
      return;
    }
    try {
      reply(res, 200, run(input));
    } catch (error) {
      if (error instanceof ServiceError) replyError(res, error);
      else throw error;
    }
  }

  return {
    calls,
    addJob(job) {
      jobs.set(jobNameOf(job), job);
    },
    removeJob(name) {
      return jobs.delete(name);
    },
    setNow(fn) {
      now = fn;
    },
    setFaults(plan) {
      faults = plan;
    },
    jobNames() {
      return [...jobs.keys()];
    },
    describeJob(name) {
      return visible(name)?.view;
    },
    handle,
    listen(port, gate) {
      return listenHttp(handle, { port: port ?? 0, ...(gate ? { gate } : {}) });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Building jobs from samples.

export interface CloneJobOptions {
  jobName: string;
  /** Epoch milliseconds at which the clone's timeline starts. */
  start: number;
  /** Offsets from `start`. Omit to keep the sample's own status, only shifted in time. */
  timeline?: Array<{ status: JobStatus; afterMs: number }>;
}

function relabel(value: unknown, key: string, ctx: { to: string; shiftMs: number }): unknown {
  if (Array.isArray(value)) return value.map((item) => relabel(item, '', ctx));
  if (isRecord(value)) {
    const out: WireObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = relabel(v, k, ctx);
    return out;
  }
  if (TIMESTAMP_KEYS.has(key)) {
    const ms = wireTimeToMs(value);
    // Rounding to whole milliseconds keeps float noise out of the Dates the SDK builds.
    return ms === undefined ? value : seconds(Math.round(ms + ctx.shiftMs));
  }
  if (typeof value !== 'string') return value;
  if (key === 'JobName') return ctx.to;
  if (key === 'JobArn') return value.replace(/\/[^/]*$/, `/${ctx.to}`);
  if (key === 'RecommendationId') {
    const slash = value.indexOf('/');
    return slash === -1 ? `${ctx.to}/${value}` : `${ctx.to}${value.slice(slash)}`;
  }
  return value;
}

/**
 * Re-labels a sample under a new name and shifts every timestamp so the job starts at `start`,
 * which lets a handful of captured jobs stand in for many jobs and scenarios.
 */
export function cloneJob(template: SimulatedJob, options: CloneJobOptions): SimulatedJob {
  jobNameOf(template); // fail early on a template that could never be added
  const createdMs = wireTimeToMs(template.describe.CreationTime) ?? template.timeline?.[0]?.at;
  const shiftMs = createdMs === undefined ? 0 : options.start - createdMs;
  const ctx = { to: options.jobName, shiftMs };
  const clone: SimulatedJob = { describe: relabel(template.describe, '', ctx) as WireObject };
  if (template.steps) clone.steps = template.steps.map((s) => relabel(s, '', ctx) as WireObject);
  if (options.timeline) {
    clone.timeline = options.timeline.map((e) => ({
      status: e.status,
      at: options.start + e.afterMs,
    }));
  } else if (template.timeline) {
    clone.timeline = template.timeline.map((e) => ({ status: e.status, at: e.at + shiftMs }));
  }
  return clone;
}

/** Reads `<dir>/<JobName>/describe.json` and the optional `steps.json` (`{"Steps":[...]}`). */
export function loadSampleJobs(dir: string): SimulatedJob[] {
  if (!existsSync(dir)) return [];
  const jobs: SimulatedJob[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const describePath = join(dir, entry.name, 'describe.json');
    if (!existsSync(describePath)) continue;
    const describe: unknown = JSON.parse(readFileSync(describePath, 'utf8'));
    if (!isRecord(describe)) throw new Error(`${describePath} is not a JSON object`);
    const job: SimulatedJob = { describe };
    const stepsPath = join(dir, entry.name, 'steps.json');
    if (existsSync(stepsPath)) {
      const parsed: unknown = JSON.parse(readFileSync(stepsPath, 'utf8'));
      const steps = isRecord(parsed) ? parsed.Steps : undefined;
      if (!Array.isArray(steps) || !steps.every(isRecord)) {
        throw new Error(`${stepsPath} must be {"Steps":[...]}`);
      }
      job.steps = steps;
    }
    jobs.push(job);
  }
  return jobs.sort((a, b) => (jobNameOf(a) < jobNameOf(b) ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------
// Fault plans.

/** One mulberry32 step on a seed mixed with the call index: same seed and index, same draw. */
function draw(seed: number, index: number): number {
  let t = (seed + Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * Faults a deterministic pseudo-random share of calls. The draw depends only on the seed and the
 * call index, so a failing run replays identically whatever else the plan was asked.
 */
export function randomFaults(options: {
  throttle?: number;
  serverError?: number;
  seed?: number;
}): FaultPlan {
  const throttle = options.throttle ?? 0;
  const serverError = options.serverError ?? 0;
  const seed = options.seed ?? 1;
  return ({ index }) => {
    const r = draw(seed, index);
    if (r < throttle) return 'throttle';
    if (r < throttle + serverError) return 'server-error';
    return undefined;
  };
}

/** Faults calls n, 2n, 3n… (indexes n-1, 2n-1, …), so the first n-1 calls succeed. */
export function everyNth(n: number, kind: FaultKind): FaultPlan {
  if (!Number.isInteger(n) || n < 1) throw new Error('everyNth needs a positive integer');
  return ({ index }) => ((index + 1) % n === 0 ? kind : undefined);
}
