import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatCount,
  formatDollars,
  LIST_LIMITS,
  NotificationTooLargeError,
  renderNotification,
  renderSubject,
  renderText,
  SNS_MESSAGE_LIMIT,
  type NotificationInput,
} from '../../functions/notify/message.js';
import { JOB_NAME_PATTERN, TERMINAL_STATUSES, type BestEntry } from '../../shared/events.js';
import type { BenchmarkStep, Recommendation } from '../../shared/model/types.js';

const SNS_SUBJECT = /^[!-~][ -~]{0,98}$/;

const noBest = {
  lowestCostPerInference: null,
  lowestModelLatency: null,
  highestMaxInvocations: null,
};

function input(overrides: Partial<NotificationInput['detail']> = {}): NotificationInput {
  return {
    detail: {
      jobName: 'my-job',
      accountId: '111122223333',
      region: 'us-east-1',
      jobArn: 'arn:aws:sagemaker:us-east-1:111122223333:inference-recommendations-job/my-job',
      jobType: 'Default',
      status: 'COMPLETED',
      previousStatus: 'IN_PROGRESS',
      modelName: 'my-model',
      modelPackageVersionArn: null,
      creationTime: '2024-11-24T14:40:00.000Z',
      completionTime: '2024-11-24T15:12:00.000Z',
      failureReason: null,
      recommendationCount: 0,
      failedBenchmarkCount: 0,
      best: noBest,
      version: 3,
      ...overrides,
    },
    recommendations: [],
    steps: [],
  };
}

function recommendation(index: number, costPerInference: number | null): Recommendation {
  return {
    recommendationId: `my-job/${String(index).padStart(8, '0')}`,
    recommendationIdDerived: false,
    jobName: 'my-job',
    accountId: '111122223333',
    region: 'us-east-1',
    endpointType: 'RealTime',
    endpointName: `ep-${index}`,
    variantName: null,
    instanceType: 'ml.c5.large',
    initialInstanceCount: 1,
    serverless: null,
    metrics: {
      costPerHour: 0.102,
      costPerInference,
      maxInvocations: 3300,
      modelLatency: 6,
      cpuUtilization: null,
      memoryUtilization: null,
      modelSetupTime: null,
    },
    derived: { costPerMillionInferences: null, invocationsPerSecond: null, paretoOptimal: false },
    environmentParameters: [],
    modelConfiguration: null,
    invocationStartTime: null,
    invocationEndTime: null,
  };
}

function failedStep(index: number, failureReason: string): BenchmarkStep {
  return {
    jobName: 'my-job',
    accountId: '111122223333',
    region: 'us-east-1',
    stepIndex: index,
    stepType: 'BENCHMARK',
    status: 'FAILED',
    failureReason,
    endpointType: 'RealTime',
    endpointName: `ep-${index}`,
    variantName: null,
    instanceType: 'ml.m5.large',
    initialInstanceCount: 1,
    serverless: null,
    metrics: {
      costPerHour: null,
      costPerInference: null,
      maxInvocations: null,
      modelLatency: null,
      cpuUtilization: null,
      memoryUtilization: null,
      modelSetupTime: null,
    },
    endpointMetrics: null,
    environmentParameters: [{ key: 'OMP_NUM_THREADS', valueType: 'string', value: '2' }],
    modelConfiguration: null,
    invocationStartTime: null,
    invocationEndTime: null,
  };
}

const bestEntry = fc.record({
  recommendationId: fc.string(),
  endpointType: fc.constantFrom('RealTime' as const, 'Serverless' as const),
  // Any text SageMaker might send, control characters and emoji included.
  instanceType: fc.option(fc.string({ unit: 'binary', maxLength: 80 })),
  memorySizeInMB: fc.option(fc.integer({ min: 0, max: 1_000_000 })),
  value: fc.double({ noNaN: true, noDefaultInfinity: true }),
}) satisfies fc.Arbitrary<BestEntry>;

