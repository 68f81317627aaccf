import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Handler } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../local/aws/eventbridge/eventbridge-endpoint.js';
import { matchesEventPattern } from '../../local/aws/eventbridge/event-pattern.js';
// The use case reads no environment, so it may load before the local world is up.
import { NotificationInProgressError } from '../../functions/notify/notify.js';
import {
  cloneJob,
  type SimulatedJob,
  type WireObject,
} from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { keys } from '../../shared/db/table.js';
import { RECORDED, recordedDetailSchema } from '../../shared/events.js';
import { actAs } from '../support/iam.js';
import { decodePublished, reshapeJob, rulePatternOf } from '../support/notify.js';
import {
  HOME,
  jobKey,
  lambdaContext,
  sampleJob,
  stateChangeEvent,
  useLocalWorld,
} from '../support/world.js';

// ingest signs as its role from its first call on; notify's clients take notify's role at its first.
const world = useLocalWorld({ as: 'ingest' });
const notifyRule = rulePatternOf('notify');

let ingest: Handler;
let notify: Handler;

beforeAll(async () => {
  ({ handler: ingest } = await import('../../functions/ingest/handler.js'));
  ({ handler: notify } = await import('../../functions/notify/handler.js'));
});

let notifySigning = false;
const invokeNotify = (event: BusEvent) => {
  if (!notifySigning) {
    actAs(world.table.iam, 'notify');
    notifySigning = true;
  }
  return notify(event, lambdaContext('notify'), () => undefined);
};

/**
 * Runs the real ingest on the job's terminal state change and returns the Recorded event it put
 * on the local bus, checked against notify's rule as EventBridge would route it.
 */
async function recordJob(job: SimulatedJob): Promise<BusEvent> {
  world.simulator.addJob(job);
  const jobName = String(job.describe.JobName);
  const status = String(job.describe.Status) as 'COMPLETED';
  await ingest(stateChangeEvent({ jobName, status }), lambdaContext('ingest'), () => undefined);
  const event = world
    .busEvents(RECORDED)
    .filter((e) => (e.detail as { jobName?: string }).jobName === jobName)
    .at(-1);
  if (!event) throw new Error(`ingest put no Recorded event for ${jobName}`);
  expect(matchesEventPattern(notifyRule, event)).toBe(true);
  return event;
}

const publishedFor = (jobName: string) =>
  world.sns.messages
    .filter((m) => m.messageAttributes.jobName?.stringValue === jobName)
    .map(decodePublished);

async function notifyOnce(job: SimulatedJob) {
  const event = await recordJob(job);
  const outcome = (await invokeNotify(event)) as { outcome: string };
  expect(outcome.outcome).toBe('published');
  const messages = publishedFor(String(job.describe.JobName));
  expect(messages).toHaveLength(1);
  return { event, message: messages[0]! };
}

const claimItem = async (jobName: string, status: string) =>
  (
    await world.table.doc.send(
      new GetCommand({
        TableName: world.table.tableName,
        Key: keys.notification(jobKey(jobName), status),
        ConsistentRead: true,
      }),
    )
  ).Item;

/** A finished sample under a new name, so each scenario has a (job, status) of its own. */
const renamed = (jobName: string, template = 'xgboost-churn-default') =>
  cloneJob(sampleJob(template), { jobName, start: Date.parse('2024-11-24T14:40:00Z') });

const text = (message: { text: string }) => message.text;

