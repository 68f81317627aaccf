import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  jsonErrorReply,
  jsonReply,
  parseJsonObject,
  sendReply,
  ServiceError,
  SQS_JSON,
  targetOperation,
} from '../aws-json.js';
import { listen as listenHttp, readBody } from '../http-server.js';
import type { Gate } from '../iam/gate.js';
import type { LocalServer } from '../http-server.js';

/** A message attribute as it travels on the wire (BinaryValue in base64). */
export interface MessageAttributeWire {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface StoredMessage {
  messageId: string;
  body: string;
  attributes: Record<string, MessageAttributeWire>;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Epoch milliseconds until which the message is in flight. */
  invisibleUntil: number;
  /** Only the latest receipt handle deletes, so a redrive that kept a stale one is caught. */
  receiptHandle?: string;
}

export interface SqsCall {
  operation: string;
  error?: string;
}

export interface SqsEndpointOptions {
  account?: string;
  /** For queue ARNs; defaults to us-east-1. */
  region?: string;
  /** Epoch milliseconds; drives visibility timeouts. */
  now?: () => number;
}

export interface SqsEndpoint {
  readonly calls: SqsCall[];
  /** Creates the queue if missing and returns its URL path (`/<account>/<name>`). */
  createQueue(name: string): string;
  /** Every message still in the queue, visible or in flight. */
  messagesOf(name: string): StoredMessage[];
  /** Puts a message on the queue an ARN names, as SNS does; false when there is no such queue. */
  sendToArn(
    queueArn: string,
    body: string,
    attributes?: Record<string, MessageAttributeWire>,
  ): boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** With a gate, every request is checked (callers, signature, IAM) before it is served. */
  listen(port?: number, gate?: Gate): Promise<LocalServer>;
}

const DEFAULT_VISIBILITY_SECONDS = 30;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
/** Attributes CreateQueue and SetQueueAttributes accept (those of standard and FIFO queues). */
const SETTABLE_ATTRIBUTES = new Set([
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'Policy',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);
const MAX_BATCH = 10;

const missingParameter = (name: string) =>
  new ServiceError(
    400,
    'InvalidParameterValue',
    `The request must contain the parameter ${name}.`,
    'MissingParameter',
  );

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requiredString(input: Record<string, unknown>, key: string): string {
  const value = input[key];
  if (typeof value !== 'string' || value === '') throw missingParameter(key);
  return value;
}

function optionalInteger(
  input: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ServiceError(
      400,
      'InvalidParameterValue',
      `Value ${String(value)} for parameter ${key} is invalid. Reason: must be between ${min} and ${max}.`,
    );
  }
  return value;
}

function stringList(input: Record<string, unknown>, key: string): string[] {
  const value = input[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * SQS's MD5OfMessageAttributes: attributes sorted by name, each as length-prefixed (4-byte
 * big-endian) name, data type, a transport byte (1 string, 2 binary) and length-prefixed value.
 */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeWire>): string {
  const parts: Buffer[] = [];
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name];
    if (!attribute) continue;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(attribute.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(attribute.StringValue ?? '', 'utf8'));
    }
  }
  return md5Hex(Buffer.concat(parts));
}

function toAttributes(raw: unknown): Record<string, MessageAttributeWire> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) {
    throw new ServiceError(400, 'InvalidParameterValue', 'MessageAttributes must be a map');
  }
  const attributes: Record<string, MessageAttributeWire> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!isRecord(value) || typeof value.DataType !== 'string') {
      throw new ServiceError(
        400,
        'InvalidParameterValue',
        `The message attribute '${name}' must contain a non-empty attribute type.`,
      );
    }
    const attribute: MessageAttributeWire = { DataType: value.DataType };
    if (typeof value.StringValue === 'string') attribute.StringValue = value.StringValue;
    if (typeof value.BinaryValue === 'string') attribute.BinaryValue = value.BinaryValue;
    attributes[name] = attribute;
  }
  return attributes;
}

