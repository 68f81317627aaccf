import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';

export class ServerlessConfigError extends Error {
  override name = 'ServerlessConfigError';
}

/** A CloudFormation intrinsic kept as written (`!GetAtt EventBus.Name` → `{ 'Fn::GetAtt': ... }`). */
const intrinsic = (tag: string, fn: string): Array<ScalarTag | CollectionTag> => [
  {
    tag: `!${tag}`,
    resolve: (value: string) => ({ [fn]: fn === 'Fn::GetAtt' ? value.split('.') : value }),
  },
  { tag: `!${tag}`, collection: 'seq', resolve: (value) => ({ [fn]: value.toJSON() }) },
  { tag: `!${tag}`, collection: 'map', resolve: (value) => ({ [fn]: value.toJSON() }) },
];

const cloudFormationTags = [
  ['GetAtt', 'Fn::GetAtt'],
  ['Ref', 'Ref'],
  ['Sub', 'Fn::Sub'],
  ['Join', 'Fn::Join'],
  ['If', 'Fn::If'],
  ['Equals', 'Fn::Equals'],
  ['Select', 'Fn::Select'],
  ['Split', 'Fn::Split'],
  ['ImportValue', 'Fn::ImportValue'],
  ['FindInMap', 'Fn::FindInMap'],
  ['GetAZs', 'Fn::GetAZs'],
  ['Base64', 'Fn::Base64'],
  ['Not', 'Fn::Not'],
  ['And', 'Fn::And'],
  ['Or', 'Fn::Or'],
].flatMap(([tag, fn]) => intrinsic(tag!, fn!));

/** A YAML file with CloudFormation's short forms (`!Sub`, `!GetAtt`), or a JSON file, as written. */
export const readTemplateDocument = (path: string): unknown => readYaml(path);

const FILE_INCLUDE = /^\$\{file\(([^)]+)\)(?::([\w.]+))?\}$/;

