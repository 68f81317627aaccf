import type { WireObject, SimulatedJob } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { readFunctionConfig } from './serverless.js';

/** The EventBridge rule pattern of a function, read from its function.yml as serverless does. */
export function rulePatternOf(functionName: string): unknown {
  const pattern = readFunctionConfig(functionName).events?.find((e) => e.eventBridge)?.eventBridge
    ?.pattern;
  if (!pattern) throw new Error(`functions/${functionName}/function.yml has no eventBridge rule`);
  return pattern;
}

export function functionTimeoutOf(functionName: string): number {
  const timeout = readFunctionConfig(functionName).timeout;
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
