/**
 * What a deployable configuration is called, wherever irwatch names one: the notification, the
 * dashboard, the API's comparison key and the CLI's tables. Plain text: a caller that needs
 * another format (HTML) wraps the label, it does not write its own.
 */
export interface DeployableConfiguration {
  endpointType: string;
  instanceType: string | null;
  initialInstanceCount?: number | null;
  serverless?: {
    memorySizeInMB?: number | null;
    maxConcurrency?: number | null;
    provisionedConcurrency?: number | null;
  } | null;
  /** The flat form of `serverless.memorySizeInMB` (a best entry, a comparison's configuration). */
  memorySizeInMB?: number | null;
}

const known = (value: number | null | undefined): value is number =>
  value !== null && value !== undefined;

/**
 * `ml.g5.xlarge`, `ml.g5.xlarge x 2` (a count of one goes unsaid) or `serverless 2048 MB`; with
 * `concurrency`, a serverless one also says what a person deploying it needs to set:
 * `serverless 2048 MB, max concurrency 5, provisioned 2`.
 */
export function configurationLabel(
  config: DeployableConfiguration,
  options: { concurrency?: boolean } = {},
): string {
  if (config.endpointType === 'Serverless') {
    const memory = config.serverless?.memorySizeInMB ?? config.memorySizeInMB;
    const label = known(memory) ? `serverless ${memory} MB` : 'serverless';
    const concurrency = config.serverless?.maxConcurrency;
    if (!options.concurrency || !known(concurrency)) return label;
    const provisioned = config.serverless?.provisionedConcurrency;
    return known(provisioned)
      ? `${label}, max concurrency ${concurrency}, provisioned ${provisioned}`
      : `${label}, max concurrency ${concurrency}`;
  }
  const type = config.instanceType ?? 'unknown instance type';
  const count = config.initialInstanceCount;
  return known(count) && count > 1 ? `${type} x ${count}` : type;
}
