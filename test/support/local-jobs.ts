import { join } from 'node:path';
import {
  CreateInferenceRecommendationsJobCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { fromIni } from '@aws-sdk/credential-providers';
import { LOCAL_PROFILE } from '../../local/aws/iam/user-credentials.js';

/**
 * A SageMaker client of a running local stack, signing as one of its users: an AWS profile in
 * the stack's data folder (`irwatch-local`, or the spoke account's), in `region`.
 */
export const localSageMaker = (
  stack: { dataDir: string; endpoints: { sagemaker: string } },
  region: string,
  profile = LOCAL_PROFILE,
) =>
  new SageMakerClient({
    region,
    endpoint: stack.endpoints.sagemaker,
    credentials: fromIni({
      profile,
      filepath: join(stack.dataDir, 'credentials'),
      configFilepath: join(stack.dataDir, 'config'),
    }),
  });

/** Creates a Default job of the churn model package in `account`, in the client's region. */
export async function createChurnJob(
  sagemaker: SageMakerClient,
  job: { name: string; account: string; tags?: Array<{ Key: string; Value: string }> },
): Promise<void> {
  const region = await sagemaker.config.region();
  await sagemaker.send(
    new CreateInferenceRecommendationsJobCommand({
      JobName: job.name,
      JobType: 'Default',
      RoleArn: `arn:aws:iam::${job.account}:role/SageMakerInferenceRecommender`,
      InputConfig: {
        ModelPackageVersionArn: `arn:aws:sagemaker:${region}:${job.account}:model-package/churn/7`,
      },
      ...(job.tags ? { Tags: job.tags } : {}),
    }),
  );
}
