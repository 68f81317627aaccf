import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlanEntry } from '../../functions/api/capacity-plan.js';
import { RESPONSES } from '../../functions/api/responses.js';
import { configurationLabel } from '../../shared/model/configuration-label.js';
import { rerunOf, useApiWorld } from '../support/api.js';
import { requireAwsTools } from '../support/aws-tools.js';
import { sampleJob } from '../support/world.js';

/** GET /jobs/{jobName}/plan and /models/{modelName}/plan over the sample jobs, ingested for real. */

const rerun = rerunOf(sampleJob('xgboost-churn-default'), {
  jobName: 'xgboost-churn-rerun',
  start: Date.parse('2024-11-29T10:00:00.000Z'),
  latencyFactor: 1.4,
  costFactor: 1.1,
});
const api = useApiWorld({ extraJobs: [rerun] });

interface PlanBody {
  jobName?: string;
  modelName: string | null;
  jobsConsidered?: number;
  hoursPerMonth: number;
  peakHoursPerMonth: number;
  inferencesPerMonth: number;
  excludedForLatency: number;
  assumptions: string[];
  entries: PlanEntry[];
}

const EXAMPLE =
  'peakInvocationsPerMinute=250&baselineInvocationsPerMinute=80&peakHoursPerDay=10&maxModelLatency=2000';
const PEAK_HOURS = (730 * 10) / 24;
const INFERENCES = 60 * (250 * PEAK_HOURS + 80 * (730 - PEAK_HOURS));

const configurationOf = (entry: PlanEntry) => configurationLabel(entry);

