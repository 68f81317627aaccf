import { describe, expect, it } from 'vitest';
import { configurationLabel } from '../../shared/model/configuration-label.js';

describe('configurationLabel', () => {
  it('labels instance counts and serverless memory, with concurrency when asked', () => {
    const base = { endpointType: 'RealTime' as const, serverless: null };
    const label = configurationLabel;
    expect(label({ ...base, instanceType: 'ml.g5.xlarge', initialInstanceCount: 1 })).toBe(
      'ml.g5.xlarge',
    );
    expect(label({ ...base, instanceType: 'ml.g5.xlarge', initialInstanceCount: 3 })).toBe(
      'ml.g5.xlarge x 3',
    );
    expect(label({ ...base, instanceType: null, initialInstanceCount: null })).toBe(
      'unknown instance type',
    );
    const serverless = {
      endpointType: 'Serverless',
      instanceType: null,
      serverless: { memorySizeInMB: 6144, maxConcurrency: 20, provisionedConcurrency: 5 },
    };
    expect(label(serverless)).toBe('serverless 6144 MB');
    expect(label(serverless, { concurrency: true })).toBe(
      'serverless 6144 MB, max concurrency 20, provisioned 5',
    );
    expect(
      label(
        { ...serverless, serverless: { ...serverless.serverless, provisionedConcurrency: null } },
        { concurrency: true },
      ),
    ).toBe('serverless 6144 MB, max concurrency 20');
    // A best entry and a comparison's configuration carry the memory size flat.
    expect(label({ endpointType: 'Serverless', instanceType: null, memorySizeInMB: 2048 })).toBe(
      'serverless 2048 MB',
    );
    expect(label({ endpointType: 'Serverless', instanceType: null, serverless: null })).toBe(
      'serverless',
    );
  });
});