describe('notify: one message per finished sample job', () => {
  it('completed (xgboost-churn-default): the three bests with their numbers, and where the rest is', async () => {
    const { event, message } = await notifyOnce(sampleJob('xgboost-churn-default'));

    expect(message.subject).toBe(
      'irwatch COMPLETED xgboost-churn-default: 6 recommendations, cheapest ml.c5.large',
    );
    expect(message.structure).toBe('json');
    expect(message.attributes).toEqual({
      status: 'COMPLETED',
      jobName: 'xgboost-churn-default',
      accountId: HOME.accountId,
      region: HOME.region,
      jobType: 'Default',
    });
    expect(Object.keys(message.byProtocol).sort()).toEqual(
      ['default', 'email', 'http', 'https', 'lambda', 'sqs'].sort(),
    );
    expect(message.byProtocol.default).toBe(message.byProtocol.email);

    const body = text(message);
    expect(body).toMatch(
      /^Inference Recommender job xgboost-churn-default COMPLETED with 6 recommendations\.\n/,
    );
    expect(body).toContain(
      'Model:    arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3',
    );
    expect(body).toContain(
      'Cheapest per inference: ml.c5.large\n  $0.102/hour, $0.000000515/inference, 6 ms, 3,300 invocations/minute',
    );
    expect(body).toContain(
      'Lowest latency and highest throughput: ml.g4dn.xlarge\n  $0.736/hour, $0.00000125/inference, 2 ms, 9,800 invocations/minute',
    );
    expect(body).toContain('By cost per inference (5 of 6):');
    expect(body).toContain(
      '  2. ml.c6i.xlarge: $0.204/hour, $0.000000557/inference, 3 ms, 6,100 invocations/minute',
    );
    expect(body).toContain('  … and 1 more recommendation\n');
    expect(body).toContain('All recommendations: GET /jobs/xgboost-churn-default/recommendations');
    expect(body).toContain('irwatch recs xgboost-churn-default');
    expect(body).not.toMatch(/failed|did not complete/i);

    // Machines get the Recorded detail itself, valid against its schema.
    for (const protocol of ['sqs', 'lambda', 'http', 'https']) {
      expect(JSON.parse(message.byProtocol[protocol]!)).toEqual(event.detail);
    }
    const detail = recordedDetailSchema.parse(message.detail);
    expect(detail.status).toBe('COMPLETED');
    expect(detail.recommendationCount).toBe(6);
    expect(detail.best.lowestCostPerInference?.recommendationId).toBe(
      'xgboost-churn-default/k3v9x2qa',
    );

    const claim = await claimItem('xgboost-churn-default', 'COMPLETED');
    expect(claim?.state).toBe('sent');
    expect(claim?.expiresAt).toBeUndefined();
    expect(world.sns.messages.some((m) => m.messageId === claim?.messageId)).toBe(true);
  });

  it('completed with failed benchmarks (bert-qa-advanced): lists each failure with its reason', async () => {
    const { message } = await notifyOnce(sampleJob('bert-qa-advanced'));

    expect(message.subject).toBe(
      'irwatch COMPLETED bert-qa-advanced: 5 recommendations, cheapest ml.inf2.xlarge',
    );
    expect(message.attributes).toEqual({
      status: 'COMPLETED',
      jobName: 'bert-qa-advanced',
      accountId: HOME.accountId,
      region: HOME.region,
      modelName: 'bert-base-cased-squad2-pt',
      jobType: 'Advanced',
    });
    const body = text(message);
    expect(body).toContain('Model:    bert-base-cased-squad2-pt');
    expect(body).toContain(
      'Cheapest per inference, lowest latency and highest throughput: ml.inf2.xlarge\n  $0.99/hour, $0.00000609/inference, 11 ms, 2,710 invocations/minute',
    );
    // A NaN cost per inference was stored as null and reads as unknown, not as $0.
    expect(body).toContain(
      '  5. ml.p3.2xlarge: $3.825/hour, cost per inference n/a, 14 ms, 2,460 invocations/minute',
    );
    expect(body).toContain('2 of 7 benchmarks failed:');
    expect(body).toContain(
      '  - ml.g5.xlarge (SAGEMAKER_MODEL_SERVER_WORKERS=2, OMP_NUM_THREADS=2): FAILED: Benchmark stopped: the P95 model latency (412 ms) exceeded the ModelLatencyThresholds value of 100 ms before invocations reached a stable rate. No recommendation was produced for this configuration.',
    );
    expect(body).toContain(
      '  - ml.g4dn.xlarge (SAGEMAKER_MODEL_SERVER_WORKERS=2, OMP_NUM_THREADS=2): FAILED: Benchmark failed: the model container on ml.g4dn.xlarge ran out of memory. Worker 1 exited with "torch.cuda.OutOfMemoryError: CUDA out of memory.',
    );
    expect(body).toContain('GET /jobs/bert-qa-advanced/benchmarks');
    expect(recordedDetailSchema.parse(message.detail).failedBenchmarkCount).toBe(2);
  });

  it('completed with serverless recommendations (resnet-serverless): memory and concurrency instead of an instance type', async () => {
    const { message } = await notifyOnce(sampleJob('resnet-serverless'));

    expect(message.subject).toBe(
      'irwatch COMPLETED resnet-serverless: 6 recommendations, cheapest ml.g4dn.xlarge',
    );
    const body = text(message);
    expect(body).toContain(
      '  3. serverless 2048 MB, max concurrency 5: $0.2086/hour, $0.00000848/inference, 212 ms, 410 invocations/minute',
    );
    expect(body).toContain(
      '  5. serverless 4096 MB, max concurrency 20: $1.184/hour, $0.0000113/inference, 141 ms, 1,750 invocations/minute',
    );
    expect(body).not.toContain('unknown instance type');
  });

  it('a serverless best names its memory size, in the subject too', async () => {
    // resnet-serverless without its real-time recommendations: every best is serverless.
    const job = reshapeJob(sampleJob('resnet-serverless'), 'resnet-serverless-only', {
      recommendations: (recs) =>
        recs
          .filter((r) => !(r.EndpointConfiguration as WireObject).InstanceType)
          .map((r) => ({
            ...r,
            RecommendationId: String(r.RecommendationId).replace(
              'resnet-serverless/',
              'resnet-serverless-only/',
            ),
          })),
      steps: (steps) =>
        steps.filter(
          (s) =>
            !((s.InferenceBenchmark as WireObject).EndpointConfiguration as WireObject)
              .InstanceType,
        ),
    });
    const { message } = await notifyOnce(job);

    expect(message.subject).toBe(
      'irwatch COMPLETED resnet-serverless-only: 4 recommendations, cheapest serverless 2048 MB',
    );
    const body = text(message);
    expect(body).toContain(
      'Cheapest per inference: serverless 2048 MB, max concurrency 5\n  $0.2086/hour, $0.00000848/inference, 212 ms, 410 invocations/minute',
    );
    expect(body).toContain(
      'Lowest latency and highest throughput: serverless 6144 MB, max concurrency 20, provisioned 5\n  $1.88/hour, $0.0000154/inference, 128 ms, 2,040 invocations/minute',
    );
    const detail = recordedDetailSchema.parse(message.detail);
    expect(detail.best.lowestCostPerInference).toMatchObject({
      endpointType: 'Serverless',
      instanceType: null,
      memorySizeInMB: 2048,
    });
  });

  it('failed (sklearn-failed): the failure reason verbatim, each failed benchmark and what did complete', async () => {
    const { message } = await notifyOnce(sampleJob('sklearn-failed'));
    const reason =
      'Inference Recommender job failed: 3 of 4 benchmarks failed, which is more than the allowed failure ratio for a Default job. Review the FailureReason of each benchmark with ListInferenceRecommendationsJobSteps.';

    expect(message.subject).toBe('irwatch FAILED sklearn-failed: 3 of 4 benchmarks failed');
    expect(message.attributes).toEqual({
      status: 'FAILED',
      jobName: 'sklearn-failed',
      accountId: HOME.accountId,
      region: HOME.region,
      jobType: 'Default',
    });
    const body = text(message);
    expect(body).toMatch(/^Inference Recommender job sklearn-failed FAILED\.\n/);
    expect(body).toContain(`Failure reason:\n${reason}\n`);
    expect(body).toContain('3 of 4 benchmarks failed:');
    expect(body).toContain(
      '  - ml.c5.large (OMP_NUM_THREADS=2): FAILED: Endpoint creation failed: The primary container for production variant sm-epv-644e9532d792f063 did not pass the ping health check. Please check CloudWatch logs for this endpoint.',
    );
    expect(body).toContain(
      "  - ml.c5.xlarge (OMP_NUM_THREADS=4): FAILED: ResourceLimitExceeded: The account-level service limit 'ml.c5.xlarge for endpoint usage' is 0 Instances, with current utilization of 0 Instances and a request delta of 1 Instances. Please use AWS Service Quotas to request an increase for this quota.",
    );
    expect(body).toContain(
      '  - ml.m5.large (OMP_NUM_THREADS=2): FAILED: Benchmark failed: 100% of invocations returned errors. ModelError: Received server error (500) from primary with message "ValueError: X has 18 features, but StandardScaler is expecting 20 features as input.".',
    );
    expect(body).toContain(
      'What did complete: 1 of 4 benchmarks, 0 recommendations.\n  - ml.m5.xlarge (OMP_NUM_THREADS=4): $0.23/hour, $0.00000304/inference, 9 ms, 1,260 invocations/minute',
    );
    expect(body).toContain('GET /jobs/sklearn-failed/benchmarks');
    expect(body).not.toContain('irwatch recs');

    const detail = recordedDetailSchema.parse(message.detail);
    expect(detail.failureReason).toBe(reason);
    expect(detail.failedBenchmarkCount).toBe(3);
    expect(detail.recommendationCount).toBe(0);
  });

  it('stopped (tabular-stopped): what had completed, and the benchmark the stop cut short', async () => {
    const { message } = await notifyOnce(sampleJob('tabular-stopped'));

    expect(message.subject).toBe(
      'irwatch STOPPED tabular-stopped: 2 recommendations, cheapest ml.c5.2xlarge',
    );
    expect(message.attributes).toEqual({
      status: 'STOPPED',
      jobName: 'tabular-stopped',
      accountId: HOME.accountId,
      region: HOME.region,
      jobType: 'Advanced',
    });
    const body = text(message);
    expect(body).toMatch(
      /^Inference Recommender job tabular-stopped was STOPPED with 2 recommendations so far\.\n/,
    );
    expect(body).toContain('What had completed: 2 of 3 benchmarks, 2 recommendations.');
    expect(body).toContain(
      'Cheapest per inference, lowest latency and highest throughput: ml.c5.2xlarge\n  $0.408/hour, $0.00000108/inference, 8 ms, 6,320 invocations/minute',
    );
    expect(body).toContain(
      '  2. ml.m5.xlarge: $0.23/hour, $0.00000135/inference, 12 ms, 2,850 invocations/minute',
    );
    expect(body).toContain(
      '1 of 3 benchmarks did not complete:\n  - ml.r5.xlarge (OMP_NUM_THREADS=4, SAGEMAKER_MODEL_SERVER_WORKERS=2): STOPPED: Benchmark stopped because the Inference Recommender job was stopped (StopInferenceRecommendationsJob).',
    );
    expect(recordedDetailSchema.parse(message.detail).status).toBe('STOPPED');
  });

  it('is not routed, and does nothing, for a Recorded event of a job still running', async () => {
    const event = await recordJob(renamed('still-running-probe'));
    const running: BusEvent = {
      ...event,
      detail: { ...(event.detail as object), status: 'IN_PROGRESS', completionTime: null },
    };
    expect(matchesEventPattern(notifyRule, running)).toBe(false);
    expect(await invokeNotify(running)).toEqual({ outcome: 'ignored', status: 'IN_PROGRESS' });
    expect(publishedFor('still-running-probe')).toHaveLength(0);
  });
});

