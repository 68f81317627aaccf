import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import {
  jsonErrorReply,
  parseJsonObject,
  ServiceError,
  targetOperation,
  type Reply,
} from '../aws-json.js';
import type { LocalIdentities, LocalPrincipal } from './identities.js';
import type { AuthorizationRequest, CallInput, Place, ServiceProtocol } from './requests.js';
import type { PolicyDocument } from './template-policies.js';
import { readSignedClaims, signatureMatches, signedTime } from './sigv4-verify.js';

/** What a local endpoint answers instead of the call: the refusal as the real service words it. */
export type Refusal = Reply;

/** One call the gate let through or refused, for the request log. */
export interface CallRecord {
  service: string;
  operation: string;
  caller: string;
  functionName?: string;
  authorizations: Array<
    AuthorizationRequest & {
      allowed: boolean;
      /**
       * For a denied sts:AssumeRole: whether the caller's own policies allowed it, the target
       * role's trust policy (another party's) having refused it.
       */
      callerPoliciesAllowed?: boolean;
    }
  >;
}

export interface GateOptions {
  protocol: ServiceProtocol;
  identities: LocalIdentities;
  /** Resource-based policies by the ARN of their resource (queues, buses, topics, keys). */
  resourcePolicies?: Map<string, PolicyDocument>;
  /**
   * The accounts whose resources the endpoint holds; every account by default. The local world's
   * DynamoDB, bus, topic and queues are the hub's alone: another account's caller has none there.
   */
  accounts?: readonly string[];
  /** False: signatures and callers are still checked, but every signed call is allowed. */
  enforceIam: boolean;
  /** Sees every call that reached IAM evaluation, allowed or not. */
  record?: (call: CallRecord) => void;
  now?: () => number;
}

export interface Gate {
  /** Undefined lets the call through to the endpoint; a Refusal is the whole answer. */
  check(req: IncomingMessage, body: Buffer, port: number): Promise<Refusal | undefined>;
}

/** Who made a call the gate let through, and where it acts: what the endpoint answers from. */
export interface Caller {
  principal: LocalPrincipal;
  callerArn: string;
  /** The caller's account (from its keys) and the region its credential scope names. */
  place: Place;
}

const callers = new WeakMap<IncomingMessage, Caller>();

/** The caller of a request a gate let through; undefined for an endpoint without a gate. */
export const callerOf = (req: IncomingMessage): Caller | undefined => callers.get(req);

/** The account an ARN names (`arn:aws:iam::111111111111:role/x`), if it names one. */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

export interface Evaluation {
  allowed: boolean;
  why: string;
  invalid?: string;
}

/**
 * One authorization as AWS decides it, with AWS's authorization data: the caller's identity
 * policies and the resource's own policy (a role's trust policy for sts:AssumeRole), across
 * accounts as AWS does (another account's resource needs its policy's allow as well).
 */