function readYaml(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ServerlessConfigError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return path.endsWith('.json')
      ? JSON.parse(text)
      : parse(text, { customTags: cloudFormationTags, uniqueKeys: true });
  } catch (error) {
    throw new ServerlessConfigError(
      `${path} does not parse: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}

/**
 * Resolves the `${file(...)}` includes and `${sls:stage}` of a serverless.yml, leaving other
 * variables and CloudFormation intrinsics as written: enough for the local stack to read the
 * function definitions and rule patterns that osls deploys, without running osls.
 */
function resolveIncludes(value: unknown, baseDir: string, stage: string): unknown {
  if (typeof value === 'string') {
    const include = FILE_INCLUDE.exec(value.trim());
    if (include) {
      const path = resolve(baseDir, include[1]!);
      let included = readYaml(path);
      for (const key of include[2]?.split('.') ?? []) {
        included = (included as Record<string, unknown> | undefined)?.[key];
      }
      return resolveIncludes(included, dirname(path), stage);
    }
    return value.replaceAll('${sls:stage}', stage);
  }
  if (Array.isArray(value)) return value.map((item) => resolveIncludes(item, baseDir, stage));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveIncludes(item, baseDir, stage)]),
    );
  }
  return value;
}

/**
 * The whole serverless.yml with its `${file(...)}` includes and `${sls:stage}` resolved, other
 * variables and CloudFormation intrinsics as written (see iam/template-policies.ts).
 */
export function readServerlessDocument(path: string, stage: string): unknown {
  return resolveIncludes(readYaml(path), dirname(path), stage);
}

export interface EventBridgeTrigger {
  /** `default`, or the irwatch bus when the rule names `!GetAtt EventBus.Name`. */
  bus: 'default' | 'irwatch';
  /** The rule's name and description, as deployed (the local endpoints list them). */
  name?: string;
  description?: string;
  pattern?: unknown;
  schedule?: string;
  /** The constant input a schedule rule sends instead of the Scheduled Event. */
  input?: unknown;
  maximumRetryAttempts?: number;
}

export interface FunctionDefinition {
  name: string;
  /** `functions/ingest/handler.handler` → module `functions/ingest/handler`, export `handler`. */
  handlerModule: string;
  handlerExport: string;
  timeoutSeconds: number;
  maximumRetryAttempts: number;
  eventBridge: EventBridgeTrigger[];
  httpApi: Array<{ method: string; path: string }>;
  /** The logical id of the function's IAM role in `resources` (`role: IngestRole`). */
  role?: string;
}

/** A CloudFormation resource as written: intrinsics kept, serverless variables resolved. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface ServiceDefinition {
  service: string;
  functions: FunctionDefinition[];
  /** The resources of every `resources` block, merged by logical id. */
  resources: Record<string, CfnResource>;
}

const PARAM = /\$\{param:([\w-]+)(?:,\s*'([^']*)')?\}/g;

/**
 * Resolves `${param:name}` and `${param:name, 'default'}` from the stage's params (or the
 * `default` ones), as osls does; the rest of osls's variable sources are not used by irwatch.
 */
function resolveParams(value: unknown, params: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{param:([\w-]+)(?:,\s*'([^']*)')?\}$/.exec(value);
    if (whole && typeof params[whole[1]!] !== 'string') return params[whole[1]!] ?? whole[2];
    return value.replace(PARAM, (_all, name: string, fallback?: string) =>
      String(params[name] ?? fallback ?? ''),
    );
  }
  if (Array.isArray(value)) return value.map((item) => resolveParams(item, params));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveParams(item, params)]),
    );
  }
  return value;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function readServerlessConfig(path: string, stage = 'local'): ServiceDefinition {
  const included = resolveIncludes(readYaml(path), dirname(path), stage);
  if (!isRecord(included)) throw new ServerlessConfigError(`${path} is not a YAML mapping`);
  const stageParams = isRecord(included.params)
    ? { ...(included.params.default as object), ...(included.params[stage] as object) }
    : {};
  const config = resolveParams(included, stageParams) as Record<string, unknown>;
  const rawFunctions = config.functions;
  const merged: Record<string, unknown> = Array.isArray(rawFunctions)
    ? Object.assign({}, ...rawFunctions.filter(isRecord))
    : isRecord(rawFunctions)
      ? rawFunctions
      : {};
  const functions = Object.entries(merged).map(([name, raw]): FunctionDefinition => {
    if (!isRecord(raw) || typeof raw.handler !== 'string') {
      throw new ServerlessConfigError(`${path}: function "${name}" has no handler`);
    }
    const dot = raw.handler.lastIndexOf('.');
    const events = Array.isArray(raw.events) ? raw.events.filter(isRecord) : [];
    return {
      name,
      handlerModule: raw.handler.slice(0, dot),
      handlerExport: raw.handler.slice(dot + 1),
      timeoutSeconds: typeof raw.timeout === 'number' ? raw.timeout : 6,
      maximumRetryAttempts:
        typeof raw.maximumRetryAttempts === 'number' ? raw.maximumRetryAttempts : 2,
      eventBridge: events
        .map((event) => event.eventBridge)
        .filter(isRecord)
        .map((rule) => ({
          bus: rule.eventBus === undefined || rule.eventBus === 'default' ? 'default' : 'irwatch',
          ...(typeof rule.name === 'string' ? { name: rule.name } : {}),
          ...(typeof rule.description === 'string' ? { description: rule.description } : {}),
          pattern: rule.pattern,
          schedule: typeof rule.schedule === 'string' ? rule.schedule : undefined,
          input: rule.input,
          maximumRetryAttempts: isRecord(rule.retryPolicy)
            ? (rule.retryPolicy.maximumRetryAttempts as number | undefined)
            : undefined,
        })),
      httpApi: events
        .map((event) => event.httpApi)
        .filter(isRecord)
        .map((route) => ({ method: String(route.method), path: String(route.path) })),
      ...(typeof raw.role === 'string' ? { role: raw.role } : {}),
    };
  });
  const blocks = Array.isArray(config.resources) ? config.resources : [config.resources];
  const resources: Record<string, CfnResource> = {};
  for (const block of blocks) {
    if (isRecord(block) && isRecord(block.Resources)) {
      Object.assign(resources, block.Resources);
    }
  }
  return { service: String(config.service), functions, resources };
}