describe('notify: exactly one message per job and terminal status', () => {
  it('publishes once when the same Recorded event arrives three times', async () => {
    const event = await recordJob(renamed('delivered-thrice'));
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) outcomes.push(await invokeNotify(event));

    expect(outcomes.map((o) => (o as { outcome: string }).outcome)).toEqual([
      'published',
      'duplicate',
      'duplicate',
    ]);
    const messages = world.sns.messages.filter(
      (m) => m.messageAttributes.jobName?.stringValue === 'delivered-thrice',
    );
    expect(messages).toHaveLength(1);
    expect(outcomes[1]).toEqual({ outcome: 'duplicate', messageId: messages[0]?.messageId });
  });

  it('publishes once when a second event for the same change has another id', async () => {
    const event = await recordJob(renamed('two-event-ids'));
    await invokeNotify(event);
    const again = await invokeNotify({ ...event, id: 'another-event-id-for-the-same-change' });
    expect(again).toMatchObject({ outcome: 'duplicate' });
    expect(publishedFor('two-event-ids')).toHaveLength(1);
  });

  it('publishes once when two invocations race; the loser retries into a duplicate', async () => {
    const event = await recordJob(renamed('racing-pair'));
    const settled = await Promise.allSettled([invokeNotify(event), invokeNotify(event)]);

    expect(publishedFor('racing-pair')).toHaveLength(1);
    const published = settled.filter(
      (s) => s.status === 'fulfilled' && (s.value as { outcome: string }).outcome === 'published',
    );
    expect(published).toHaveLength(1);
    for (const other of settled.filter((s) => !published.includes(s))) {
      if (other.status === 'rejected') {
        // Lambda retries it later; by then the claim says sent.
        expect(other.reason).toBeInstanceOf(NotificationInProgressError);
        expect(await invokeNotify(event)).toMatchObject({ outcome: 'duplicate' });
      } else {
        expect(other.value).toMatchObject({ outcome: 'duplicate' });
      }
    }
    expect(publishedFor('racing-pair')).toHaveLength(1);
  });

  it('leaves a live claim alone (retryable error) and takes over one whose holder died', async () => {
    const event = await recordJob(renamed('crashed-holder'));
    const claim = (expiresAt: Date) =>
      world.table.doc.send(
        new PutCommand({
          TableName: world.table.tableName,
          Item: {
            ...keys.notification(jobKey('crashed-holder'), 'COMPLETED'),
            entity: 'notification',
            ...jobKey('crashed-holder'),
            status: 'COMPLETED',
            state: 'pending',
            token: 'token-of-another-invocation',
            claimedAt: new Date(expiresAt.getTime() - 45_000).toISOString(),
            expiresAt: expiresAt.toISOString(),
          },
        }),
      );

    await claim(new Date(Date.now() + 60_000));
    await expect(invokeNotify(event)).rejects.toBeInstanceOf(NotificationInProgressError);
    expect(publishedFor('crashed-holder')).toHaveLength(0);

    await claim(new Date(Date.now() - 1_000));
    expect(await invokeNotify(event)).toMatchObject({ outcome: 'published' });
    expect(publishedFor('crashed-holder')).toHaveLength(1);
    expect((await claimItem('crashed-holder', 'COMPLETED'))?.state).toBe('sent');
  });

  it('throws when Publish fails, releases its claim, and a later retry publishes exactly once', async () => {
    const event = await recordJob(renamed('publish-fails'));
    const callsBefore = world.sns.calls.length;
    world.sns.setFailPublish(() => true);
    try {
      await expect(invokeNotify(event)).rejects.toThrow(/Internal error/);
    } finally {
      world.sns.setFailPublish(undefined);
    }
    const failedCalls = world.sns.calls.slice(callsBefore);
    expect(failedCalls.length).toBeGreaterThan(0);
    expect(failedCalls.every((c) => c.action === 'Publish' && c.error === 'InternalError')).toBe(
      true,
    );
    expect(publishedFor('publish-fails')).toHaveLength(0);
    expect(await claimItem('publish-fails', 'COMPLETED')).toBeUndefined();

    expect(await invokeNotify(event)).toMatchObject({ outcome: 'published' });
    expect(await invokeNotify(event)).toMatchObject({ outcome: 'duplicate' });
    expect(publishedFor('publish-fails')).toHaveLength(1);
  });

  it('sends one message per terminal status of the same job', async () => {
    const event = await recordJob(renamed('two-statuses'));
    await invokeNotify(event);
    const failedLater = {
      ...event,
      detail: { ...(event.detail as object), status: 'FAILED', failureReason: 'made up' },
    };
    expect(await invokeNotify(failedLater)).toMatchObject({ outcome: 'published' });
    expect(publishedFor('two-statuses').map((m) => m.attributes.status)).toEqual([
      'COMPLETED',
      'FAILED',
    ]);
  });
});

