import { PublishCommand, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { createDocumentClient, createSnsClient } from '../../shared/aws.js';
import { readEnv } from '../../shared/config.js';
import { logger } from '../../shared/observability.js';
import {
  claimNotification,
  markNotificationSent,
  readJobChildren,
  releaseNotification,
} from './notification-store.js';
import type { NotifyDeps } from './notify.js';

const config = readEnv(['TABLE_NAME', 'TOPIC_ARN']);
const doc = createDocumentClient();
const sns = createSnsClient();

export const notifyDeps: NotifyDeps = {
  claim: (request) => claimNotification(doc, config.TABLE_NAME, request),
  readChildren: (job) => readJobChildren(doc, config.TABLE_NAME, job),
  async publish(notification) {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(notification.attributes)) {
      attributes[name] = { DataType: 'String', StringValue: value };
    }
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: config.TOPIC_ARN,
        Subject: notification.subject,
        Message: notification.message,
        MessageStructure: 'json',
        MessageAttributes: attributes,
      }),
    );
    if (!MessageId) throw new Error('SNS Publish answered without a MessageId');
    return { messageId: MessageId };
  },
  markSent: (request) => markNotificationSent(doc, config.TABLE_NAME, request),
  release: (request) => releaseNotification(doc, config.TABLE_NAME, request),
  now: () => new Date(),
  warn: (message, details) => logger.warn(message, details),
};
