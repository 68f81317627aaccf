import { describe, expect, it } from 'vitest';
import {
  existingReport,
  perMinute,
  planPath,
  sideBySideReport,
} from '../../local/cli/plan-command.js';

describe('irwatch plan', () => {
  it('reads rates per second, minute or hour as invocations per minute', () => {
    expect(perMinute('peak', '250/min')).toBe(250);
    expect(perMinute('peak', '250')).toBe(250);
    expect(perMinute('peak', '4/s')).toBe(240);
    expect(perMinute('peak', '15000/h')).toBe(250);
    expect(perMinute('peak', '0.5/s')).toBe(30);
    for (const bad of ['fast', '250/day', '-3', '250 /min', '']) {
      expect(() => perMinute('baseline', bad)).toThrow(/--baseline must be a rate/);
    }
  });

  it('asks the job or model plan route with the options as its parameters', () => {
    const path = planPath('my-job', {
      peak: '250/min',
      baseline: '80/min',
      'peak-hours': '10',
      'max-latency': '2000',
      'exclude-over-latency': true,
    });
    const [route, query] = path.split('?');
    expect(route).toBe('jobs/my-job/plan');
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({
      peakInvocationsPerMinute: '250',
      baselineInvocationsPerMinute: '80',
      peakHoursPerDay: '10',
      maxModelLatency: '2000',
      latency: 'exclude',
    });
    expect(planPath(undefined, { model: 'a/b', peak: '1/s' })).toBe(
      'models/a%2Fb/plan?peakInvocationsPerMinute=60',
    );
    expect(() => planPath('job', { model: 'm', peak: '1' })).toThrow(/a job or --model/);
    expect(() => planPath(undefined, { peak: '1' })).toThrow(/a job or --model/);
    expect(() => planPath('job', {})).toThrow(/needs --peak/);
  });

  it('asks for SageMaker’s opinion with --sagemaker, and prints it next to irwatch’s', () => {
    const query = new URLSearchParams(
      planPath('job', { peak: '250', sagemaker: true }).split('?')[1],
    );
    expect(query.get('source')).toBe('sagemaker');
    expect(new URLSearchParams(planPath('job', { peak: '250' }).split('?')[1]).has('source')).toBe(
      false,
    );
    const rows: Array<Record<string, unknown>> = [];
    const lines = sideBySideReport(
      {
        recommendationId: 'job/abc123',
        rank: 5,
        scalingPolicyObjective: { minInvocationsPerMinute: 80, maxInvocationsPerMinute: 250 },
        irwatch: { minCapacity: 1, maxCapacity: 2, targetValue: 427 },
        sagemaker: {
          targetCpuUtilizationPerCore: 50,
          minCapacity: 1,
          maxCapacity: null,
          targetValue: 305,
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
      },
      (given) => {
        rows.push(...given);
        return 'TABLE';
      },
    );
    expect(lines[0]).toBe(
      "Scaling of #5 (abc123) at 80 to 250 invocations/min, irwatch next to SageMaker's GetScalingConfigurationRecommendation:",
    );
    expect(rows).toEqual([
      { who: 'irwatch', minCapacity: 1, maxCapacity: 2, targetValue: 427, cooldowns: '-' },
      {
        who: 'SageMaker (50% CPU/core)',
        minCapacity: 1,
        maxCapacity: '-',
        targetValue: 305,
        cooldowns: '300 / 60 s',
      },
    ]);
  });

  it('prints today’s endpoints, saying which one savings are against, or that there is none', () => {
    const rows: Array<Record<string, unknown>> = [];
    const table = (given: Array<Record<string, unknown>>) => {
      rows.push(...given);
      return 'TABLE';
    };
    const endpoint = {
      endpointName: 'prod',
      instanceType: 'ml.g5.2xlarge',
      instanceCount: 3,
      instancesAtPeak: 4,
      instancesAtBaseline: 2,
      monthlyCost: 3133.52,
      modelLatency: 3850,
      reason: null,
    };
    expect(existingReport([endpoint], 'prod', table)[0]).toBe('Today (savings are against prod):');
    expect(rows[0]).toMatchObject({
      name: 'prod',
      config: 'ml.g5.2xlarge x3',
      monthly: '$3,133.52',
    });
    expect(
      existingReport(
        [{ ...endpoint, instanceType: null, monthlyCost: null, reason: 'deleted' }],
        null,
        table,
      )[0],
    ).toMatch(/no benchmarked endpoint has a known cost/);
    expect(rows[1]).toMatchObject({ config: '?', monthly: null, note: 'deleted' });
  });
});