describe('renderSubject', () => {
  it('is always under 100 printable ASCII characters, whatever the job and its best', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(JOB_NAME_PATTERN),
        fc.constantFrom(...TERMINAL_STATUSES),
        fc.nat({ max: 10_000_000 }),
        fc.nat({ max: 10_000_000 }),
        fc.option(bestEntry),
        fc.array(fc.constant(null), { maxLength: 20 }),
        (jobName, status, recommendationCount, failedBenchmarkCount, cheapest, steps) => {
          const subject = renderSubject({
            ...input({
              jobName,
              status,
              recommendationCount,
              failedBenchmarkCount,
              best: { ...noBest, lowestCostPerInference: cheapest },
            }),
            steps: steps.map((_, index) => failedStep(index, 'x')),
          });
          expect(subject.length).toBeLessThan(100);
          expect(subject).toMatch(SNS_SUBJECT);
          expect(subject.startsWith(`irwatch ${status} `)).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('keeps the whole job name when it fits, and shortens it with an ellipsis when not', () => {
    const cheapest: BestEntry = {
      recommendationId: 'r',
      endpointType: 'RealTime',
      instanceType: 'ml.g5.xlarge',
      memorySizeInMB: null,
      value: 1e-6,
    };
    const best = { ...noBest, lowestCostPerInference: cheapest };
    expect(renderSubject(input({ recommendationCount: 5, best }))).toBe(
      'irwatch COMPLETED my-job: 5 recommendations, cheapest ml.g5.xlarge',
    );
    const longName = `a${'-b'.repeat(31)}c`;
    const subject = renderSubject(input({ jobName: longName, recommendationCount: 1_000, best }));
    expect(subject.length).toBeLessThanOrEqual(99);
    expect(subject).toMatch(
      /^irwatch COMPLETED a-b-b.*\.\.\.: 1,000 recommendations, cheapest ml\.g5\.xlarge$/,
    );
  });

  it('names a serverless best by its memory size', () => {
    const best = {
      ...noBest,
      lowestCostPerInference: {
        recommendationId: 'r',
        endpointType: 'Serverless' as const,
        instanceType: null,
        memorySizeInMB: 2048,
        value: 1e-6,
      },
    };
    expect(renderSubject(input({ recommendationCount: 1, best }))).toBe(
      'irwatch COMPLETED my-job: 1 recommendation, cheapest serverless 2048 MB',
    );
  });

  it('says how many benchmarks failed, or that there is nothing to recommend', () => {
    expect(
      renderSubject({
        ...input({ status: 'FAILED', failedBenchmarkCount: 2 }),
        steps: [failedStep(0, 'a'), failedStep(1, 'b'), failedStep(2, 'c')],
      }),
    ).toBe('irwatch FAILED my-job: 2 of 3 benchmarks failed');
    expect(renderSubject(input({ status: 'STOPPED' }))).toBe(
      'irwatch STOPPED my-job: no recommendations',
    );
  });

  it('begins the failure reason when a job failed before any benchmark', () => {
    const failureReason =
      'ClientError: Could not find the sample payload at s3://bucket/payload.tar.gz. Check the S3 URI.';
    expect(renderSubject(input({ status: 'FAILED', failureReason }))).toBe(
      'irwatch FAILED my-job: ClientError: Could not find the sample payload...',
    );
  });
});

describe('numbers as people read them', () => {
  it.each([
    [5.15151498348132e-7, 3, '$0.000000515'],
    [0.10199999809265137, 4, '$0.102'],
    [1.5149999856948853, 4, '$1.515'],
    [3.825000047683716, 4, '$3.825'],
    [12.5, 3, '$12.5'],
    [1234.5678, 4, '$1235'],
    [0, 3, '$0'],
  ])('formatDollars(%s, %s) = %s', (value, digits, expected) => {
    expect(formatDollars(value, digits)).toBe(expected);
  });

  it.each([
    [3300, '3,300'],
    [1_000_000, '1,000,000'],
    [999, '999'],
    [12.345, '12.35'],
  ])('formatCount(%s) = %s', (value, expected) => {
    expect(formatCount(value)).toBe(expected);
  });
});

describe('renderNotification: size', () => {
  it('cuts the recommendation list and says how many more there are', () => {
    const recommendations = Array.from({ length: 1_000 }, (_, i) =>
      recommendation(i, 1e-6 + i * 1e-9),
    );
    const text = renderText({ ...input({ recommendationCount: 1_000 }), recommendations });
    expect(text).toContain('By cost per inference (5 of 1,000):');
    expect(text).toContain(
      '  1. ml.c5.large: $0.102/hour, $0.000001/inference, 6 ms, 3,300 invocations/minute',
    );
    expect(text).toContain('  … and 995 more recommendations');
  });

  it('sorts unknown costs last', () => {
    const recommendations = [recommendation(0, null), recommendation(1, 2e-6)];
    const text = renderText({ ...input({ recommendationCount: 2 }), recommendations });
    expect(text.indexOf('cost per inference n/a')).toBeGreaterThan(
      text.indexOf('$0.000002/inference'),
    );
  });

  it('tightens the lists until a message of huge multi-byte failure reasons fits under 256 KB', () => {
    const reason = '失敗 — '.repeat(20_000); // about 180 KB of UTF-8 each
    const steps = Array.from({ length: 50 }, (_, i) => failedStep(i, `${i}: ${reason}`));
    const notification = renderNotification({
      ...input({ status: 'FAILED', failedBenchmarkCount: 50 }),
      steps,
    });
    expect(notification.size).toBeLessThanOrEqual(SNS_MESSAGE_LIMIT - 4_096);
    const {
      email,
      default: fallback,
      sqs,
    } = JSON.parse(notification.message) as Record<string, string>;
    expect(email).toBe(fallback);
    expect(email).toContain('50 of 50 benchmarks failed:');
    expect(email).toMatch(/… and \d+ more benchmarks/);
    expect(email).toMatch(/… \[[\d,]+ more characters\]/);
    expect(JSON.parse(sqs!)).toMatchObject({ jobName: 'my-job', status: 'FAILED' });
  });

  it('never cuts a reason in the middle of a surrogate pair', () => {
    const steps = [failedStep(0, '😀'.repeat(1_000))];
    const text = renderText(
      { ...input({ status: 'FAILED', failedBenchmarkCount: 1 }), steps },
      { ...LIST_LIMITS[0]!, reasonLength: 301 },
    );
    expect(text).toContain(`FAILED: ${'😀'.repeat(150)}… [1,700 more characters]`);
    expect(text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('uses the first, most generous limits whenever they fit', () => {
    const steps = Array.from({ length: 12 }, (_, i) => failedStep(i, `reason ${i}`));
    const text = renderText(
      { ...input({ status: 'FAILED', failedBenchmarkCount: 12 }), steps },
      LIST_LIMITS[0],
    );
    expect(text).toContain('  - ml.m5.large (OMP_NUM_THREADS=2): FAILED: reason 9\n');
    expect(text).toContain('  … and 2 more benchmarks');
  });

  it('refuses, naming the job, when even the Recorded detail alone is too large', () => {
    const failureReason = 'x'.repeat(100_000);
    expect(() => renderNotification(input({ status: 'FAILED', failureReason }))).toThrow(
      NotificationTooLargeError,
    );
  });

  it('omits modelName and jobType attributes when they are unknown', () => {
    const { attributes } = renderNotification(input({ modelName: null, jobType: null }));
    expect(attributes).toEqual({
      status: 'COMPLETED',
      jobName: 'my-job',
      accountId: '111122223333',
      region: 'us-east-1',
    });
  });
});