describe('notify: a very large job', () => {
  const LARGE = 'sweep-1000-recs';
  /** SageMaker caps a FailureReason at 1,024 characters; these use all of them, multi-byte too. */
  const longReason = (index: number) =>
    `Benchmark ${index} failed: ${'the container exited — OOMKilled, é… '.repeat(40)}`.slice(
      0,
      1_024,
    );

  it('stays under 256 KB with 1,000 recommendations and 1,000 failed benchmarks, and says what it cut', async () => {
    const template = sampleJob('large-sweep-250');
    const job = reshapeJob(template, LARGE, {
      recommendations: (recs) =>
        Array.from({ length: 1_000 }, (_, index) => {
          const rec = recs[index % recs.length]!;
          const endpoint = rec.EndpointConfiguration as WireObject;
          return {
            ...rec,
            RecommendationId: `${LARGE}/${String(index).padStart(8, '0')}`,
            EndpointConfiguration: { ...endpoint, EndpointName: `sm-epc-large-${index}` },
          };
        }),
      steps: (steps) =>
        Array.from({ length: 1_000 }, (_, index) => {
          const step = steps[index % steps.length]!;
          const benchmark = step.InferenceBenchmark as WireObject;
          return {
            ...step,
            Status: 'FAILED',
            InferenceBenchmark: {
              EndpointConfiguration: benchmark.EndpointConfiguration,
              ModelConfiguration: benchmark.ModelConfiguration,
              FailureReason: longReason(index),
            },
          };
        }),
    });

    const { message } = await notifyOnce(job);

    expect(message.size).toBeLessThan(262_144);
    expect(message.subject).toMatch(
      /^irwatch COMPLETED sweep-1000-recs: 1,000 recommendations, cheapest ml\./,
    );
    const body = text(message);
    expect(body).toContain('By cost per inference (5 of 1,000):');
    expect(body).toContain('  … and 995 more recommendations');
    expect(body).toContain('1,000 of 1,000 benchmarks failed:');
    expect(body).toContain('  … and 990 more benchmarks');
    expect(body).toContain(longReason(0));
    const detail = recordedDetailSchema.parse(message.detail);
    expect(detail.recommendationCount).toBe(1_000);
    expect(detail.failedBenchmarkCount).toBe(1_000);
  }, 120_000);
});
