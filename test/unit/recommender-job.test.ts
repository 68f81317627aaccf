import { describe, expect, it } from 'vitest';
import { createdJob, stoppedJob } from '../../local/aws/sagemaker/recommender-job.js';
import { jobAt, type WireObject } from '../../local/aws/sagemaker/sagemaker-simulator.js';

const START = Date.UTC(2026, 0, 1);
const request = (name: string, extra: WireObject = {}): WireObject => ({
  JobName: name,
  JobType: 'Default',
  RoleArn: 'arn:aws:iam::000000000000:role/SageMakerInferenceRecommender',
  InputConfig: { ModelName: 'churn-xgboost' },
  ...extra,
});
const build = (name: string, extra: WireObject = {}) =>
  createdJob(request(name, extra), {
    jobArn: `arn:aws:sagemaker:us-east-1:000000000000:inference-recommendations-job/${name}`,
    createdAt: START,
    durationMs: 100_000,
  });

type Rec = { EndpointConfiguration: { InstanceType: string }; Metrics: { MaxInvocations: number } };
const recs = (job: { describe: WireObject }) => job.describe.InferenceRecommendations as Rec[];

describe('jobs created in the simulator', () => {
  it('benchmark the same configurations for the same request, each run a few percent apart', () => {
    const a = recs(build('run-a'));
    const b = recs(build('run-b'));
    expect(a.map((r) => r.EndpointConfiguration.InstanceType)).toEqual(
      b.map((r) => r.EndpointConfiguration.InstanceType),
    );
    expect(a.length).toBeGreaterThanOrEqual(4);
    a.forEach((rec, i) => {
      const other = b[i]!.Metrics.MaxInvocations;
      const spread = Math.abs(rec.Metrics.MaxInvocations - other) / other;
      expect(spread).toBeLessThan(0.15);
    });
    expect(a.some((rec, i) => rec.Metrics.MaxInvocations !== b[i]!.Metrics.MaxInvocations)).toBe(
      true,
    );
    expect(recs(build('run-a'))).toEqual(a);
  });

  it('finish their benchmarks one by one between IN_PROGRESS and the end', () => {
    const job = build('timed');
    const ends = (job.steps ?? []).map((s) =>
      Number((s.InferenceBenchmark as WireObject).InvocationEndTime),
    );
    expect([...ends].sort()).toEqual(ends);
    expect(new Set(ends).size).toBe(ends.length);
    expect(jobAt(job, START)?.Status).toBe('PENDING');
    expect(jobAt(job, START + 50_000)?.Status).toBe('IN_PROGRESS');
    const done = jobAt(job, START + 100_000)!;
    expect(done.Status).toBe('COMPLETED');
    expect(Math.max(...ends)).toBeLessThanOrEqual(Number(done.CompletionTime));
  });

  it('fail, or fail some benchmarks, as their irwatch:simulate tag says', () => {
    const failed = build('fails', { Tags: [{ Key: 'irwatch:simulate', Value: 'fail' }] });
    expect(failed.describe.Status).toBe('FAILED');
    expect(failed.describe.FailureReason).toMatch(/benchmarks failed/);
    expect(failed.describe.InferenceRecommendations).toBeUndefined();
    const partly = build('partly', {
      Tags: [{ Key: 'irwatch:simulate', Value: 'fail-benchmarks' }],
    });
    expect(partly.describe.Status).toBe('COMPLETED');
    const statuses = (partly.steps ?? []).map((s) => s.Status);
    expect(statuses).toContain('FAILED');
    expect(statuses).toContain('COMPLETED');
    expect(recs(partly)).toHaveLength(statuses.filter((s) => s === 'COMPLETED').length);
  });

  it('take their duration from irwatch:simulate-seconds', () => {
    const job = build('quick', { Tags: [{ Key: 'irwatch:simulate-seconds', Value: '5' }] });
    expect(job.timeline?.at(-1)?.at).toBe(START + 5_000);
  });

  it('stop with the benchmarks finished by then, the others STOPPED', () => {
    const job = build('stopped');
    const stopAt = START + 60_000;
    const stopped = stoppedJob(job, stopAt, 2_000);
    expect(jobAt(stopped, stopAt)?.Status).toBe('STOPPING');
    const view = jobAt(stopped, stopAt + 2_000)!;
    expect(view.Status).toBe('STOPPED');
    const finished = (stopped.steps ?? []).filter((s) => s.Status === 'COMPLETED');
    expect(finished.length).toBeGreaterThan(0);
    expect(finished.length).toBeLessThan(stopped.steps?.length ?? 0);
    expect(view.InferenceRecommendations).toHaveLength(finished.length);
  });
});
