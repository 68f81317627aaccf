import { describe, expect, it } from 'vitest';
import { planExistingEndpoint, type TrafficObjective } from '../../functions/api/capacity-plan.js';
import { existingEndpointOf, unreadableEndpoint } from '../../shared/model/existing-endpoint.js';

const OBJECTIVE: TrafficObjective = {
  peakInvocationsPerMinute: 250,
  baselineInvocationsPerMinute: 250,
  peakHoursPerDay: 24,
  maxModelLatency: undefined,
  targetUtilization: 0.5,
  minInstances: 1,
  endpointType: undefined,
  latency: 'flag',
};
const MEASURED = { endpointName: 'prod', maxInvocations: 100, modelLatency: 40 };

describe('an existing endpoint, from DescribeEndpoint and DescribeEndpointConfig', () => {
  it('takes the instance type from the configuration and the count from the endpoint', () => {
    const existing = existingEndpointOf(
      MEASURED,
      {
        EndpointName: 'prod',
        EndpointArn: 'arn:aws:sagemaker:us-east-1:111122223333:endpoint/prod',
        EndpointConfigName: 'prod-3',
        ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: 5 }],
        EndpointStatus: 'InService',
        CreationTime: new Date(0),
        LastModifiedTime: new Date(0),
      },
      {
        EndpointConfigName: 'prod-3',
        EndpointConfigArn: 'arn:aws:sagemaker:us-east-1:111122223333:endpoint-config/prod-3',
        ProductionVariants: [
          { VariantName: 'AllTraffic', InstanceType: 'ml.c5.xlarge', InitialInstanceCount: 2 },
        ],
        CreationTime: new Date(0),
      },
    );
    expect(existing).toEqual({
      ...MEASURED,
      found: true,
      endpointConfigName: 'prod-3',
      variants: [
        {
          variantName: 'AllTraffic',
          instanceType: 'ml.c5.xlarge',
          instanceCount: 5,
          serverless: null,
        },
      ],
      note: null,
    });
  });

  it('says a deleted endpoint is unknown', () => {
    expect(existingEndpointOf(MEASURED, undefined, undefined)).toMatchObject({
      found: false,
      variants: [],
      note: expect.stringMatching(/deleted since/),
    });
  });
});

describe('planning an existing endpoint', () => {
  const existing = existingEndpointOf(
    MEASURED,
    {
      EndpointName: 'prod',
      EndpointArn: 'arn:aws:sagemaker:us-east-1:111122223333:endpoint/prod',
      EndpointConfigName: 'prod-3',
      ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: 5 }],
      EndpointStatus: 'InService',
      CreationTime: new Date(0),
      LastModifiedTime: new Date(0),
    },
    {
      EndpointConfigName: 'prod-3',
      EndpointConfigArn: 'arn:aws:sagemaker:us-east-1:111122223333:endpoint-config/prod-3',
      ProductionVariants: [{ VariantName: 'AllTraffic', InstanceType: 'ml.c5.xlarge' }],
      CreationTime: new Date(0),
    },
  );

  it('costs instances × the price the job measured for its type × hours', () => {
    const plan = planExistingEndpoint(
      { endpointName: 'prod', existing },
      new Map([['ml.c5.xlarge', 0.2]]),
      OBJECTIVE,
    );
    // 100 × 0.5 = 50 per instance: 5 instances for 250, all month.
    expect(plan).toMatchObject({ instancesAtPeak: 5, instancesAtBaseline: 5, reason: null });
    expect(plan.monthlyCost).toBeCloseTo(5 * 0.2 * 730, 9);
  });

  it('says the price is unknown rather than invent one when the job did not benchmark its type', () => {
    const plan = planExistingEndpoint(
      { endpointName: 'prod', existing },
      new Map([['ml.g5.xlarge', 1]]),
      OBJECTIVE,
    );
    expect(plan.monthlyCost).toBeNull();
    expect(plan.costPerHour).toBeNull();
    expect(plan.reason).toMatch(/price is unknown: the job did not benchmark ml\.c5\.xlarge/);
  });

  it('says so when the job was recorded before irwatch read its endpoints', () => {
    const plan = planExistingEndpoint(
      { endpointName: 'prod', existing: undefined },
      new Map(),
      OBJECTIVE,
    );
    expect(plan).toMatchObject({ found: false, monthlyCost: null });
    expect(plan.reason).toMatch(/recorded before irwatch read/);
  });
});

describe('an endpoint irwatch may not read', () => {
  it('is recorded unknown with the reason and the grant to add, and priced as unknown', () => {
    const existing = unreadableEndpoint(MEASURED, 'User: reader is not authorized');
    expect(existing).toMatchObject({ endpointName: 'prod', found: false, variants: [] });
    expect(existing.note).toContain('User: reader is not authorized');
    expect(existing.note).toContain('sagemaker:DescribeEndpoint');
    const plan = planExistingEndpoint(
      { endpointName: 'prod', existing },
      new Map([['ml.c5.xlarge', 0.2]]),
      OBJECTIVE,
    );
    expect(plan).toMatchObject({ found: false, monthlyCost: null });
  });
});
