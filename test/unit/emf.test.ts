import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { createCountPublisher, emfDocument } from '../../shared/emf.js';

describe('the api’s EMF counts', () => {
  it('write the document Powertools Metrics writes for the same counts', () => {
    const powertools = new Metrics({ namespace: 'irwatch', serviceName: 'irwatch' });
    powertools.addDimension('route', 'listJobs');
    powertools.addMetric('DynamoDbRequests', MetricUnit.Count, 3);
    powertools.addMetric('ItemsRead', MetricUnit.Count, 0);
    powertools.addMetric('ItemsReturned', MetricUnit.Count, 12);
    const expected = powertools.serializeMetrics() as unknown as { _aws: { Timestamp: number } };
    const ours = emfDocument(
      { namespace: 'irwatch', service: 'irwatch', now: () => expected._aws.Timestamp },
      { route: 'listJobs' },
      { DynamoDbRequests: 3, ItemsRead: 0, ItemsReturned: 12 },
    );
    expect(JSON.stringify(ours)).toBe(JSON.stringify(expected));
  });

  it('publish one line per call, under the Powertools variables, and none when disabled', () => {
    const lines: string[] = [];
    const env = { POWERTOOLS_METRICS_NAMESPACE: 'ns', POWERTOOLS_SERVICE_NAME: 'svc' };
    createCountPublisher(env, (line) => lines.push(line)).publish({ route: 'r' }, { Items: 2 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'ns', Dimensions: [['service', 'route']] }] },
      service: 'svc',
      route: 'r',
      Items: 2,
    });
    const disabled = { ...env, POWERTOOLS_METRICS_DISABLED: 'true' };
    createCountPublisher(disabled, (line) => lines.push(line)).publish(
      { route: 'r' },
      { Items: 2 },
    );
    expect(lines).toHaveLength(1);
  });
});
