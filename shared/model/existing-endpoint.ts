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

/**
 * An endpoint irwatch was refused reading (AccessDenied: a spoke stack from before the plan's
 * savings, or a policy of the account's own): the job is still recorded, with the endpoint's
 * configuration unknown and the reason, rather than failed over an extra the plan can do without.
 */
export function unreadableEndpoint(
  performance: Pick<EndpointPerformance, 'endpointName' | 'maxInvocations' | 'modelLatency'>,
  reason: string,
): ExistingEndpoint {
  const { endpointName, maxInvocations, modelLatency } = performance;
  return {
    endpointName,
    maxInvocations,
    modelLatency,
    found: false,
    endpointConfigName: null,
    variants: [],
    note: `irwatch may not read this endpoint (${reason}): its role, or the account's spoke reader role, needs sagemaker:DescribeEndpoint and sagemaker:DescribeEndpointConfig.`,
  };
}
