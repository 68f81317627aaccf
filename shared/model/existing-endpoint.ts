import type {
  DescribeEndpointConfigOutput,
  DescribeEndpointOutput,
} from '@aws-sdk/client-sagemaker';
import type { EndpointPerformance, ExistingEndpoint, ExistingEndpointVariant } from './types.js';

/**
 * An existing endpoint's configuration from DescribeEndpoint and DescribeEndpointConfig:
 * per variant its instance type (only the configuration says it) and its instance count (the
 * endpoint's current one, else the configuration's initial one). Undefined for either means
 * SageMaker no longer knew it: the plan then says its configuration is unknown.
 */
export function existingEndpointOf(
  performance: Pick<EndpointPerformance, 'endpointName' | 'maxInvocations' | 'modelLatency'>,
  endpoint: DescribeEndpointOutput | undefined,
  config: DescribeEndpointConfigOutput | undefined,
): ExistingEndpoint {
  const { endpointName, maxInvocations, modelLatency } = performance;
  const measured = { endpointName, maxInvocations, modelLatency };
  if (!endpoint) {
    return {
      ...measured,
      found: false,
      endpointConfigName: null,
      variants: [],
      note: 'SageMaker no longer knew this endpoint when the job was recorded (deleted since the job ran).',
    };
  }
  const configName = endpoint.EndpointConfigName ?? null;
  if (!config) {
    return {
      ...measured,
      found: false,
      endpointConfigName: configName,
      variants: [],
      note: `SageMaker no longer knew the endpoint's configuration ${configName ?? '(none named)'} when the job was recorded.`,
    };
  }
  const running = new Map(
    (endpoint.ProductionVariants ?? []).map((variant) => [variant.VariantName, variant]),
  );
  const variants = (config.ProductionVariants ?? []).map((variant): ExistingEndpointVariant => {
    const now = running.get(variant.VariantName);
    const serverless = now?.CurrentServerlessConfig ?? variant.ServerlessConfig;
    return {
      variantName: variant.VariantName ?? '',
      instanceType: variant.InstanceType ?? null,
      instanceCount: serverless
        ? null
        : (now?.CurrentInstanceCount ?? variant.InitialInstanceCount ?? null),
      serverless:
        serverless?.MemorySizeInMB !== undefined && serverless.MaxConcurrency !== undefined
          ? { memorySizeInMB: serverless.MemorySizeInMB, maxConcurrency: serverless.MaxConcurrency }
          : null,
    };
  });
  return { ...measured, found: true, endpointConfigName: configName, variants, note: null };
}
