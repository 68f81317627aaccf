import { describe, expect, it } from 'vitest';
import { perMinute, planPath } from '../../local/cli/plan-command.js';

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
});
