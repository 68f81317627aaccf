import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CLAIM_LEASE_MS,
  NotificationInProgressError,
  notifyRecorded,
  type ClaimRequest,
  type ClaimResult,
  type NotifyDeps,
} from '../../functions/notify/notify.js';
import {
  RECORDED_DETAIL_SCHEMA_PATH,
  renderRecordedDetailJsonSchema,
} from '../../functions/notify/recorded-detail-schema.js';
import type { RecordedDetail } from '../../shared/events.js';
import { functionTimeoutOf } from '../support/notify.js';
import { repoRoot } from '../support/serverless.js';

const detail: RecordedDetail = {
  jobName: 'my-job',
  accountId: '111122223333',
  region: 'us-east-1',
  jobArn: null,
  jobType: 'Default',
  status: 'COMPLETED',
  previousStatus: 'IN_PROGRESS',
  modelName: 'my-model',
  modelPackageVersionArn: null,
  creationTime: null,
  completionTime: null,
  failureReason: null,
  recommendationCount: 0,
  failedBenchmarkCount: 0,
  best: { lowestCostPerInference: null, lowestModelLatency: null, highestMaxInvocations: null },
  version: 1,
};

interface Claim {
  state: 'pending' | 'sent';
  token: string;
  expiresAt: number;
  messageId?: string;
}

/** The claim rules of notification-store.ts over a Map, to drive the use case's branches. */
function fakeDeps(options: { publish?: () => Promise<{ messageId: string }> } = {}) {
  const claims = new Map<string, Claim>();
  const published: string[] = [];
  const warnings: string[] = [];
  let clock = Date.parse('2024-11-24T15:12:00.000Z');
  const deps: NotifyDeps = {
    async claim(request: ClaimRequest): Promise<ClaimResult> {
      const key = `${request.job.jobName}#${request.status}`;
      const existing = claims.get(key);
      if (existing?.state === 'sent') {
        return { claimed: false, state: 'sent', messageId: existing.messageId ?? null };
      }
      if (existing && existing.expiresAt >= request.now.getTime()) {
        return {
          claimed: false,
          state: 'pending',
          expiresAt: new Date(existing.expiresAt).toISOString(),
        };
      }
      claims.set(key, {
        state: 'pending',
        token: request.token,
        expiresAt: request.expiresAt.getTime(),
      });
      return { claimed: true };
    },
    readChildren: async () => ({ recommendations: [], steps: [] }),
    async publish(notification) {
      const result = options.publish
        ? await options.publish()
        : { messageId: `m${published.length}` };
      published.push(notification.subject);
      return result;
    },
    async markSent({ job, status, token, messageId }) {
      const claim = claims.get(`${job.jobName}#${status}`);
      if (claim?.token !== token) return false;
      claims.set(`${job.jobName}#${status}`, { ...claim, state: 'sent', messageId });
      return true;
    },
    async release({ job, status, token }) {
      if (claims.get(`${job.jobName}#${status}`)?.token === token)
        claims.delete(`${job.jobName}#${status}`);
    },
    now: () => new Date(clock),
    warn: (message) => warnings.push(message),
  };
  return {
    deps,
    claims,
    published,
    warnings,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('notifyRecorded', () => {
  it('publishes, marks the claim sent, and answers later deliveries as duplicates', async () => {
    const fake = fakeDeps();
    expect(await notifyRecorded(detail, fake.deps)).toMatchObject({
      outcome: 'published',
      messageId: 'm0',
    });
    expect(await notifyRecorded(detail, fake.deps)).toEqual({
      outcome: 'duplicate',
      messageId: 'm0',
    });
    expect(fake.published).toHaveLength(1);
    expect(fake.claims.get('my-job#COMPLETED')).toMatchObject({ state: 'sent', messageId: 'm0' });
  });

  it('ignores a status that is not terminal', async () => {
    const fake = fakeDeps();
    expect(await notifyRecorded({ ...detail, status: 'STOPPING' }, fake.deps)).toEqual({
      outcome: 'ignored',
      status: 'STOPPING',
    });
    expect(fake.published).toHaveLength(0);
    expect(fake.claims.size).toBe(0);
  });

  it('releases the claim and rethrows when Publish fails, so a retry can publish at once', async () => {
    let fail = true;
    const fake = fakeDeps({
      publish: async () => {
        if (fail) throw new Error('SNS is down');
        return { messageId: 'after-retry' };
      },
    });
    await expect(notifyRecorded(detail, fake.deps)).rejects.toThrow('SNS is down');
    expect(fake.claims.size).toBe(0);
    fail = false;
    expect(await notifyRecorded(detail, fake.deps)).toMatchObject({ messageId: 'after-retry' });
  });

  it('throws a retryable error while another claim is live, and takes an expired one over', async () => {
    const fake = fakeDeps();
    fake.claims.set('my-job#COMPLETED', {
      state: 'pending',
      token: 'other',
      expiresAt: fake.deps.now().getTime() + CLAIM_LEASE_MS,
    });
    await expect(notifyRecorded(detail, fake.deps)).rejects.toBeInstanceOf(
      NotificationInProgressError,
    );
    fake.advance(CLAIM_LEASE_MS + 1);
    expect(await notifyRecorded(detail, fake.deps)).toMatchObject({ outcome: 'published' });
    expect(fake.published).toHaveLength(1);
  });

  it('does not throw once published, even if marking it sent fails (a throw would publish twice)', async () => {
    const fake = fakeDeps();
    fake.deps.markSent = async () => {
      throw new Error('DynamoDB is down');
    };
    expect(await notifyRecorded(detail, fake.deps)).toMatchObject({ outcome: 'published' });
    expect(fake.warnings).toEqual(['Published, but could not mark the notification sent']);
  });
});

describe('notify configuration', () => {
  it('holds a claim longer than the function can run, and shorter than Lambda waits to retry', () => {
    const timeoutMs = functionTimeoutOf('notify') * 1_000;
    expect(CLAIM_LEASE_MS).toBeGreaterThan(timeoutMs);
    expect(CLAIM_LEASE_MS).toBeLessThan(60_000);
  });

  it('commits the JSON Schema of the Recorded detail exactly as the zod schema generates it', () => {
    const committed = readFileSync(join(repoRoot, RECORDED_DETAIL_SCHEMA_PATH), 'utf8');
    // On failure, regenerate: npx tsx functions/notify/recorded-detail-schema.ts
    expect(committed).toBe(renderRecordedDetailJsonSchema());
  });
});
