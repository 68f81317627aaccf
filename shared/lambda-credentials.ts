import { environmentCredentials } from './environment-credentials.js';

/**
 * Stands in for @aws-sdk/credential-provider-node in the Lambda bundles only (an esbuild alias in
 * serverless.yml): Lambda hands every function its role's credentials in environment variables,
 * so the rest of the default chain (profiles, SSO, IMDS, process, web identity) is dead weight,
 * about 120 KB and 10 ms of cold start per function. The local stack and the tests run the
 * sources with the full chain.
 */
export const defaultProvider = () => environmentCredentials();