export async function evaluateAuthorization(
  principal: Pick<LocalPrincipal, 'principalArn' | 'account' | 'policies'>,
  request: AuthorizationRequest,
  resourcePolicy: PolicyDocument | undefined,
  now: number,
  /** The resource's account; the one its ARN names by default. */
  resourceAccount = accountOfArn(request.resource) ?? principal.account,
): Promise<Evaluation> {
  const result = await runSimulation(
    {
      request: {
        principal: principal.principalArn,
        action: request.action,
        resource: { resource: request.resource, accountId: resourceAccount },
        contextVariables: {
          'aws:PrincipalArn': principal.principalArn,
          'aws:PrincipalAccount': principal.account,
          'aws:SecureTransport': 'true',
          'aws:CurrentTime': new Date(now).toISOString(),
          ...request.context,
        },
      },
      identityPolicies: principal.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    const { message, ...policyErrors } = result.errors;
    // A request whose resource cannot be what the action acts on (a user ARN given as a role)
    // is invalid input: the service answers it with its own validation error, not IAM.
    if (Object.keys(policyErrors).length === 0) return { allowed: true, why: '', invalid: message };
    return { allowed: false, why: `a policy cannot be evaluated (${message})` };
  }
  if (result.overallResult === 'Allowed') return { allowed: true, why: '' };
  return {
    allowed: false,
    why:
      result.overallResult === 'ExplicitlyDenied'
        ? `an explicit deny in a policy denies the ${request.action} action`
        : `no identity-based policy allows the ${request.action} action`,
  };
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The Host of a request to a local server: only a loopback name with the server's own port, so
 * that a DNS name rebound to 127.0.0.1 by a web page never gets an answer.
 */
export function isOwnHost(host: string | undefined, port: number): boolean {
  return (
    host !== undefined && LOOPBACK_HOSTS.some((name) => host.toLowerCase() === `${name}:${port}`)
  );
}

/** Browsers say where a request comes from; the SDKs and the AWS CLI never send these. */
export function browserOrigin(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (typeof origin === 'string') return origin;
  const site = req.headers['sec-fetch-site'];
  return typeof site === 'string' ? `a page (Sec-Fetch-Site: ${site})` : undefined;
}

/**
 * Why a local HTTP server for people (the API, the dashboard proxy) refuses a request, if it
 * does: a Host that is not its own (DNS rebinding), or a page of another site calling it.
 */
export function foreignCallerReason(req: IncomingMessage, port: number): string | undefined {
  if (!isOwnHost(req.headers.host, port)) {
    return `Host "${req.headers.host ?? ''}" is not this server: open http://localhost:${port}`;
  }
  const origin = req.headers.origin;
  if (typeof origin === 'string') {
    const own = LOOPBACK_HOSTS.map((name) => `http://${name}:${port}`);
    if (!own.includes(origin.toLowerCase())) {
      return `Requests from other sites (${origin}) are refused`;
    }
  }
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    return `Requests from other sites (Sec-Fetch-Site: ${site}) are refused`;
  }
  return undefined;
}

const xmlEscape = (text: string) => text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);

