import { compilePattern, matchPath, type CompiledPattern } from '../../functions/api/router.js';
import type { FunctionDefinition } from './serverless-config.js';

interface Route {
  functionName: string;
  method: string;
  compiled: CompiledPattern;
  /** Literal routes win over routes with parameters, as in API Gateway. */
  literal: boolean;
}

export interface HttpRouter {
  /** The function API Gateway would hand a request for this method and (raw) path. */
  functionFor(method: string, rawPath: string): string | undefined;
}

/**
 * The HTTP API's routes from serverless.yml (`httpApi` events), matched the way the api's own
 * router reads a path (a trailing slash names the same resource; `{name+}` takes several
 * segments). Deployed, API Gateway answers a path no route matches with its own bare 404, and a
 * known path asked with another method likewise; locally such a request goes to the function
 * that serves the path, else to `fallback` (the api), whose problem+json names GET /openapi.json.
 */
export function httpRouter(functions: FunctionDefinition[], fallback?: string): HttpRouter {
  const routes: Route[] = functions.flatMap((fn) =>
    fn.httpApi.map((route) => ({
      functionName: fn.name,
      method: route.method.toUpperCase(),
      compiled: compilePattern(route.path),
      literal: !route.path.includes('{'),
    })),
  );
  routes.sort((a, b) => Number(b.literal) - Number(a.literal));
  return {
    functionFor(method, rawPath) {
      const matching = routes.filter((route) => matchPath(route.compiled, rawPath) !== undefined);
      const route =
        matching.find((candidate) => candidate.method === method.toUpperCase()) ?? matching[0];
      return route?.functionName ?? fallback;
    },
  };
}
