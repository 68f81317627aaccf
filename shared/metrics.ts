import { Metrics } from '@aws-lambda-powertools/metrics';

/** irwatch's CloudWatch metrics (EMF), for the functions that publish some (see observability.ts). */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'irwatch',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'irwatch',
});
