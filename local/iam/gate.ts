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
import type { AuthorizationRequest, CallInput, ServiceProtocol } from './requests.js';
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
  authorizations: Array<AuthorizationRequest & { allowed: boolean }>;
}

export interface GateOptions {
  protocol: ServiceProtocol;
  identities: LocalIdentities;
  /** Resource-based policies by the ARN of their resource (queues, buses, topics, keys). */
  resourcePolicies?: Map<string, PolicyDocument>;
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

/** AWS's wording of a denial, which names the caller, the action and the resource. */
function denialMessage(
  principal: LocalPrincipal,
  request: AuthorizationRequest,
  why: string,
): string {
  const on = request.resource === '*' ? '' : ` on resource: ${request.resource}`;
  return `User: ${principal.callerArn} is not authorized to perform: ${request.action}${on} because ${why}`;
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

  async function evaluate(
    principal: LocalPrincipal,
    request: AuthorizationRequest,
  ): Promise<{ allowed: boolean; why: string; invalid?: string }> {
    const resourcePolicy = options.resourcePolicies?.get(request.resource);
    const result = await runSimulation(
      {
        request: {
          principal: principal.principalArn,
          action: request.action,
          resource: { resource: request.resource, accountId: identities.account },
          contextVariables: {
            'aws:PrincipalArn': principal.principalArn,
            'aws:PrincipalAccount': identities.account,
            'aws:SecureTransport': 'true',
            'aws:CurrentTime': new Date(now()).toISOString(),
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
      if (Object.keys(policyErrors).length === 0)
        return { allowed: true, why: '', invalid: message };
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

      // A call the endpoint cannot read gets the endpoint's own answer (unknown operation, bad JSON).
      const call = readCall(protocol, req, body);
      if (!call) return undefined;
      const where = { account: identities.account, region: claims.region };
      const requests = await protocol.authorize(call.operation, call.input, where);
      const decisions = await Promise.all(
        requests.map(async (request) => ({ request, ...(await evaluate(principal, request)) })),
      );
      options.record?.({
        service: protocol.iamPrefix,
        operation: call.operation,
        caller: principal.callerArn,
        ...(principal.functionName ? { functionName: principal.functionName } : {}),
        authorizations: decisions.map(({ request, allowed }) => ({ ...request, allowed })),
      });
      const denied = decisions.find((decision) => !decision.allowed);
      if (!denied || !options.enforceIam) return undefined;
      return error(
        protocol.deniedStatus,
        protocol.deniedCode,
        denialMessage(principal, denied.request, denied.why),
      );
    },
  };
}
