/** Credentials as the SDK's providers hand them over. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working; the SDK refreshes before it too. */
  expiration?: Date;
  accountId?: string;
}

/**
 * The credentials Lambda hands a function in its environment (and the local stack its workers),
 * read at each call as the SDK's `fromEnv` reads them (but for AWS_CREDENTIAL_SCOPE, which only
 * S3 Express and SigV4a use): what shared/aws-request.ts signs with, and,
 * in the Lambda bundles only, the SDK clients' whole credential chain (shared/lambda-credentials.ts).
 */
export const environmentCredentials =
  (env: NodeJS.ProcessEnv = process.env) =>
  async (): Promise<AwsCredentials> => {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error('No AWS credentials: AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set');
    }
    const { AWS_SESSION_TOKEN: sessionToken, AWS_CREDENTIAL_EXPIRATION: expiry } = env;
    const accountId = env.AWS_ACCOUNT_ID;
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken && { sessionToken }),
      ...(expiry && { expiration: new Date(expiry) }),
      ...(accountId && { accountId }),
    };
  };
