import { listen, readBody, send, type LocalServer } from '../../local/aws/http-server.js';
import {
  readSignedClaims,
  signatureMatches,
  signedTime,
} from '../../local/aws/iam/sigv4-verify.js';

/**
 * A stand-in for a deployed irwatch API behind API Gateway's IAM authorization: every request must
 * carry a SigV4 signature for service `execute-api` in the API's region, by a known access key,
 * recomputed here with that key's secret (local/aws/iam/sigv4-verify.ts, as the local AWS
 * endpoints verify theirs); a refusal is a 403 with API Gateway's `{"message": ...}`. Accepted
 * requests under the stage's path are forwarded to the local stack's API.
 */

export interface SignedApiStandIn extends LocalServer {
  /** The URL to pass as --api-url: the stand-in's origin and the stage. */
  apiUrl: string;
  /** Each request: its path and whether the signature was accepted. */
  received: Array<{ path: string; accepted: boolean; refusal?: string }>;
}

export async function startSignedApiStandIn(options: {
  target: string;
  region: string;
  stage: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}): Promise<SignedApiStandIn> {
  const received: SignedApiStandIn['received'] = [];
  const server = await listen(async (req, res) => {
    const body = Buffer.from(await readBody(req));
    const refuse = (message: string) => {
      received.push({ path: req.url ?? '', accepted: false, refusal: message });
      send(res, 403, JSON.stringify({ message }), { 'content-type': 'application/json' });
    };
    const claims = readSignedClaims(req);
    if ('kind' in claims) return refuse(claims.kind === 'missing' ? 'Forbidden' : claims.message);
    if (claims.accessKeyId !== options.credentials.accessKeyId) {
      return refuse('The security token included in the request is invalid.');
    }
    if (claims.service !== 'execute-api') {
      return refuse("Credential should be scoped to correct service: 'execute-api'. ");
    }
    if (claims.region !== options.region) {
      return refuse(`Credential should be scoped to a valid region, not '${claims.region}'. `);
    }
    const stale = signedTime(req, Date.now());
    if (stale) return refuse(stale.message);
    if (!signatureMatches(req, body, claims, options.credentials.secretAccessKey)) {
      return refuse(
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    }
    received.push({ path: req.url ?? '', accepted: true });
    const prefix = `/${options.stage}`;
    if (req.method !== 'GET' || !req.url?.startsWith(`${prefix}/`)) {
      return send(res, 404, JSON.stringify({ message: 'Not Found' }), {
        'content-type': 'application/json',
      });
    }
    const answer = await fetch(`${options.target}${req.url.slice(prefix.length)}`, {
      headers: { accept: req.headers.accept ?? 'application/json' },
    });
    send(res, answer.status, await answer.text(), {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
  });
  return { ...server, apiUrl: `${server.url}/${options.stage}`, received };
}