function selectAttributes(
  attributes: Record<string, MessageAttributeWire>,
  requested: string[],
): Record<string, MessageAttributeWire> {
  const wanted = (name: string) =>
    requested.some(
      (r) =>
        r === 'All' ||
        r === '.*' ||
        r === name ||
        (r.endsWith('.*') && name.startsWith(r.slice(0, -1))),
    );
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => wanted(name)));
}

export function createSqsEndpoint(options: SqsEndpointOptions = {}): SqsEndpoint {
  const account = options.account ?? '111122223333';
  const now = options.now ?? (() => Date.now());
  const region = options.region ?? 'us-east-1';
  const queues = new Map<string, StoredMessage[]>();
  const queueAttributes = new Map<string, Record<string, string>>();
  const calls: SqsCall[] = [];

  function nameOf(queueUrl: string): string {
    let path: string;
    try {
      path = new URL(queueUrl).pathname;
    } catch {
      path = queueUrl;
    }
    return path.split('/')[2] ?? '';
  }

  function attributesInput(input: Record<string, unknown>): Record<string, string> {
    const raw = input.Attributes;
    if (raw === undefined || raw === null) return {};
    if (!isRecord(raw)) {
      throw new ServiceError(400, 'InvalidAttributeName', 'Attributes must be a map');
    }
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(raw)) {
      if (!SETTABLE_ATTRIBUTES.has(name)) {
        throw new ServiceError(400, 'InvalidAttributeName', `Unknown Attribute ${name}.`);
      }
      attributes[name] = String(value);
    }
    if (attributes.Policy !== undefined) {
      try {
        JSON.parse(attributes.Policy);
      } catch {
        throw new ServiceError(
          400,
          'InvalidAttributeValue',
          'Invalid value for the parameter Policy.',
        );
      }
    }
    return attributes;
  }

  function queueOf(queueUrl: string): StoredMessage[] {
    let path: string;
    try {
      path = new URL(queueUrl).pathname;
    } catch {
      path = queueUrl;
    }
    const [, owner, name] = path.split('/');
    const queue = owner === account && name !== undefined ? queues.get(name) : undefined;
    if (!queue) {
      throw new ServiceError(
        400,
        'QueueDoesNotExist',
        'The specified queue does not exist.',
        'AWS.SimpleQueueService.NonExistentQueue',
      );
    }
    return queue;
  }

  function deleteByHandle(queue: StoredMessage[], receiptHandle: string): boolean {
    const index = queue.findIndex((m) => m.receiptHandle === receiptHandle);
    if (index === -1) return false;
    queue.splice(index, 1);
    return true;
  }

  function batchEntries(input: Record<string, unknown>): Record<string, unknown>[] {
    const entries = input.Entries;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new ServiceError(
        400,
        'EmptyBatchRequest',
        'There should be at least one SendMessageBatchRequestEntry in the request.',
        'AWS.SimpleQueueService.EmptyBatchRequest',
      );
    }
    if (entries.length > MAX_BATCH) {
      throw new ServiceError(
        400,
        'TooManyEntriesInBatchRequest',
        `Maximum number of entries per request are ${MAX_BATCH}. You have sent ${entries.length}.`,
        'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      );
    }
    const records = entries.filter(isRecord);
    const ids = records.map((e) => e.Id);
    if (records.length !== entries.length || new Set(ids).size !== ids.length) {
      throw new ServiceError(
        400,
        'BatchEntryIdsNotDistinct',
        'Two or more batch entries in the request have the same Id.',
        'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
      );
    }
    return records;
  }

  const operations: Record<string, (input: Record<string, unknown>, host: string) => unknown> = {
    CreateQueue(input, host) {
      const name = requiredString(input, 'QueueName');
      if (!QUEUE_NAME.test(name)) {
        throw new ServiceError(
          400,
          'InvalidParameterValue',
          'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
        );
      }
      const attributes = attributesInput(input);
      const existing = queueAttributes.get(name);
      if (existing) {
        // Creating an existing queue is fine only with the same attributes.
        for (const [key, value] of Object.entries(attributes)) {
          if (existing[key] !== undefined && existing[key] !== value) {
            throw new ServiceError(
              400,
              'QueueNameExists',
              `A queue already exists with the same name and a different value for attribute ${key}`,
              'QueueAlreadyExists',
            );
          }
        }
      } else {
        const at = String(Math.floor(now() / 1000));
        queues.set(name, []);
        queueAttributes.set(name, {
          ...attributes,
          CreatedTimestamp: at,
          LastModifiedTimestamp: at,
        });
      }
      return { QueueUrl: `http://${host}/${account}/${name}` };
    },
    GetQueueAttributes(input) {
      const url = requiredString(input, 'QueueUrl');
      const queue = queueOf(url);
      const name = nameOf(url);
      const at = now();
      const all: Record<string, string> = {
        VisibilityTimeout: String(DEFAULT_VISIBILITY_SECONDS),
        DelaySeconds: '0',
        MaximumMessageSize: '262144',
        MessageRetentionPeriod: '345600',
        ReceiveMessageWaitTimeSeconds: '0',
        SqsManagedSseEnabled: 'true',
        ...queueAttributes.get(name),
        QueueArn: `arn:aws:sqs:${region}:${account}:${name}`,
        ApproximateNumberOfMessages: String(queue.filter((m) => m.invisibleUntil <= at).length),
        ApproximateNumberOfMessagesNotVisible: String(
          queue.filter((m) => m.invisibleUntil > at).length,
        ),
        ApproximateNumberOfMessagesDelayed: '0',
      };
      const wanted = stringList(input, 'AttributeNames');
      const selected = Object.fromEntries(
        Object.entries(all).filter(([key]) => wanted.includes('All') || wanted.includes(key)),
      );
      return Object.keys(selected).length > 0 ? { Attributes: selected } : {};
    },
    SetQueueAttributes(input) {
      const url = requiredString(input, 'QueueUrl');
      queueOf(url);
      const name = nameOf(url);
      const attributes = attributesInput(input);
      queueAttributes.set(name, {
        ...queueAttributes.get(name),
        ...attributes,
        LastModifiedTimestamp: String(Math.floor(now() / 1000)),
      });
      return {};
    },
    GetQueueUrl(input, host) {
      const name = requiredString(input, 'QueueName');
      queueOf(`/${account}/${name}`);
      return { QueueUrl: `http://${host}/${account}/${name}` };
    },
    SendMessage(input) {
      const queue = queueOf(requiredString(input, 'QueueUrl'));
      const body = requiredString(input, 'MessageBody');
      const attributes = toAttributes(input.MessageAttributes);
      const message: StoredMessage = {
        messageId: randomUUID(),
        body,
        attributes,
        sentAt: now(),
        receiveCount: 0,
        invisibleUntil: now() + 1000 * (optionalInteger(input, 'DelaySeconds', 0, 900) ?? 0),
      };
      queue.push(message);
      return {
        MessageId: message.messageId,
        MD5OfMessageBody: md5Hex(body),
        ...(Object.keys(attributes).length > 0
          ? { MD5OfMessageAttributes: md5OfMessageAttributes(attributes) }
          : {}),
      };
    },
    ReceiveMessage(input) {
      const queue = queueOf(requiredString(input, 'QueueUrl'));
      const max = optionalInteger(input, 'MaxNumberOfMessages', 1, MAX_BATCH) ?? 1;
      const visibility =
        optionalInteger(input, 'VisibilityTimeout', 0, 43_200) ?? DEFAULT_VISIBILITY_SECONDS;
      const attributeNames = stringList(input, 'MessageAttributeNames');
      const systemNames = [
        ...stringList(input, 'MessageSystemAttributeNames'),
        ...stringList(input, 'AttributeNames'),
      ];
      const at = now();
      const visible = queue.filter((m) => m.invisibleUntil <= at).slice(0, max);
      // Long polling is not simulated: an empty queue answers at once, as WaitTimeSeconds 0 does.
      if (visible.length === 0) return {};
      return {
        Messages: visible.map((message) => {
          message.receiveCount += 1;
          message.firstReceivedAt ??= at;
          message.invisibleUntil = at + visibility * 1000;
          message.receiptHandle = randomUUID();
          const attributes = selectAttributes(message.attributes, attributeNames);
          const system: Record<string, string> = {
            ApproximateReceiveCount: String(message.receiveCount),
            SentTimestamp: String(message.sentAt),
            ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
          };
          const systemSelected = Object.fromEntries(
            Object.entries(system).filter(
              ([name]) => systemNames.includes('All') || systemNames.includes(name),
            ),
          );
          return {
            MessageId: message.messageId,
            ReceiptHandle: message.receiptHandle,
            MD5OfBody: md5Hex(message.body),
            Body: message.body,
            ...(Object.keys(systemSelected).length > 0 ? { Attributes: systemSelected } : {}),
            ...(Object.keys(attributes).length > 0
              ? {
                  MessageAttributes: attributes,
                  MD5OfMessageAttributes: md5OfMessageAttributes(attributes),
                }
              : {}),
          };
        }),
      };
    },
    DeleteMessage(input) {
      const queue = queueOf(requiredString(input, 'QueueUrl'));
      const handle = requiredString(input, 'ReceiptHandle');
      if (!deleteByHandle(queue, handle)) {
        throw new ServiceError(
          404,
          'ReceiptHandleIsInvalid',
          `The input receipt handle "${handle}" is not a valid receipt handle.`,
        );
      }
      return {};
    },
    DeleteMessageBatch(input) {
      const queue = queueOf(requiredString(input, 'QueueUrl'));
      const Successful: { Id: string }[] = [];
      const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
      for (const entry of batchEntries(input)) {
        const id = String(entry.Id);
        if (typeof entry.ReceiptHandle === 'string' && deleteByHandle(queue, entry.ReceiptHandle)) {
          Successful.push({ Id: id });
        } else {
          Failed.push({
            Id: id,
            SenderFault: true,
            Code: 'ReceiptHandleIsInvalid',
            Message: 'The input receipt handle is not a valid receipt handle.',
          });
        }
      }
      return { Successful, Failed };
    },
  };

  const reply = (res: ServerResponse, status: number, body: unknown) =>
    sendReply(res, jsonReply(SQS_JSON, status, JSON.stringify(body)));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const name = targetOperation(req, SQS_JSON);
    const operation = name !== undefined ? operations[name] : undefined;
    const call: SqsCall = { operation: name ?? String(req.headers['x-amz-target']) };
    calls.push(call);
    try {
      if (req.method !== 'POST' || !operation) {
        throw new ServiceError(
          400,
          'UnsupportedOperation',
          `Unsupported operation ${String(req.headers['x-amz-target'])}`,
          'AWS.SimpleQueueService.UnsupportedOperation',
        );
      }
      let input: Record<string, unknown>;
      try {
        input = parseJsonObject(body);
      } catch {
        throw new ServiceError(400, 'InvalidParameterValue', 'Request body is not a JSON object');
      }
      reply(res, 200, operation(input, req.headers.host ?? '127.0.0.1'));
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      call.error = error.code;
      sendReply(res, jsonErrorReply(SQS_JSON, error));
    }
  }

  return {
    calls,
    createQueue(name) {
      if (!queues.has(name)) queues.set(name, []);
      return `/${account}/${name}`;
    },
    sendToArn(queueArn, body, attributes = {}) {
      const match = /^arn:aws[a-z-]*:sqs:[^:]*:(\d{12}):(.+)$/.exec(queueArn);
      const queue = match && match[1] === account ? queues.get(match[2] ?? '') : undefined;
      if (!queue) return false;
      queue.push({
        messageId: randomUUID(),
        body,
        attributes,
        sentAt: now(),
        receiveCount: 0,
        invisibleUntil: now(),
      });
      return true;
    },
    messagesOf(name) {
      return [...(queues.get(name) ?? [])];
    },
    handle,
    listen(port, gate) {
      return listenHttp(handle, { port: port ?? 0, ...(gate ? { gate } : {}) });
    },
  };
}
