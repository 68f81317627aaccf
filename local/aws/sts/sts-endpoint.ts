import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen as listenHttp, readBody, send, type LocalServer } from '../http-server.js';
import { callerOf, denialMessage, type Caller, type Gate } from '../iam/gate.js';
import type { LocalIdentities } from '../iam/identities.js';
import { xmlEscape } from '../sns/sns-endpoint.js';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const VERSION = '2011-06-15';

/** A session assumed from another role session lasts an hour at most (role chaining). */
const CHAINED_MAX_SECONDS = 3600;

class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface StsEndpointOptions {
  identities: LocalIdentities;
  /** Epoch milliseconds; the wall clock by default. */
  now?: () => number;
}

export interface StsEndpoint {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Behind its gate, which knows the caller: STS answers who is asking and for which role. */
  listen(port: number, gate: Gate): Promise<LocalServer>;
}

/** AWS's wire time: ISO 8601 in UTC, whole seconds. */
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The constraints of botocore's sts model, phrased as STS's validation errors are. */
function validate(params: URLSearchParams): string[] {
  const problems: string[] = [];
  const fail = (field: string, value: unknown, constraint: string) =>
    problems.push(
      `Value '${String(value)}' at '${field[0]!.toLowerCase()}${field.slice(1)}' failed to satisfy constraint: ${constraint}`,
    );
  const text = (field: string, min: number, max: number, pattern?: RegExp, required = false) => {
    const value = params.get(field);
    if (value === null) {
      if (required) fail(field, null, 'Member must not be null');
      return;
    }
    if (value.length < min)
      fail(field, value, `Member must have length greater than or equal to ${min}`);
    else if (value.length > max)
      fail(field, value, `Member must have length less than or equal to ${max}`);
    else if (pattern && !new RegExp(`^${pattern.source}$`).test(value)) {
      fail(field, value, `Member must satisfy regular expression pattern: ${pattern.source}`);
    }
  };
  text('RoleArn', 20, 2048, undefined, true);
  text('RoleSessionName', 2, 64, /[\w+=,.@-]*/, true);
  text('ExternalId', 2, 1224, /[\w+=,.@:/-]*/);
  text('SourceIdentity', 2, 64, /[\w+=,.@-]*/);
  const duration = params.get('DurationSeconds');
  if (duration !== null) {
    const seconds = Number(duration);
    if (!Number.isInteger(seconds)) fail('DurationSeconds', duration, 'Member must be an integer');
    else if (seconds < 900)
      fail('DurationSeconds', duration, 'Member must have value greater than or equal to 900');
    else if (seconds > 43200)
      fail('DurationSeconds', duration, 'Member must have value less than or equal to 43200');
  }
  return problems;
}

/**
 * The local STS, in the query protocol its SDKs speak: AssumeRole hands out sessions of the local
 * world's roles (the hub's and the spoke accounts'), which then sign as that role with its
 * policies until they expire; GetCallerIdentity says who signed. Its gate has already decided
 * sts:AssumeRole with the caller's policies and the role's trust policy, as AWS does.
 */
export function createStsEndpoint(options: StsEndpointOptions): StsEndpoint {
  const { identities } = options;
  const now = options.now ?? Date.now;

  function assumeRole(params: URLSearchParams, caller: Caller): string {
    const problems = validate(params);
    if (problems.length > 0) {
      throw new StsError(
        400,
        'ValidationError',
        `${problems.length} validation error${problems.length === 1 ? '' : 's'} detected: ${problems.join('; ')}`,
      );
    }
    const roleArn = params.get('RoleArn')!;
    const sessionName = params.get('RoleSessionName')!;
    const role = identities.roleByArn(roleArn);
    // AWS does not tell a caller whether a role exists: a missing one is denied like any other.
    if (!role) {
      throw new StsError(
        403,
        'AccessDenied',
        denialMessage(caller.callerArn, { action: 'sts:AssumeRole', resource: roleArn }),
      );
    }
    const seconds = Number(params.get('DurationSeconds') ?? 3600);
    if (caller.principal.role && seconds > CHAINED_MAX_SECONDS) {
      throw new StsError(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }
    if (seconds > role.maxSessionSeconds) {
      throw new StsError(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    const expiresAt = now() + seconds * 1000;
    const session = identities.issueSession(role, sessionName, expiresAt);
    return (
      `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId>` +
      `<SecretAccessKey>${xmlEscape(session.secretAccessKey)}</SecretAccessKey>` +
      `<SessionToken>${xmlEscape(session.sessionToken ?? '')}</SessionToken>` +
      `<Expiration>${isoSeconds(expiresAt)}</Expiration></Credentials>` +
      `<AssumedRoleUser><AssumedRoleId>${xmlEscape(session.userId)}</AssumedRoleId>` +
      `<Arn>${xmlEscape(session.callerArn)}</Arn></AssumedRoleUser>`
    );
  }

  const getCallerIdentity = (caller: Caller) =>
    `<Arn>${xmlEscape(caller.callerArn)}</Arn><UserId>${xmlEscape(caller.principal.userId)}</UserId>` +
    `<Account>${caller.principal.account}</Account>`;

  function reply(res: ServerResponse, action: string, result: string): void {
    const requestId = randomUUID();
    send(
      res,
      200,
      `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    );
  }

  function replyError(res: ServerResponse, error: StsError): void {
    const requestId = randomUUID();
    send(
      res,
      error.status,
      `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${xmlEscape(error.code)}</Code>` +
        `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const params =
      req.method === 'POST'
        ? new URLSearchParams(body)
        : new URL(req.url ?? '/', 'http://local.invalid').searchParams;
    const action = params.get('Action') ?? '';
    try {
      const caller = callerOf(req);
      if (!caller) {
        throw new StsError(
          403,
          'MissingAuthenticationToken',
          'Request is missing Authentication Token',
        );
      }
      if (params.get('Version') !== VERSION) {
        throw new StsError(
          400,
          'InvalidAction',
          `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`,
        );
      }
      if (action === 'AssumeRole') reply(res, action, assumeRole(params, caller));
      else if (action === 'GetCallerIdentity') reply(res, action, getCallerIdentity(caller));
      else {
        throw new StsError(
          400,
          'InvalidAction',
          `Could not find operation ${action} for version ${VERSION}`,
        );
      }
    } catch (error) {
      if (!(error instanceof StsError)) throw error;
      replyError(res, error);
    }
  }

  return {
    handle,
    listen: (port, gate) => listenHttp(handle, { port, gate }),
  };
}
