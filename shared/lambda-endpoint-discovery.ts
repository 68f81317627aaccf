/**
 * Stands in for @aws-sdk/middleware-endpoint-discovery in the Lambda bundles only (an esbuild
 * alias in serverless.yml). The DynamoDB client resolves its endpoint-discovery settings and
 * builds an endpoint cache at construction, yet none of its commands adds the discovery
 * middleware (DynamoDB's regional endpoints need none), so the cache is never read: about 2 KB
 * per function. Discovery reads as switched off, whatever AWS_ENABLE_ENDPOINT_DISCOVERY says.
 */
export const NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS = {
  environmentVariableSelector: () => false,
  configFileSelector: () => false,
  default: false,
};

export const resolveEndpointDiscoveryConfig = <T extends object>(input: T) =>
  Object.assign(input, {
    endpointDiscoveryEnabled: () => Promise.resolve(false),
    isClientEndpointDiscoveryEnabled: false,
  });
