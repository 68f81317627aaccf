import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  ListInferenceRecommendationsJobsSortBy,
  ProductionVariantInstanceType,
  RecommendationJobStatus,
  RecommendationJobType,
  RecommendationStepType,
  SortOrder,
} from '@aws-sdk/client-sagemaker';
import { answerJson, readJsonRequest, SAGEMAKER_JSON, ServiceError } from '../aws-json.js';
import { listen as listenHttp, signedRegion } from '../http-server.js';
import { callerOf, type Gate } from '../iam/gate.js';
import { createdJob, simulatedDurationMs, stoppedJob } from './recommender-job.js';
import type { LocalServer } from '../http-server.js';

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
  /**
   * While the job runs, its steps are listed as they stand (PENDING, IN_PROGRESS, then finished)
   * instead of only once finished.
   */
  liveSteps?: boolean;
  /**
   * Endpoints that exist in the job's account and region (those its InputConfig.Endpoints name,
   * or any other): DescribeEndpoint and DescribeEndpointConfig answer with these responses.
   */
  endpoints?: SimulatedEndpoint[];
}

/** An existing endpoint: its DescribeEndpoint and DescribeEndpointConfig responses, in wire JSON. */
export interface SimulatedEndpoint {
  endpoint: WireObject;
  config: WireObject;
}

/** An account and a region: each has jobs of its own, as each AWS account has in each region. */
export interface JobPlace {
  account: string;
  region: string;
}

/** A call that changed something, as CloudTrail would record it. */
export interface SimulatorApiCall {
  operation: 'CreateInferenceRecommendationsJob' | 'StopInferenceRecommendationsJob';
  input: WireObject;
  output: WireObject;
  /** The caller's account (from its keys). */
  account: string;
  region: string;
  /** The caller as CloudTrail's userIdentity names it, when the call passed a gate. */
  callerArn?: string;
  /** Epoch milliseconds. */
  at: number;
  accessKeyId?: string;
  userAgent?: string;
  sourceIp?: string;
}

/** 'unavailable' is a 503, the other flavour of server-side failure AWS returns. */
export type FaultKind = 'throttle' | 'server-error' | 'unavailable';

/** What SageMaker answers when it throttles or fails, as its SDK sees it. */
const faultError = (fault: FaultKind): ServiceError =>
  fault === 'throttle'
    ? new ServiceError(400, 'ThrottlingException', 'Rate exceeded')
    : fault === 'server-error'
      ? new ServiceError(500, 'InternalFailure', 'An internal error occurred.')
      : new ServiceError(503, 'ServiceUnavailable', 'Service is unavailable.');

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
  /**
   * The account of calls that reach the simulator without a gate, and of jobs added without a
   * place; behind a gate each call acts in its caller's account.
   */
  account?: string;
  /**
   * The region of calls that reach the simulator without a gate (else the region the request was
   * signed for, then us-east-1), and of jobs added without a place; behind a gate each call acts
   * in the region its credential scope names.
   */
  region?: string;
  /** How long a created job takes from PENDING to its terminal state (default 120 s). */
  createdJobDurationMs?: number;
  /** How long a stopped job stays STOPPING (default 2 s). */
  stoppingMs?: number;
  /** Called after every successful create and stop, e.g. to emit the CloudTrail event. */
  onApiCall?: (call: SimulatorApiCall) => void;
}