/** An AWS error in the protocol of the service, as its SDK parses it. */
export function awsError(
  protocol: ServiceProtocol,
  status: number,
  code: string,
  message: string,
): Refusal {
  if (protocol.json) return jsonErrorReply(protocol.json, new ServiceError(status, code, message));
  const requestId = randomUUID();
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<ErrorResponse><Error><Type>Sender</Type><Code>${xmlEscape(code)}</Code>` +
      `<Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

function forbidden(reason: string): Refusal {
  return {
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: `${reason}\n`,
  };
}

/** The operation and its parameters, read the way the service reads them; undefined if unreadable. */
function readCall(
  protocol: ServiceProtocol,
  req: IncomingMessage,
  body: Buffer,
): { operation: string; input: CallInput } | undefined {
  if (!protocol.json) {
    const form = new URLSearchParams(
      body.length > 0
        ? body.toString('utf8')
        : new URL(req.url ?? '/', 'http://local.invalid').search,
    );
    const operation = form.get('Action');
    return operation ? { operation, input: Object.fromEntries(form) } : undefined;
  }
  const operation = targetOperation(req, protocol.json);
  if (operation === undefined) return undefined;
  try {
    return { operation, input: parseJsonObject(body.toString('utf8')) };
  } catch {
    return undefined;
  }
}

/**
 * AWS's wording of a denial, which names the caller, the action and the resource, and for most
 * services why (STS gives no reason: a missing role and a trust that does not admit the caller
 * read alike).
 */
export function denialMessage(
  callerArn: string,
  request: Pick<AuthorizationRequest, 'action' | 'resource'>,
  why?: string,
): string {
  const on = request.resource === '*' ? '' : ` on resource: ${request.resource}`;
  return `User: ${callerArn} is not authorized to perform: ${request.action}${on}${why ? ` because ${why}` : ''}`;
}

/**
 * Stands before a local endpoint as AWS stands before a service: only loopback callers that name
 * this server as their Host and are no browser, only SigV4-signed calls by keys the local world
 * knows, and each call evaluated against the caller's policies (and the resource's own policy)
 * with AWS's authorization data before the endpoint sees it.
 */
export function createGate(options: GateOptions): Gate {
  const { protocol, identities } = options;
  const now = options.now ?? Date.now;
  const error = (status: number, code: string, message: string) =>
    awsError(protocol, status, code, message);
  const query = !protocol.json;

  // A role's trust policy is its resource policy for STS; other resources' policies by ARN.
  const policyOf = (request: AuthorizationRequest) =>
    request.action.startsWith('sts:')
      ? identities.roleByArn(request.resource)?.trustPolicy
      : options.resourcePolicies?.get(request.resource);

  return {
    async check(req, body, port) {
      if (!isOwnHost(req.headers.host, port)) {
        return forbidden(
          `Refused: Host "${req.headers.host ?? ''}" is not this local endpoint (use 127.0.0.1:${port} or localhost:${port}).`,
        );
      }
      const origin = browserOrigin(req);
      if (origin !== undefined) {
        return forbidden(
          `Refused: requests from browsers (${origin}) do not reach the local AWS endpoints.`,
        );
      }

      const claims = readSignedClaims(req);
      if ('kind' in claims && claims.kind === 'missing' && protocol.anonymous) {
        const call = readCall(protocol, req, body);
        if (call && protocol.anonymous(call.operation, req.method ?? 'GET')) return undefined;
      }
      if ('kind' in claims) {
        return claims.kind === 'missing'
          ? error(
              query ? 403 : 400,
              query ? 'MissingAuthenticationToken' : 'MissingAuthenticationTokenException',
              claims.message,
            )
          : error(
              query ? 403 : 400,
              query ? 'IncompleteSignature' : 'IncompleteSignatureException',
              claims.message,
            );
      }
      const principal = identities.byAccessKey(claims.accessKeyId);
      const token = req.headers['x-amz-security-token'];
      if (
        !principal ||
        (principal.sessionToken !== undefined && token !== principal.sessionToken)
      ) {
        return error(
          query ? 403 : 400,
          query ? 'InvalidClientTokenId' : 'UnrecognizedClientException',
          'The security token included in the request is invalid.',
        );
      }
      const signatureError = query ? 'SignatureDoesNotMatch' : 'InvalidSignatureException';
      if (claims.service !== protocol.signingName) {
        return error(
          query ? 403 : 400,
          signatureError,
          `Credential should be scoped to correct service: '${protocol.signingName}'. `,
        );
      }
      const stale = signedTime(req, now());
      if (stale) return error(query ? 403 : 400, signatureError, stale.message);
      if (!signatureMatches(req, body, claims, principal.secretAccessKey)) {
        return error(
          query ? 403 : 400,
          signatureError,
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        );
      }

      if (principal.expiresAt !== undefined && now() >= principal.expiresAt) {
        return error(
          query ? 403 : 400,
          query ? 'ExpiredToken' : 'ExpiredTokenException',
          'The security token included in the request is expired',
        );
      }
      if (options.accounts && !options.accounts.includes(principal.account)) {
        return error(
          protocol.deniedStatus,
          protocol.deniedCode,
          `The local stack holds ${protocol.iamPrefix} resources of account ${options.accounts.join(', ')} only; account ${principal.account} (${principal.callerArn}) has none here.`,
        );
      }

      const where = { account: principal.account, region: claims.region };
      callers.set(req, { principal, callerArn: principal.callerArn, place: where });
      // A call the endpoint cannot read gets the endpoint's own answer (unknown operation, bad JSON).
      const call = readCall(protocol, req, body);
      if (!call) return undefined;
      const requests = await protocol.authorize(call.operation, call.input, where);
      const decisions = await Promise.all(
        requests.map(async (request) => ({
          request,
          ...(await evaluateAuthorization(principal, request, policyOf(request), now())),
        })),
      );
      options.record?.({
        service: protocol.iamPrefix,
        operation: call.operation,
        caller: principal.callerArn,
        ...(principal.functionName ? { functionName: principal.functionName } : {}),
        authorizations: await Promise.all(
          decisions.map(async ({ request, allowed }) =>
            allowed || !request.action.startsWith('sts:')
              ? { ...request, allowed }
              : {
                  ...request,
                  allowed,
                  // The caller's policies alone: as if the role were its own, with no trust policy.
                  callerPoliciesAllowed: (
                    await evaluateAuthorization(
                      principal,
                      request,
                      undefined,
                      now(),
                      principal.account,
                    )
                  ).allowed,
                },
          ),
        ),
      });
      const denied = decisions.find((decision) => !decision.allowed);
      if (!denied || !options.enforceIam) return undefined;
      return error(
        protocol.deniedStatus,
        protocol.deniedCode,
        denialMessage(
          principal.callerArn,
          denied.request,
          protocol.plainDenials ? undefined : denied.why,
        ),
      );
    },
  };
}
