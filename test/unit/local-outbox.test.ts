import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOutbox, outboxLine } from '../../local/aws/sns/outbox.js';
import type { PublishedMessage } from '../../local/aws/sns/sns-endpoint.js';

const detail = { jobName: 'job-a', status: 'COMPLETED', recommendationCount: 2 };
const published = (messageId: string): PublishedMessage => ({
  messageId,
  topicArn: 'arn:aws:sns:us-east-1:000000000000:irwatch-local',
  subject: 'irwatch COMPLETED job-a',
  messageStructure: 'json',
  message: JSON.stringify({
    default: 'job-a COMPLETED',
    email: 'job-a COMPLETED',
    sqs: JSON.stringify(detail),
  }),
  messageAttributes: { jobName: { dataType: 'String', stringValue: 'job-a' } },
  receivedAt: '2026-01-01T00:00:00.000Z',
});

const lines = async (file: string) =>
  (await readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the local SNS outbox', () => {
  it('holds each message as JSON: per protocol, with the JSON ones as objects', () => {
    expect(outboxLine(published('m-1'))).toEqual({
      time: '2026-01-01T00:00:00.000Z',
      messageId: 'm-1',
      subject: 'irwatch COMPLETED job-a',
      message: { default: 'job-a COMPLETED', email: 'job-a COMPLETED', sqs: detail },
      attributes: { jobName: 'job-a' },
    });
    expect(
      outboxLine({ ...published('m-2'), messageStructure: undefined, message: 'plain text' })
        .message,
    ).toBe('plain text');
  });

  it('writes a message once, even when a restart delivers the journal again', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'irwatch-outbox-'));
    const first = await createOutbox({ dataDir, retryDelayMs: 1, log: () => undefined });
    await first.accept(published('m-1'));
    await first.idle();
    await first.close();
    // As if the process died after writing the line and before marking it done.
    const journalFile = join(dataDir, 'outbox-journal.jsonl');
    const { appendFile } = await import('node:fs/promises');
    await appendFile(
      journalFile,
      `${JSON.stringify({ op: 'add', id: 'again', entry: { target: 'outbox', line: outboxLine(published('m-1')) } })}\n`,
    );
    const second = await createOutbox({ dataDir, retryDelayMs: 1, log: () => undefined });
    await second.idle();
    await second.close();
    expect((await lines(join(dataDir, 'outbox.jsonl'))).map((line) => line.messageId)).toEqual([
      'm-1',
    ]);
  });

  it('retries an outbox it cannot write, then dead-letters the message with the reason', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'irwatch-outbox-'));
    // A folder where the file should be: every append fails.
    await mkdir(join(dataDir, 'outbox.jsonl'));
    const logged: string[] = [];
    const outbox = await createOutbox({
      dataDir,
      retryDelayMs: 1,
      log: (line) => logged.push(line),
    });
    await outbox.accept(published('m-3'));
    await outbox.idle();
    await outbox.close();
    expect(logged.filter((line) => line.includes('retrying'))).toHaveLength(2);
    const [letter, ...others] = await lines(join(dataDir, 'dead-letter.jsonl'));
    expect(others).toEqual([]);
    expect(letter).toMatchObject({
      functionName: 'outbox',
      attempts: 3,
      error: expect.stringContaining('EISDIR') as unknown,
      message: { messageId: 'm-3' },
    });
    // Dead-lettered is finished: a restart does not try again.
    const reopened = await createOutbox({ dataDir, retryDelayMs: 1, log: () => undefined });
    await reopened.idle();
    await reopened.close();
    expect(await lines(join(dataDir, 'dead-letter.jsonl'))).toHaveLength(1);
  });
});

describe('SNS Publish on the local endpoint', () => {
  it('fails with InternalError when the message cannot be accepted, so the publisher retries', async () => {
    const { createSnsEndpoint } = await import('../../local/aws/sns/sns-endpoint.js');
    const { SNSClient, PublishCommand } = await import('@aws-sdk/client-sns');
    const topicArn = 'arn:aws:sns:us-east-1:000000000000:irwatch-local';
    const endpoint = createSnsEndpoint({
      topics: [topicArn],
      onPublish: () => Promise.reject(new Error('ENOSPC: no space left on device')),
    });
    const server = await endpoint.listen();
    const sns = new SNSClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      await expect(
        sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'hello' })),
      ).rejects.toMatchObject({ name: 'InternalErrorException' });
      expect(endpoint.messages).toEqual([]);
    } finally {
      sns.destroy();
      await server.close();
    }
  });
});