describe('GET /jobs/{jobName}/plan', () => {
  it('ranks the 80/250 per minute, 10 h peak, 2 s example by monthly cost', async () => {
    const plan = await api.get<PlanBody>(`/jobs/resnet-serverless/plan?${EXAMPLE}`);
    expect(RESPONSES.jobPlan.safeParse(plan).success).toBe(true);
    expect(plan).toMatchObject({ jobName: 'resnet-serverless', hoursPerMonth: 730 });
    expect(plan.inferencesPerMonth).toBeCloseTo(INFERENCES, 6);
    expect(plan.entries.map(configurationOf)).toEqual([
      'serverless 2048 MB',
      'serverless 3072 MB',
      'serverless 4096 MB',
      'serverless 6144 MB',
      'ml.c5.xlarge',
      'ml.g4dn.xlarge',
    ]);
    const [serverless] = plan.entries;
    // 410 per minute at MaxConcurrency 5, planned at 70%: 287 ≥ 250. Billed per inference.
    expect(serverless!.monthlyCost).toBeCloseTo(8.480000360577833e-6 * INFERENCES, 9);
    expect(serverless!.deployment!.registerScalableTarget).toBeNull();
    const c5 = plan.entries.find((entry) => entry.instanceType === 'ml.c5.xlarge')!;
    // 610 per minute, 427 planned: one instance carries the peak.
    expect(c5).toMatchObject({ instancesAtPeak: 1, instancesAtBaseline: 1, latency: 'met' });
    expect(c5.monthlyCost).toBeCloseTo(0.20399999618530273 * 730, 9);
    expect(c5.deployment!.putScalingPolicy!.TargetTrackingScalingPolicyConfiguration).toEqual({
      TargetValue: 427,
      PredefinedMetricSpecification: {
        PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance',
      },
    });
    expect(plan.assumptions.join(' ')).toMatch(/730 hours/);
  });

  it('says why a configuration cannot serve the peak, and ranks it last', async () => {
    const plan = await api.get<PlanBody>(
      '/jobs/resnet-serverless/plan?peakInvocationsPerMinute=300&endpointType=Serverless',
    );
    expect(plan.entries).toHaveLength(4);
    const last = plan.entries.at(-1)!;
    expect(last).toMatchObject({ servable: false, monthlyCost: null, deployment: null });
    expect(last.serverless?.memorySizeInMB).toBe(2048);
    expect(last.reason).toMatch(/MaxConcurrency 5.*410/);
  });

  it('scales between baseline and peak, and states the job’s latency threshold', async () => {
    const plan = await api.get<PlanBody>(
      '/jobs/llama-existing-endpoints/plan?peakInvocationsPerMinute=250&baselineInvocationsPerMinute=80&peakHoursPerDay=10&maxModelLatency=3000',
    );
    expect(plan.modelName).toBe('llama-2-7b-chat-tgi');
    const [first, second] = plan.entries;
    // ml.g5.12xlarge: 226 per minute, 158.2 planned: 2 at the peak, 1 at the baseline.
    expect(first).toMatchObject({
      instanceType: 'ml.g5.12xlarge',
      instancesAtPeak: 2,
      instancesAtBaseline: 1,
      latency: 'met',
    });
    expect(first!.monthlyCost).toBeCloseTo(
      7.090000152587891 * (2 * PEAK_HOURS + 1 * (730 - PEAK_HOURS)),
      6,
    );
    expect(first!.deployment!.createEndpointConfig.ProductionVariants[0]).toEqual({
      VariantName: 'AllTraffic',
      ModelName: 'llama-2-7b-chat-tgi',
      InstanceType: 'ml.g5.12xlarge',
      InitialInstanceCount: 2,
    });
    expect(first!.deployment!.registerScalableTarget).toMatchObject({
      MinCapacity: 1,
      MaxCapacity: 2,
    });
    // ml.g5.2xlarge: 3620 ms, over the 3 s target: flagged and after the one within it.
    expect(second).toMatchObject({ instanceType: 'ml.g5.2xlarge', latency: 'exceeded' });
    expect(plan.assumptions.join(' ')).toMatch(/P95 ≤ 8000 ms/);

    const excluded = await api.get<PlanBody>(
      '/jobs/llama-existing-endpoints/plan?peakInvocationsPerMinute=250&maxModelLatency=3000&latency=exclude',
    );
    expect(excluded.entries.map((entry) => entry.instanceType)).toEqual(['ml.g5.12xlarge']);
    expect(excluded.excludedForLatency).toBe(1);
  });

  it('answers 400 naming each bad parameter, 404 for an unknown job', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['', 'peakInvocationsPerMinute', /is required/],
      ['peakInvocationsPerMinute=0', 'peakInvocationsPerMinute', /above 0/],
      ['peakInvocationsPerMinute=lots', 'peakInvocationsPerMinute', /number/],
      ['peakInvocationsPerMinute=250/min', 'peakInvocationsPerMinute', /number/],
      [
        'peakInvocationsPerMinute=80&baselineInvocationsPerMinute=250',
        'baselineInvocationsPerMinute',
        /must not exceed peakInvocationsPerMinute/,
      ],
      [
        'peakInvocationsPerMinute=1&baselineInvocationsPerMinute=-1',
        'baselineInvocationsPerMinute',
        /from 0/,
      ],
      ['peakInvocationsPerMinute=1&peakHoursPerDay=25', 'peakHoursPerDay', /at most 24/],
      ['peakInvocationsPerMinute=1&peakHoursPerDay=0', 'peakHoursPerDay', /above 0/],
      ['peakInvocationsPerMinute=1&targetUtilization=0.05', 'targetUtilization', /0\.1 to 1/],
      ['peakInvocationsPerMinute=1&targetUtilization=1.5', 'targetUtilization', /0\.1 to 1/],
      ['peakInvocationsPerMinute=1&minInstances=1.5', 'minInstances', /whole number/],
      ['peakInvocationsPerMinute=1&minInstances=0', 'minInstances', /whole number/],
      ['peakInvocationsPerMinute=1&maxModelLatency=-5', 'maxModelLatency', /above 0/],
      ['peakInvocationsPerMinute=1&endpointType=Batch', 'endpointType', /RealTime, Serverless/],
      ['peakInvocationsPerMinute=1&latency=hide', 'latency', /flag, exclude/],
      ['peakInvocationsPerMinute=1&peak=2', 'peak', /not a parameter/],
    ];
    for (const [query, name, reason] of cases) {
      const response = await api.request(`/jobs/resnet-serverless/plan?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers['content-type']).toBe('application/problem+json');
      const { invalidParams } = response.body as {
        invalidParams: Array<{ name: string; reason: string }>;
      };
      expect(invalidParams, query).toContainEqual(
        expect.objectContaining({ name, reason: expect.stringMatching(reason) }),
      );
    }
    const unknown = await api.request('/jobs/no-such-job/plan?peakInvocationsPerMinute=1');
    expect(unknown.status).toBe(404);
  });
});

describe('GET /models/{modelName}/plan', () => {
  it('plans each configuration once, with its newest run and the spread of its runs', async () => {
    const model = encodeURIComponent(
      'arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3',
    );
    const plan = await api.get<PlanBody>(`/models/${model}/plan?${EXAMPLE}`);
    expect(RESPONSES.modelPlan.safeParse(plan).success).toBe(true);
    expect(plan.jobsConsidered).toBe(2);
    const types = plan.entries.map((entry) => entry.instanceType);
    expect(new Set(types).size).toBe(types.length);
    for (const entry of plan.entries) {
      expect(entry.runs?.count).toBe(2);
      // The re-run is the newer job: its figures are the ones planned with.
      expect(entry.jobName).toBe('xgboost-churn-rerun');
    }
    expect(plan.assumptions.join(' ')).toMatch(/several runs/);
    const missing = await api.request('/models/no-such-model/plan?peakInvocationsPerMinute=1');
    expect(missing.status).toBe(404);
  });
});

const awsSkip = requireAwsTools('aws', 'botocore');

/**
 * botocore's own parameter validation (what the AWS CLI runs before sending anything: required
 * members, unknown members, types, lengths and ranges), and, since it does not check them, every
 * string against its enum in the same model.
 */
const VALIDATE = `
import json, sys
import botocore.session
from botocore.validate import ParamValidator
session = botocore.session.get_session()

def enum_problems(shape, value, path):
    if shape.type_name == "structure" and isinstance(value, dict):
        return [p for k, v in value.items() if k in shape.members
                for p in enum_problems(shape.members[k], v, path + "." + k)]
    if shape.type_name == "list" and isinstance(value, list):
        return [p for i, v in enumerate(value) for p in enum_problems(shape.member, v, f"{path}[{i}]")]
    if shape.type_name == "string" and shape.enum and value not in shape.enum:
        return [f"{path}: {value!r} is not one of {shape.enum}"]
    return []

results = []
for call in json.load(sys.stdin):
    model = session.get_service_model(call["service"]).operation_model(call["operation"])
    report = ParamValidator().validate(call["params"], model.input_shape)
    problems = [report.generate_report()] if report.has_errors() else []
    problems += enum_problems(model.input_shape, call["params"], call["operation"])
    results.append("; ".join(problems))
print(json.dumps(results))
`;

function botocoreProblems(
  calls: Array<{ service: string; operation: string; params: unknown }>,
): string[] {
  const run = spawnSync('python3', ['-c', VALIDATE], {
    input: JSON.stringify(calls),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as string[];
}

describe.skipIf(awsSkip !== undefined)('the plan’s requests, as the AWS CLI sees them', () => {
  it('passes botocore’s parameter validation for every entry, and the validation is not vacuous', async () => {
    const plans = await Promise.all(
      ['resnet-serverless', 'llama-existing-endpoints', 'xgboost-churn-default'].map((job) =>
        api.get<PlanBody>(`/jobs/${job}/plan?${EXAMPLE}`),
      ),
    );
    const calls = plans
      .flatMap((plan) => plan.entries)
      .flatMap((entry) => {
        const deployment = entry.deployment;
        if (!deployment) return [];
        return [
          {
            service: 'sagemaker',
            operation: 'CreateEndpointConfig',
            params: deployment.createEndpointConfig,
          },
          ...(deployment.registerScalableTarget
            ? [
                {
                  service: 'application-autoscaling',
                  operation: 'RegisterScalableTarget',
                  params: deployment.registerScalableTarget,
                },
              ]
            : []),
          ...(deployment.putScalingPolicy
            ? [
                {
                  service: 'application-autoscaling',
                  operation: 'PutScalingPolicy',
                  params: deployment.putScalingPolicy,
                },
              ]
            : []),
        ];
      });
    expect(calls.filter((call) => call.operation === 'PutScalingPolicy').length).toBeGreaterThan(5);
    expect(botocoreProblems(calls)).toEqual(calls.map(() => ''));

    const [policy] = calls.filter((call) => call.operation === 'PutScalingPolicy');
    const broken = {
      ...policy!,
      params: { ...(policy!.params as object), PolicyType: 'TargetTracking' },
    };
    const untyped = {
      ...policy!,
      params: {
        ...(policy!.params as object),
        TargetTrackingScalingPolicyConfiguration: { TargetValue: '427' },
      },
    };
    const [enumProblem, typeProblem] = botocoreProblems([broken, untyped]);
    expect(enumProblem).toMatch(/PolicyType: 'TargetTracking' is not one of/);
    expect(typeProblem).toMatch(/Invalid type for parameter .*TargetValue/);
  });

  it('is taken by `aws … --cli-input-json` as is (it fails only on connecting)', async () => {
    const plan = await api.get<PlanBody>(`/jobs/llama-existing-endpoints/plan?${EXAMPLE}`);
    const deployment = plan.entries[0]!.deployment!;
    const dir = mkdtempSync(join(tmpdir(), 'irwatch-plan-'));
    const run = (command: string[], input: unknown) => {
      const file = join(dir, `${command.join('-')}.json`);
      writeFileSync(file, JSON.stringify(input));
      return spawnSync(
        'aws',
        [...command, '--cli-input-json', `file://${file}`, '--endpoint-url', 'http://127.0.0.1:9'],
        {
          encoding: 'utf8',
          timeout: 60_000,
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: 'AKIDPLANTEST',
            AWS_SECRET_ACCESS_KEY: 'plan-test-secret',
            AWS_DEFAULT_REGION: 'us-east-1',
            AWS_MAX_ATTEMPTS: '1',
            AWS_RETRY_MODE: 'standard',
          },
        },
      );
    };
    const commands: Array<[string[], unknown]> = [
      [['sagemaker', 'create-endpoint-config'], deployment.createEndpointConfig],
      [['application-autoscaling', 'register-scalable-target'], deployment.registerScalableTarget],
      [['application-autoscaling', 'put-scaling-policy'], deployment.putScalingPolicy],
    ];
    for (const [command, input] of commands) {
      const result = run(command, input);
      expect(result.stderr, command.join(' ')).toMatch(/Could not connect to the endpoint URL/);
      expect(result.stderr).not.toMatch(/Parameter validation failed/);
    }
    const invalid = run(['application-autoscaling', 'register-scalable-target'], {
      ...deployment.registerScalableTarget,
      MinCapacity: '1',
    });
    expect(invalid.stderr).toMatch(/Parameter validation failed/);
  });
});
