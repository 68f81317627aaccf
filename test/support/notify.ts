import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { WireObject, SimulatedJob } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { repoRoot } from './serverless.js';

/** The EventBridge rule pattern of a function, read from its function.yml as serverless does. */
export function rulePatternOf(functionName: string): unknown {
  const text = readFileSync(join(repoRoot, 'functions', functionName, 'function.yml'), 'utf8');
  const config = parse(text, {
    customTags: [
      { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': value.split('.') }) },
      { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
      { tag: '!Sub', resolve: (value: string) => ({ 'Fn::Sub': value }) },
    ],
  }) as Record<string, { events?: Array<{ eventBridge?: { pattern?: unknown } }> }>;
  const pattern = config[functionName]?.events?.find((e) => e.eventBridge)?.eventBridge?.pattern;
  if (!pattern) throw new Error(`functions/${functionName}/function.yml has no eventBridge rule`);
  return pattern;
}

export function functionTimeoutOf(functionName: string): number {
  const text = readFileSync(join(repoRoot, 'functions', functionName, 'function.yml'), 'utf8');
  const config = parse(text, {
    customTags: [{ tag: '!GetAtt', resolve: (value: string) => value }],
  }) as Record<string, { timeout?: number }>;
  const timeout = config[functionName]?.timeout;
  if (typeof timeout !== 'number') throw new Error(`functions/${functionName} sets no timeout`);
  return timeout;
}

/** A wire-shaped copy of `template` whose recommendations and steps are rebuilt by the callbacks. */
export function reshapeJob(
  template: SimulatedJob,
  jobName: string,
  change: {
    recommendations?: (recs: WireObject[]) => WireObject[];
    steps?: (steps: WireObject[]) => WireObject[];
  },
): SimulatedJob {
  const copy = JSON.parse(JSON.stringify(template)) as SimulatedJob;
  const recs = (copy.describe.InferenceRecommendations as WireObject[] | undefined) ?? [];
  copy.describe = {
    ...copy.describe,
    JobName: jobName,
    JobArn: String(copy.describe.JobArn).replace(/\/[^/]*$/, `/${jobName}`),
    InferenceRecommendations: change.recommendations ? change.recommendations(recs) : recs,
  };
  const steps = (copy.steps ?? []).map((s) => ({ ...s, JobName: jobName }));
  copy.steps = change.steps ? change.steps(steps) : steps;
  return copy;
}

export interface PublishedNotification {
  subject: string | undefined;
  structure: string | undefined;
  attributes: Record<string, string | undefined>;
  /** The per-protocol messages. */
  byProtocol: Record<string, string>;
  text: string;
  detail: unknown;
  /** Bytes as SNS counts them: the message plus every attribute. */
  size: number;
}

export function decodePublished(message: {
  subject?: string;
  messageStructure?: string;
  message: string;
  messageAttributes: Record<string, { dataType: string; stringValue?: string }>;
}): PublishedNotification {
  const byProtocol = JSON.parse(message.message) as Record<string, string>;
  const attributes: Record<string, string | undefined> = {};
  let size = Buffer.byteLength(message.message);
  for (const [name, attribute] of Object.entries(message.messageAttributes)) {
    attributes[name] = attribute.stringValue;
    size +=
      Buffer.byteLength(name) +
      Buffer.byteLength(attribute.dataType) +
      Buffer.byteLength(attribute.stringValue ?? '');
  }
  return {
    subject: message.subject,
    structure: message.messageStructure,
    attributes,
    byProtocol,
    text: byProtocol.email ?? '',
    detail: JSON.parse(byProtocol.sqs ?? 'null') as unknown,
    size,
  };
}