export interface SageMakerSimulator {
  readonly calls: SimulatorCall[];
  /**
   * Adds a job, replacing any job of the same name in that place. Given a place, the job's ARN
   * becomes that account's and region's; without one, it lands in the default place as it is.
   */
  addJob(job: SimulatedJob, place?: JobPlace): void;
  /** What CreateInferenceRecommendationsJob does, at `at` (epoch ms); throws on a bad request. */
  createJob(input: WireObject, at: number, place?: Partial<JobPlace>): WireObject;
  /** What StopInferenceRecommendationsJob does, at `at` (epoch ms). */
  stopJob(name: string, at: number, place?: Partial<JobPlace>): void;
  removeJob(name: string, place?: JobPlace): boolean;
  /** Deletes an endpoint (not its configuration), as DeleteEndpoint does. */
  removeEndpoint(name: string, place?: JobPlace): boolean;
  setNow(now: () => number): void;
  setFaults(plan: FaultPlan | undefined): void;
  jobNames(place?: JobPlace): string[];
  /** The describe response for `name` at the current simulated time, or undefined if not visible. */
  describeJob(name: string, place?: JobPlace): WireObject | undefined;
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
const JOB_TYPES: readonly string[] = Object.values(RecommendationJobType);
const INSTANCE_TYPES: readonly string[] = Object.values(ProductionVariantInstanceType);
// The service model's patterns, anchored.
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const MODEL_PACKAGE_ARN =
  /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:[0-9]{12}:model-package\/\S{1,2048}$/;
const MODEL_NAME = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TIMESTAMP_KEYS: ReadonlySet<string> = new Set([
  'CreationTime',
  'LastModifiedTime',
  'CompletionTime',
  'InvocationStartTime',
  'InvocationEndTime',
]);

/** Errors SageMaker itself raises carry "Message"; the others, from its front end, "message". */

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

/** A created job's step while the job runs: finished, running or not started yet. */
function liveStep(step: WireObject, jobStatus: string, nowMs: number): WireObject {
  const benchmark = isRecord(step.InferenceBenchmark) ? step.InferenceBenchmark : {};
  const startMs = wireTimeToMs(benchmark.InvocationStartTime);
  const endMs = wireTimeToMs(benchmark.InvocationEndTime);
  if (endMs !== undefined && endMs <= nowMs) return step;
  const bare: WireObject = { EndpointConfiguration: benchmark.EndpointConfiguration };
  if (benchmark.ModelConfiguration !== undefined)
    bare.ModelConfiguration = benchmark.ModelConfiguration;
  let status = 'PENDING';
  if (startMs !== undefined && startMs <= nowMs) {
    status = 'IN_PROGRESS';
    bare.InvocationStartTime = benchmark.InvocationStartTime;
  } else if (startMs === undefined && jobStatus === 'STOPPING') {
    status = 'STOPPING';
  }
  return { ...step, Status: status, InferenceBenchmark: bare };
}

function summaryOf(view: WireObject): WireObject {
  const input = isRecord(view.InputConfig) ? view.InputConfig : {};
  const container = isRecord(input.ContainerConfig) ? input.ContainerConfig : {};
  const payload = isRecord(container.PayloadConfig) ? container.PayloadConfig : {};
  const summary: WireObject = {
    JobName: view.JobName,
    // Required in the summary shape, though optional at creation.
    JobDescription: view.JobDescription ?? '',
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
  constructor(
    private readonly input: WireObject,
    /** Where `input` sits in the request, e.g. `inputConfig.`; shared problems with the parent. */
    private readonly path = '',
    private readonly problems: string[] = [],
  ) {}

  private fail(field: string, value: unknown, constraint: string): void {
    this.problems.push(
      `Value '${String(value)}' at '${this.path}${field[0]?.toLowerCase()}${field.slice(1)}' failed to satisfy constraint: ${constraint}`,
    );
  }

  /** A validator for the nested structure `field`, or undefined when it is absent. */
  structure(field: string, opts: { required?: boolean } = {}): Validator | undefined {
    const value = this.input[field];
    if (value === undefined || value === null) {
      if (opts.required) this.fail(field, null, 'Member must not be null');
      return undefined;
    }
    if (!isRecord(value)) throw serialization(field);
    return new Validator(
      value,
      `${this.path}${field[0]?.toLowerCase()}${field.slice(1)}.`,
      this.problems,
    );
  }

  /** Validators for each structure of the list `field`. */
  list(field: string): Validator[] {
    const value = this.input[field];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw serialization(field);
    return value.map((item, index) => {
      if (!isRecord(item)) throw serialization(field);
      return new Validator(
        item,
        `${this.path}${field[0]?.toLowerCase()}${field.slice(1)}.${index + 1}.member.`,
        this.problems,
      );
    });
  }

  string(
    field: string,
    opts: { required?: boolean; min?: number; max?: number; pattern?: RegExp } = {},
  ) {
    const value = this.input[field];
    if (value === undefined || value === null) {
      if (opts.required) this.fail(field, null, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'string') throw serialization(field);
    if (opts.max !== undefined && value.length > opts.max) {
      this.fail(field, value, `Member must have length less than or equal to ${opts.max}`);
    } else if (opts.min !== undefined && value.length < opts.min) {
      this.fail(field, value, `Member must have length greater than or equal to ${opts.min}`);
    } else if (opts.pattern && !opts.pattern.test(value)) {
      this.fail(
        field,
        value,
        `Member must satisfy regular expression pattern: ${opts.pattern.source}`,
      );
    }
    return value;
  }

  enumValue(field: string, allowed: readonly string[], opts: { required?: boolean } = {}) {
    const value = this.string(field, opts);
    if (value !== undefined && !allowed.includes(value)) {
      this.fail(field, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
    }
    return value;
  }

  integer(field: string, min: number, max: number, opts: { required?: boolean } = {}) {
    const value = this.input[field];
    if (value === undefined || value === null) {
      if (opts.required) this.fail(field, null, 'Member must not be null');
      return undefined;
    }
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

/** SageMaker's answer for a job name it does not know (or the caller cannot see). */
const jobNotFound = (name: string | undefined) =>
  new ServiceError(400, 'ResourceNotFound', `Could not find requested job with name ${name}`);

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
  // Jobs by place (`<account>/<region>`), then by name: a name is unique only within one place.
  const places = new Map<string, Map<string, SimulatedJob>>();
  const calls: SimulatorCall[] = [];
  // Endpoints and endpoint configurations by place, then by name.
  const endpointPlaces = new Map<string, Map<string, WireObject>>();
  const configPlaces = new Map<string, Map<string, WireObject>>();
  const defaultPlace: JobPlace = {
    account: options.account ?? '111122223333',
    region: options.region ?? 'us-east-1',
  };
  let now = options.now ?? (() => Date.now());
  let faults = options.faults;
  let callIndex = 0;

  const placed = (place: Partial<JobPlace> = {}): JobPlace => ({
    account: place.account ?? defaultPlace.account,
    region: place.region ?? defaultPlace.region,
  });
  function jobsIn(place: JobPlace): Map<string, SimulatedJob> {
    const key = `${place.account}/${place.region}`;
    let jobs = places.get(key);
    if (!jobs) {
      jobs = new Map();
      places.set(key, jobs);
    }
    return jobs;
  }
  /** Where a request acts: its caller's account and signed region behind a gate. */
  function placeOf(req: IncomingMessage): JobPlace {
    const caller = callerOf(req);
    if (caller) return caller.place;
    return placed({ region: options.region ?? signedRegion(req) ?? 'us-east-1' });
  }
  const inPlace = (maps: Map<string, Map<string, WireObject>>, place: JobPlace) => {
    const key = `${place.account}/${place.region}`;
    let map = maps.get(key);
    if (!map) maps.set(key, (map = new Map()));
    return map;
  };
  const resourceArn = (place: JobPlace, type: string, name: string) =>
    `arn:aws:sagemaker:${place.region}:${place.account}:${type}/${name.toLowerCase()}`;
  function addEndpoints(endpoints: readonly SimulatedEndpoint[], place: JobPlace): void {
    for (const { endpoint, config } of endpoints) {
      const name = String(endpoint.EndpointName);
      const configName = String(config.EndpointConfigName);
      inPlace(endpointPlaces, place).set(name, {
        ...endpoint,
        EndpointArn: resourceArn(place, 'endpoint', name),
        EndpointConfigName: configName,
      });
      inPlace(configPlaces, place).set(configName, {
        ...config,
        EndpointConfigArn: resourceArn(place, 'endpoint-config', configName),
      });
    }
  }

  // SageMaker's answer for a missing endpoint or configuration: a ValidationException naming
  // its ARN (botocore's model declares no error shape for either operation).
  function describeEndpoint(input: WireObject, place: JobPlace): WireObject {
    const v = new Validator(input);
    const name = v.string('EndpointName', { required: true, max: 63, pattern: ENDPOINT_NAME });
    v.done();
    const found = inPlace(endpointPlaces, place).get(String(name));
    if (!found) {
      throw validation(
        `Could not find endpoint "${resourceArn(place, 'endpoint', String(name))}".`,
      );
    }
    return found;
  }

  function describeEndpointConfig(input: WireObject, place: JobPlace): WireObject {
    const v = new Validator(input);
    const name = v.string('EndpointConfigName', {
      required: true,
      max: 63,
      pattern: ENDPOINT_NAME,
    });
    v.done();
    const found = inPlace(configPlaces, place).get(String(name));
    if (!found) {
      throw validation(
        `Could not find endpoint configuration "${resourceArn(place, 'endpoint-config', String(name))}".`,
      );
    }
    return found;
  }

  const jobArnIn = (place: JobPlace, name: string) =>
    `arn:aws:sagemaker:${place.region}:${place.account}:inference-recommendations-job/${name.toLowerCase()}`;

  function visible(
    name: string,
    place: JobPlace,
  ): { job: SimulatedJob; view: WireObject } | undefined {
    const job = jobsIn(place).get(name);
    if (!job) return undefined;
    const view = jobAt(job, now());
    return view ? { job, view } : undefined;
  }

  /** A job the caller can see now, or SageMaker's ResourceNotFound for its name. */
  function visibleOrNotFound(
    name: string | undefined,
    place: JobPlace,
  ): { job: SimulatedJob; view: WireObject } {
    const found = name === undefined ? undefined : visible(name, place);
    if (!found) throw jobNotFound(name);
    return found;
  }

  function describe(input: WireObject, place: JobPlace): WireObject {
    const v = new Validator(input);
    const name = v.string('JobName', { required: true, max: 64, pattern: JOB_NAME });
    v.done();
    const found = visibleOrNotFound(name, place);
    return found.view;
  }

  function listJobs(input: WireObject, place: JobPlace): WireObject {
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
    for (const job of jobsIn(place).values()) {
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

  function listSteps(input: WireObject, place: JobPlace): WireObject {
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

    // botocore's model and the SDK both declare ResourceNotFound for this operation.
    const found = visibleOrNotFound(name, place);
    const terminal = isTerminal(found.view.Status);
    const t = now();
    const all =
      found.job.liveSteps && !terminal
        ? (found.job.steps ?? []).map((step) => liveStep(step, String(found.view.Status), t))
        : (found.job.steps ?? []);
    const steps: WireObject[] = [];
    let next: number | undefined;
    for (let i = start; i < all.length; i++) {
      const step = all[i];
      if (!step || !(found.job.liveSteps || stepVisible(step, terminal, t))) continue;
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

  function validateCreate(input: WireObject): void {
    const v = new Validator(input);
    v.string('JobName', { required: true, min: 1, max: 64, pattern: JOB_NAME });
    const jobType = v.enumValue('JobType', JOB_TYPES, { required: true });
    v.string('RoleArn', { required: true, min: 20, max: 2048, pattern: ROLE_ARN });
    v.string('JobDescription', { max: 128 });
    const config = v.structure('InputConfig', { required: true });
    const packageArn = config?.string('ModelPackageVersionArn', {
      min: 1,
      max: 2048,
      pattern: MODEL_PACKAGE_ARN,
    });
    const modelName = config?.string('ModelName', { max: 63, pattern: MODEL_NAME });
    config?.integer('JobDurationInSeconds', 1, Number.MAX_SAFE_INTEGER);
    const endpointConfigs = config?.list('EndpointConfigurations') ?? [];
    for (const endpoint of endpointConfigs) {
      endpoint.enumValue('InstanceType', INSTANCE_TYPES);
      const serverless = endpoint.structure('ServerlessConfig');
      serverless?.integer('MemorySizeInMB', 1024, 6144, { required: true });
      serverless?.integer('MaxConcurrency', 1, 200, { required: true });
      serverless?.integer('ProvisionedConcurrency', 1, 200);
      endpoint.string('InferenceSpecificationName', { min: 1, max: 63, pattern: ENDPOINT_NAME });
    }
    for (const endpoint of config?.list('Endpoints') ?? []) {
      endpoint.string('EndpointName', { max: 63, pattern: ENDPOINT_NAME });
    }
    for (const tag of v.list('Tags')) {
      tag.string('Key', { required: true, min: 1, max: 128, pattern: TAG_TEXT });
      tag.string('Value', { required: true, max: 256, pattern: TAG_TEXT });
    }
    v.done();
    if ((packageArn === undefined) === (modelName === undefined)) {
      throw validation(
        'InputConfig must contain exactly one of ModelPackageVersionArn or ModelName.',
      );
    }
    if (jobType === 'Advanced' && endpointConfigs.length === 0) {
      throw validation(
        'InputConfig.EndpointConfigurations is required for an Advanced job: name the instance types or serverless configurations to benchmark.',
      );
    }
    const configs = Array.isArray((input.InputConfig as WireObject).EndpointConfigurations)
      ? ((input.InputConfig as WireObject).EndpointConfigurations as unknown[])
      : [];
    for (const endpoint of configs) {
      const e = endpoint as WireObject;
      if ((e.InstanceType === undefined) === (e.ServerlessConfig === undefined)) {
        throw validation(
          'Each EndpointConfiguration must contain exactly one of InstanceType or ServerlessConfig.',
        );
      }
    }
  }

  function createJob(input: WireObject, at: number, place: JobPlace): WireObject {
    validateCreate(input);
    const name = String(input.JobName);
    const jobs = jobsIn(place);
    if (jobs.has(name)) {
      throw new ServiceError(
        400,
        'ResourceInUse',
        `Inference Recommendations Job ${name} already exists; job names must be unique within an account and region.`,
      );
    }
    const jobArn = jobArnIn(place, name);
    const durationMs = simulatedDurationMs(input, options.createdJobDurationMs ?? 120_000);
    jobs.set(name, createdJob(input, { jobArn, createdAt: at, durationMs }));
    return { JobArn: jobArn };
  }

  function stopJob(name: string, at: number, place: JobPlace): void {
    const jobs = jobsIn(place);
    const job = jobs.get(name);
    const view = job ? jobAt(job, at) : undefined;
    if (!job || !view) throw jobNotFound(name);
    if (isTerminal(view.Status) || view.Status === 'STOPPING') {
      throw validation(`Job ${name} is ${String(view.Status)} and cannot be stopped.`);
    }
    jobs.set(name, stoppedJob(job, at, options.stoppingMs ?? 2_000));
  }

  function stop(input: WireObject, place: JobPlace): WireObject {
    const v = new Validator(input);
    const name = v.string('JobName', { required: true, min: 1, max: 64, pattern: JOB_NAME });
    v.done();
    stopJob(String(name), now(), place);
    return {};
  }

  function scalingRecommendation(input: WireObject, place: JobPlace): WireObject {
    const v = new Validator(input);
    const name = v.string('InferenceRecommendationsJobName', {
      required: true,
      min: 1,
      max: 64,
      pattern: JOB_NAME,
    });
    const recommendationId = v.string('RecommendationId');
    const endpointName = v.string('EndpointName', { max: 63, pattern: ENDPOINT_NAME });
    const target = v.integer('TargetCpuUtilizationPerCore', 1, 100) ?? 50;
    const objective = v.structure('ScalingPolicyObjective');
    const minPerMinute = objective?.integer('MinInvocationsPerMinute', 0, Number.MAX_SAFE_INTEGER);
    const maxPerMinute = objective?.integer('MaxInvocationsPerMinute', 0, Number.MAX_SAFE_INTEGER);
    v.done();
    const found = visibleOrNotFound(name, place);
    if (found.view.Status !== 'COMPLETED') {
      throw validation(
        `Job ${name} is ${String(found.view.Status)}; scaling recommendations need a COMPLETED job.`,
      );
    }
    if ((recommendationId === undefined) === (endpointName === undefined)) {
      throw validation('Provide exactly one of RecommendationId or EndpointName.');
    }
    // The metrics of the named recommendation, or of the named existing endpoint.
    const [list, matches, what] =
      recommendationId !== undefined
        ? [
            found.view.InferenceRecommendations,
            (r: WireObject) => r.RecommendationId === recommendationId,
            `recommendation ${recommendationId}`,
          ]
        : [
            found.view.EndpointPerformances,
            (p: WireObject) =>
              isRecord(p.EndpointInfo) && p.EndpointInfo.EndpointName === endpointName,
            `endpoint ${String(endpointName)}`,
          ];
    const entry = (Array.isArray(list) ? list.filter(isRecord) : []).find(matches);
    if (!entry) {
      throw new ServiceError(400, 'ResourceNotFound', `Could not find ${what} in job ${name}`);
    }
    const metrics: WireObject = isRecord(entry.Metrics) ? entry.Metrics : {};
    const maxInvocations = Number(metrics.MaxInvocations);
    // Target tracking aims each instance at the load that keeps its CPUs at the target.
    const perInstance = Math.max(
      1,
      Math.floor((Number.isFinite(maxInvocations) ? maxInvocations : 1) * (target / 100)),
    );
    const minCapacity = Math.max(1, Math.ceil((minPerMinute ?? perInstance) / perInstance));
    const maxCapacity = Math.max(
      minCapacity,
      Math.ceil((maxPerMinute ?? perInstance) / perInstance),
    );
    const result: WireObject = {
      InferenceRecommendationsJobName: name,
      TargetCpuUtilizationPerCore: target,
      Metric: {
        InvocationsPerInstance: perInstance,
        ModelLatency: Math.round(Number(metrics.ModelLatency) || 0),
      },
      DynamicScalingConfiguration: {
        MinCapacity: minCapacity,
        MaxCapacity: maxCapacity,
        ScaleInCooldown: 300,
        ScaleOutCooldown: 300,
        ScalingPolicies: [
          {
            TargetTracking: {
              MetricSpecification: {
                Predefined: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
              },
              TargetValue: perInstance,
            },
          },
        ],
      },
    };
    if (recommendationId !== undefined) result.RecommendationId = recommendationId;
    if (endpointName !== undefined) result.EndpointName = endpointName;
    if (input.ScalingPolicyObjective !== undefined) {
      result.ScalingPolicyObjective = input.ScalingPolicyObjective;
    }
    return result;
  }

  const operations: Record<
    string,
    (input: WireObject, place: JobPlace, req: IncomingMessage) => WireObject
  > = {
    DescribeInferenceRecommendationsJob: describe,
    ListInferenceRecommendationsJobs: listJobs,
    ListInferenceRecommendationsJobSteps: listSteps,
    CreateInferenceRecommendationsJob: (input, place, req) => {
      const at = now();
      const output = createJob(input, at, place);
      notify('CreateInferenceRecommendationsJob', input, output, place, at, req);
      return output;
    },
    StopInferenceRecommendationsJob: (input, place, req) => {
      const output = stop(input, place);
      notify('StopInferenceRecommendationsJob', input, output, place, now(), req);
      return output;
    },
    GetScalingConfigurationRecommendation: scalingRecommendation,
    DescribeEndpoint: describeEndpoint,
    DescribeEndpointConfig: describeEndpointConfig,
  };

  function notify(
    operation: SimulatorApiCall['operation'],
    input: WireObject,
    output: WireObject,
    place: JobPlace,
    at: number,
    req: IncomingMessage,
  ): void {
    if (!options.onApiCall) return;
    const call: SimulatorApiCall = { operation, input, output, ...place, at };
    const key = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
    if (key) call.accessKeyId = key;
    const caller = callerOf(req);
    if (caller) call.callerArn = caller.callerArn;
    if (typeof req.headers['user-agent'] === 'string') call.userAgent = req.headers['user-agent'];
    if (req.socket.remoteAddress) call.sourceIp = req.socket.remoteAddress;
    options.onApiCall(call);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = await readJsonRequest(req, SAGEMAKER_JSON);
    const operation = request.name;
    const input: WireObject = request.input instanceof ServiceError ? {} : request.input;
    const index = callIndex++;
    const fault = faults?.({ operation, index, input });
    calls.push(fault ? { operation, input, fault } : { operation, input });

    await answerJson(
      res,
      SAGEMAKER_JSON,
      () => {
        if (fault) throw faultError(fault);
        const run = request.operation !== undefined ? operations[request.operation] : undefined;
        if (!run) {
          throw new ServiceError(
            400,
            'UnknownOperationException',
            `Unknown operation ${operation}`,
          );
        }
        if (request.input instanceof ServiceError) throw request.input;
        return run(input, placeOf(req), req);
      },
      toWireJson,
    );
  }

  return {
    calls,
    addJob(job, place) {
      const name = jobNameOf(job);
      addEndpoints(job.endpoints ?? [], place ?? defaultPlace);
      if (!place) {
        jobsIn(defaultPlace).set(name, job);
        return;
      }
      const describe = { ...job.describe, JobArn: jobArnIn(place, name) };
      jobsIn(place).set(name, { ...job, describe });
    },
    createJob(input, at, place) {
      return createJob(input, at, placed(place));
    },
    stopJob(name, at, place) {
      stopJob(name, at, placed(place));
    },
    removeJob(name, place) {
      return jobsIn(place ?? defaultPlace).delete(name);
    },
    removeEndpoint(name, place) {
      return inPlace(endpointPlaces, place ?? defaultPlace).delete(name);
    },
    setNow(fn) {
      now = fn;
    },
    setFaults(plan) {
      faults = plan;
    },
    jobNames(place) {
      return [...jobsIn(place ?? defaultPlace).keys()];
    },
    describeJob(name, place) {
      return visible(name, place ?? defaultPlace)?.view;
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
  /** Scales the sample's benchmark times into the timeline's IN_PROGRESS span. */
  fitToTimeline?: boolean;
}

function relabel(
  value: unknown,
  key: string,
  ctx: { to: string; mapMs: (ms: number, key: string) => number },
): unknown {
  if (Array.isArray(value)) return value.map((item) => relabel(item, '', ctx));
  if (isRecord(value)) {
    const out: WireObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = relabel(v, k, ctx);
    return out;
  }
  if (TIMESTAMP_KEYS.has(key)) {
    const ms = wireTimeToMs(value);
    // Rounding to whole milliseconds keeps float noise out of the Dates the SDK builds.
    return ms === undefined ? value : seconds(Math.round(ctx.mapMs(ms, key)));
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

/** Every benchmark time of a sample, in epoch milliseconds. */
function invocationTimes(job: SimulatedJob): number[] {
  const times: number[] = [];
  const visit = (value: unknown, key: string): void => {
    if (Array.isArray(value)) value.forEach((item) => visit(item, ''));
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) visit(v, k);
    else if (key === 'InvocationStartTime' || key === 'InvocationEndTime') {
      const ms = wireTimeToMs(value);
      if (ms !== undefined) times.push(ms);
    }
  };
  visit(job.describe, '');
  visit(job.steps ?? [], '');
  return times;
}

/**
 * Re-labels a sample under a new name and shifts every timestamp so the job starts at `start`,
 * which lets a handful of captured jobs stand in for many jobs and scenarios. With
 * `fitToTimeline`, the sample's benchmark times are also scaled into the timeline's IN_PROGRESS
 * span, so a compressed timeline never shows a benchmark ending after the job or in the future.
 */
export function cloneJob(template: SimulatedJob, options: CloneJobOptions): SimulatedJob {
  jobNameOf(template); // fail early on a template that could never be added
  const createdMs = wireTimeToMs(template.describe.CreationTime) ?? template.timeline?.[0]?.at;
  const shiftMs = createdMs === undefined ? 0 : options.start - createdMs;
  let mapMs = (ms: number) => ms + shiftMs;
  const times = invocationTimes(template);
  const running = options.timeline?.find((e) => e.status === 'IN_PROGRESS');
  // The first state after IN_PROGRESS (STOPPING, or the terminal one) bounds the benchmarks.
  const last = running
    ? options.timeline?.find((e) => e.afterMs > running.afterMs && e.status !== 'IN_PROGRESS')
    : undefined;
  if (options.fitToTimeline && running && last && times.length > 0) {
    const from = Math.min(...times);
    const to = Math.max(...times);
    const spanFrom = Math.max(1, to - from);
    const begin = options.start + running.afterMs;
    const spanTo = Math.max(0, last.afterMs - running.afterMs) * 0.95;
    mapMs = (ms) => {
      if (ms < from) return options.start; // CreationTime and the like: the job's start
      return begin + ((Math.min(ms, to) - from) / spanFrom) * spanTo;
    };
  }
  const ctx = { to: options.jobName, mapMs };
  const clone: SimulatedJob = { describe: relabel(template.describe, '', ctx) as WireObject };
  if (template.steps) clone.steps = template.steps.map((s) => relabel(s, '', ctx) as WireObject);
  // The endpoints the job benchmarked exist beside it, under their own names: kept as they are.
  if (template.endpoints) clone.endpoints = template.endpoints;
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

/**
 * Reads `<dir>/<JobName>/describe.json`, the optional `steps.json` (`{"Steps":[...]}`) and the
 * optional `endpoints.json` (the endpoints that exist beside the job:
 * `{"Endpoints":[{"Endpoint":<DescribeEndpoint>,"EndpointConfig":<DescribeEndpointConfig>}]}`).
 */
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
    const endpointsPath = join(dir, entry.name, 'endpoints.json');
    if (existsSync(endpointsPath)) {
      const parsed: unknown = JSON.parse(readFileSync(endpointsPath, 'utf8'));
      const endpoints = isRecord(parsed) ? parsed.Endpoints : undefined;
      if (
        !Array.isArray(endpoints) ||
        !endpoints.every((e) => isRecord(e) && isRecord(e.Endpoint) && isRecord(e.EndpointConfig))
      ) {
        throw new Error(
          `${endpointsPath} must be {"Endpoints":[{"Endpoint":{...},"EndpointConfig":{...}}]}`,
        );
      }
      job.endpoints = (
        endpoints as Array<{ Endpoint: WireObject; EndpointConfig: WireObject }>
      ).map((e) => ({ endpoint: e.Endpoint, config: e.EndpointConfig }));
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
