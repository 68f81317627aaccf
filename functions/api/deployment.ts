import type { Recommendation } from '../../shared/model/types.js';

/**
 * Deployment advice: what a recommendation becomes in CreateEndpointConfig, and what to do
 * before deploying it. `GET /jobs/{job}/recommendations/{id}` and the capacity plan both give it,
 * from here.
 */

/** `AllTraffic` is the variant name SageMaker's own SDKs give a single-variant endpoint. */
export const VARIANT_NAME = 'AllTraffic';

/** The part of a ProductionVariant a recommendation decides: instances, or serverless settings. */
export type VariantConfiguration =
  | { InstanceType: string; InitialInstanceCount: number }
  | {
      ServerlessConfig: {
        MemorySizeInMB: number;
        MaxConcurrency: number;
        ProvisionedConcurrency?: number;
      };
    };

/**
 * The recommendation's configuration as ProductionVariant fields, with `instanceCount` instances
 * (the recommendation's own count unless given); null when SageMaker reported it incomplete.
 */
export function variantConfigurationOf(
  rec: Recommendation,
  instanceCount: number | null = rec.initialInstanceCount,
): VariantConfiguration | null {
  if (rec.endpointType === 'Serverless') {
    const memory = rec.serverless?.memorySizeInMB;
    const concurrency = rec.serverless?.maxConcurrency;
    const provisioned = rec.serverless?.provisionedConcurrency;
    if (!memory || !concurrency) return null;
    return {
      ServerlessConfig: {
        MemorySizeInMB: memory,
        MaxConcurrency: concurrency,
        ...(provisioned ? { ProvisionedConcurrency: provisioned } : {}),
      },
    };
  }
  if (!rec.instanceType || !instanceCount) return null;
  return { InstanceType: rec.instanceType, InitialInstanceCount: instanceCount };
}

/** The environment variables the recommendation was measured with. */
export function environmentOf(rec: Recommendation): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const parameter of rec.environmentParameters) {
    if (parameter.key !== null && parameter.value !== null) {
      environment[parameter.key] = parameter.value;
    }
  }
  return environment;
}

/** What the job benchmarked: a Model by name, or a model package. */
export interface BenchmarkedModel {
  modelName: string | null;
  modelPackageVersionArn: string | null;
}

/** What to do before deploying the recommendation's configuration, when anything. */
export function deploymentNotes(rec: Recommendation, model: BenchmarkedModel): string[] {
  const notes: string[] = [];
  if (model.modelName === null) {
    const benchmarked = model.modelPackageVersionArn
      ? `model package ${model.modelPackageVersionArn}`
      : 'a model package';
    notes.push(
      `The job benchmarked ${benchmarked}: create a Model from it (CreateModel with PrimaryContainer.ModelPackageName) and put that model's name in ModelName.`,
    );
  }
  if (Object.keys(environmentOf(rec)).length > 0) {
    notes.push(
      'A ProductionVariant has no environment: the model was measured with `environment` set on its container, so create the Model with PrimaryContainer.Environment holding those variables.',
    );
  }
  const specification = rec.modelConfiguration?.inferenceSpecificationName;
  if (specification) {
    notes.push(`Use the model package's inference specification ${specification}.`);
  }
  const compilation = rec.modelConfiguration?.compilationJobName;
  if (compilation) {
    notes.push(
      `The model was measured as compiled by compilation job ${compilation}: deploy those artifacts.`,
    );
  }
  return notes;
}
