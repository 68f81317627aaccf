import { badRequest } from './problem.js';

/**
 * A path matcher small enough to read: patterns such as `/jobs/{jobName}` and
 * `/models/{modelName+}/jobs`, where `{name+}` takes one or more segments. API Gateway HTTP APIs
 * hand over `rawPath` already percent-decoded (an encoded slash arrives as a slash), so values
 * that hold slashes (recommendation ids, model package ARNs) are matched with `{name+}` and
 * rejoined; a path that still holds escapes is decoded segment by segment.
 *
 * Why not `@middy/http-router` (6.4.5, the middy this project runs): it takes a greedy parameter
 * only as the last segment and only named `{proxy+}`, so `/models/{modelName+}/jobs` and a job
 * ARN's slash inside `/jobs/{job}/recommendations` cannot be expressed; and a known path asked
 * with another method goes to its `notFoundResponse` (404 by default), where HTTP and this API's
 * contract answer 405 with `Allow`. Answering 405 through that hook would mean matching every
 * route again by hand, so this matcher stays, at under a hundred lines.
 */

type Segment = { literal: string } | { param: string; greedy: boolean };

export interface CompiledPattern {
  pattern: string;
  segments: Segment[];
}

export function compilePattern(pattern: string): CompiledPattern {
  const segments = splitPath(pattern).map((part): Segment => {
    const param = /^\{([A-Za-z]\w*)(\+?)\}$/.exec(part);
    return param ? { param: param[1] as string, greedy: param[2] === '+' } : { literal: part };
  });
  if (segments.filter((s) => 'param' in s && s.greedy).length > 1) {
    throw new Error(`${pattern}: at most one greedy parameter`);
  }
  return { pattern, segments };
}

const splitPath = (path: string) => path.split('/').filter((part, index) => index > 0 || part);

function decodeSegment(raw: string, param: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest([{ name: param, in: 'path', reason: 'is not valid percent-encoding' }]);
  }
}

/** The raw (still encoded) parameter values, or undefined when the path does not match. */
export function matchPath(
  compiled: CompiledPattern,
  rawPath: string,
): Record<string, string> | undefined {
  const parts = splitPath(rawPath === '' ? '/' : rawPath);
  // A trailing slash names the same resource: /jobs/ is /jobs.
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const { segments } = compiled;
  const greedyAt = segments.findIndex((s) => 'param' in s && s.greedy);
  const fixedCount = segments.length - (greedyAt === -1 ? 0 : 1);
  if (greedyAt === -1 ? parts.length !== segments.length : parts.length <= fixedCount) {
    return undefined;
  }
  const params: Record<string, string> = {};
  const tail = segments.length - greedyAt - 1;
  for (let index = 0; index < segments.length; index += 1) {
    const segment = segments[index] as Segment;
    let value: string;
    if (greedyAt !== -1 && index === greedyAt) {
      value = parts.slice(index, parts.length - tail).join('/');
    } else {
      const partIndex =
        greedyAt !== -1 && index > greedyAt ? parts.length - (segments.length - index) : index;
      value = parts[partIndex] as string;
    }
    if ('literal' in segment) {
      if (value !== segment.literal) return undefined;
    } else {
      if (value === '') return undefined;
      params[segment.param] = value;
    }
  }
  return params;
}

/** Decodes matched values; a greedy value is decoded per segment and rejoined with slashes. */
export function decodeParams(raw: Record<string, string>): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    decoded[name] = value
      .split('/')
      .map((part) => decodeSegment(part, name))
      .join('/');
  }
  return decoded;
}

/**
 * A job ARN (`arn:aws:sagemaker:<region>:<account>:inference-recommendations-job/<name>`) holds
 * one slash, which API Gateway decodes before the handler sees the path like every other: put it
 * back inside its segment, so `/jobs/{jobName}/...` matches an ARN as it matches a name.
 */
const JOB_ARN_SLASH = /^(\/jobs\/arn(?::|%3A)[^/]*?inference-recommendations-job)\//i;

export const keepJobArnWhole = (rawPath: string): string => rawPath.replace(JOB_ARN_SLASH, '$1%2F');
