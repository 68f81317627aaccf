/**
 * CloudWatch metrics in the Embedded Metric Format: one JSON log line that CloudWatch Logs turns
 * into metrics, the same line Powertools Metrics writes for a set of counts with a `service`
 * dimension (test/unit/emf.test.ts compares them). For the api, whose bundle must stay under
 * 300 KB: this is 1 KB where Powertools Metrics is 12 KB. Honours POWERTOOLS_METRICS_DISABLED,
 * POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME as Powertools does.
 */

export type CountMetrics = Record<string, number>;

export interface EmfOptions {
  namespace: string;
  service: string;
  now?: () => number;
}

/** The EMF document of some counts under the service and `dimensions`. */
export function emfDocument(
  options: EmfOptions,
  dimensions: Record<string, string>,
  counts: CountMetrics,
): Record<string, unknown> {
  const names = Object.keys(counts);
  return {
    _aws: {
      Timestamp: (options.now ?? Date.now)(),
      CloudWatchMetrics: [
        {
          Namespace: options.namespace,
          Dimensions: [['service', ...Object.keys(dimensions)]],
          Metrics: names.map((name) => ({ Name: name, Unit: 'Count' })),
        },
      ],
    },
    service: options.service,
    ...dimensions,
    ...counts,
  };
}

export interface CountPublisher {
  /** Writes one EMF line with these counts, unless metrics are disabled. */
  publish(dimensions: Record<string, string>, counts: CountMetrics): void;
}

export function createCountPublisher(
  env: NodeJS.ProcessEnv = process.env,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): CountPublisher {
  const options: EmfOptions = {
    namespace: env.POWERTOOLS_METRICS_NAMESPACE || 'irwatch',
    service: env.POWERTOOLS_SERVICE_NAME || 'irwatch',
  };
  const disabled = /^(true|1)$/i.test(env.POWERTOOLS_METRICS_DISABLED ?? '');
  return {
    publish(dimensions, counts) {
      if (disabled) return;
      write(JSON.stringify(emfDocument(options, dimensions, counts)));
    },
  };
}
