import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen as listenHttp, readBody, send, signedRegion } from './http-server.js';
import type { Gate } from './iam/gate.js';
import type { LocalServer } from './http-server.js';

export interface PublishedAttribute {
  dataType: string;
  stringValue?: string;
  /** Base64, exactly as sent on the wire. */
  binaryValue?: string;
}

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  messageAttributes: Record<string, PublishedAttribute>;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  /** ISO 8601. */
  receivedAt: string;
}

export interface SnsCall {
  action: string;
  params: Record<string, string>;
  /** The error code returned, when the call failed. */
  error?: string;
}

export interface SnsEndpointOptions {
  account?: string;
  /** Defaults to the region the request was signed for, then us-east-1. */
  region?: string;
  /** When set, only these topics and topics made with CreateTopic exist. */
  topics?: string[];
  now?: () => number;
  /** Returning true answers the Publish call with a 500 InternalError. */
  failPublish?: (call: { index: number; topicArn: string }) => boolean;
  onPublish?: (message: PublishedMessage) => void | Promise<void>;
}

export interface SnsEndpoint {
  readonly messages: PublishedMessage[];
  readonly calls: SnsCall[];
  /** Errors thrown by onPublish; subscriber failures never fail Publish, as in SNS. */
  readonly deliveryErrors: unknown[];
  /** Topic ARNs created through CreateTopic. */
  readonly createdTopics: string[];
  setFailPublish(fn: SnsEndpointOptions['failPublish']): void;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** With a gate, every request is checked (callers, signature, IAM) before it is served. */
  listen(port?: number, gate?: Gate): Promise<LocalServer>;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const MAX_MESSAGE_BYTES = 262_144;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,256}(\.fifo)?)$/;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
// SNS subjects: printable ASCII, starting with a letter, digit or punctuation, under 100 characters.
const SUBJECT = /^[!-~][ -~]{0,98}$/;

class SnsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function invalidParameter(message: string): SnsError {
  return new SnsError(400, 'InvalidParameter', message);
}

function invalidValue(message: string): SnsError {
  return new SnsError(400, 'ParameterValueInvalid', message);
}

export function xmlEscape(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Collects `MessageAttributes.entry.N.Name` / `.Value.DataType` / … into a map keyed by name. */
function parseAttributes(params: URLSearchParams): Record<string, PublishedAttribute> {
  const byIndex = new Map<string, Record<string, string>>();
  for (const [key, value] of params) {
    const match =
      /^MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.StringValue|Value\.BinaryValue)$/.exec(
        key,
      );
    if (!match?.[1] || !match[2]) continue;
    const slot = byIndex.get(match[1]) ?? {};
    slot[match[2]] = value;
    byIndex.set(match[1], slot);
  }
  const attributes: Record<string, PublishedAttribute> = {};
  for (const slot of byIndex.values()) {
    const name = slot.Name;
    const dataType = slot['Value.DataType'];
    if (name === undefined || name === '')
      throw invalidValue('The message attribute name must not be empty.');
    if (!ATTRIBUTE_NAME.test(name) || /^(AWS|Amazon)\./i.test(name)) {
      throw invalidValue(`The message attribute name '${name}' is invalid.`);
    }
    if (dataType === undefined || dataType === '') {
      throw invalidValue(`The message attribute '${name}' must contain a message attribute type.`);
    }
    const base = dataType === 'String.Array' ? dataType : dataType.split('.')[0];
    const stringValue = slot['Value.StringValue'];
    const binaryValue = slot['Value.BinaryValue'];
    if (base === 'Binary') {
      if (!binaryValue) {
        throw invalidValue(
          `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
        );
      }
    } else if (base === 'String' || base === 'Number' || base === 'String.Array') {
      if (!stringValue) {
        throw invalidValue(
          `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
        );
      }
      if (base === 'Number' && !Number.isFinite(Number(stringValue))) {
        throw invalidValue(`Could not cast message attribute '${name}' value to number.`);
      }
      if (base === 'String.Array') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(stringValue);
        } catch {
          parsed = undefined;
        }
        if (!Array.isArray(parsed)) {
          throw invalidValue(
            `The message attribute '${name}' with type 'String.Array' must be an array.`,
          );
        }
      }
    } else {
      throw invalidValue(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const attribute: PublishedAttribute = { dataType };
    if (stringValue !== undefined) attribute.stringValue = stringValue;
    if (binaryValue !== undefined) attribute.binaryValue = binaryValue;
    attributes[name] = attribute;
  }
  return attributes;
}

/** Message attributes count toward the 256 KiB limit: name, type and value all included. */
function messageSize(message: string, attributes: Record<string, PublishedAttribute>): number {
  let size = Buffer.byteLength(message);
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.dataType);
    if (a.stringValue !== undefined) size += Buffer.byteLength(a.stringValue);
    if (a.binaryValue !== undefined) size += Buffer.from(a.binaryValue, 'base64').byteLength;
  }
  return size;
}

export function createSnsEndpoint(options: SnsEndpointOptions = {}): SnsEndpoint {
  const messages: PublishedMessage[] = [];
  const calls: SnsCall[] = [];
  const deliveryErrors: unknown[] = [];
  const createdTopics: string[] = [];
  const account = options.account ?? '111122223333';
  const now = options.now ?? (() => Date.now());
  const knownTopics = options.topics ? new Set(options.topics) : undefined;
  let failPublish = options.failPublish;
  let publishIndex = 0;

  function replyXml(res: ServerResponse, status: number, action: string, result: string): void {
    const requestId = randomUUID();
    const xml =
      `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
    send(res, status, xml, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  }

  function replyError(res: ServerResponse, error: SnsError): void {
    const requestId = randomUUID();
    const xml =
      `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
      `<Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`;
    send(res, error.status, xml, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  }

  async function publish(params: URLSearchParams): Promise<string> {
    const topicArn = params.get('TopicArn') ?? undefined;
    const targetArn = params.get('TargetArn') ?? undefined;
    const target = topicArn ?? targetArn;
    const index = publishIndex++;
    if (target !== undefined && failPublish?.({ index, topicArn: target })) {
      throw new SnsError(
        500,
        'InternalError',
        'Internal error (injected by the local SNS endpoint)',
      );
    }

    const message = params.get('Message');
    if (message === null) {
      throw new SnsError(
        400,
        'ValidationError',
        "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
      );
    }
    if (topicArn !== undefined && targetArn !== undefined) {
      throw invalidParameter('Invalid parameter: TopicArn or TargetArn Reason: both were provided');
    }
    if (target === undefined) {
      if (params.has('PhoneNumber')) {
        throw invalidParameter(
          'Invalid parameter: PhoneNumber Reason: SMS is not simulated locally',
        );
      }
      throw invalidParameter(
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      );
    }
    const arnMatch = TOPIC_ARN.exec(target);
    if (!arnMatch)
      throw invalidParameter(`Invalid parameter: ${topicArn ? 'TopicArn' : 'TargetArn'}`);
    if (knownTopics && !knownTopics.has(target))
      throw new SnsError(404, 'NotFound', 'Topic does not exist');
    if (message === '') throw invalidParameter('Invalid parameter: Empty message');

    const subject = params.get('Subject') ?? undefined;
    if (subject !== undefined && !SUBJECT.test(subject))
      throw invalidParameter('Invalid parameter: Subject');

    const messageStructure = params.get('MessageStructure') ?? undefined;
    if (messageStructure !== undefined) {
      if (messageStructure !== 'json')
        throw invalidParameter('Invalid parameter: MessageStructure');
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        throw invalidParameter(
          'Invalid parameter: Message Structure - JSON message body failed to parse',
        );
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw invalidParameter(
          'Invalid parameter: Message Structure - JSON message body failed to parse',
        );
      }
      const fallback: unknown = (parsed as Record<string, unknown>).default;
      if (fallback === undefined) {
        throw invalidParameter(
          'Invalid parameter: Message Structure - No default entry in JSON message body',
        );
      }
      if (typeof fallback !== 'string') {
        throw invalidParameter(
          'Invalid parameter: Message Structure - default entry must be a string',
        );
      }
    }

    const messageAttributes = parseAttributes(params);
    if (messageSize(message, messageAttributes) > MAX_MESSAGE_BYTES) {
      throw invalidParameter('Invalid parameter: Message too long');
    }

    const messageGroupId = params.get('MessageGroupId') ?? undefined;
    const messageDeduplicationId = params.get('MessageDeduplicationId') ?? undefined;
    if (arnMatch[2] && messageGroupId === undefined) {
      throw invalidParameter(
        'Invalid parameter: The MessageGroupId parameter is required for FIFO topics',
      );
    }

    const published: PublishedMessage = {
      messageId: randomUUID(),
      topicArn: target,
      message,
      messageAttributes,
      receivedAt: new Date(now()).toISOString(),
    };
    if (subject !== undefined) published.subject = subject;
    if (messageStructure !== undefined) published.messageStructure = messageStructure;
    if (messageGroupId !== undefined) published.messageGroupId = messageGroupId;
    if (messageDeduplicationId !== undefined)
      published.messageDeduplicationId = messageDeduplicationId;
    messages.push(published);
    if (options.onPublish) {
      try {
        await options.onPublish(published);
      } catch (error) {
        deliveryErrors.push(error);
      }
    }
    return `<MessageId>${published.messageId}</MessageId>`;
  }

  function createTopic(params: URLSearchParams, region: string): string {
    const name = params.get('Name') ?? '';
    const fifoAttribute = [...params].some(
      ([k, v]) =>
        /^Attributes\.entry\.\d+\.key$/.test(k) &&
        v === 'FifoTopic' &&
        params.get(k.replace(/key$/, 'value')) === 'true',
    );
    if (!TOPIC_NAME.test(name) || name.endsWith('.fifo') !== fifoAttribute) {
      throw invalidParameter('Invalid parameter: Topic Name');
    }
    const arn = `arn:aws:sns:${region}:${account}:${name}`;
    if (!createdTopics.includes(arn)) createdTopics.push(arn);
    knownTopics?.add(arn);
    return `<TopicArn>${xmlEscape(arn)}</TopicArn>`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    const call: SnsCall = { action, params: Object.fromEntries(params) };
    calls.push(call);
    const region = options.region ?? signedRegion(req) ?? 'us-east-1';
    try {
      if (req.method !== 'POST')
        throw new SnsError(400, 'InvalidAction', 'Only POST is supported.');
      if (action === 'Publish') replyXml(res, 200, action, await publish(params));
      else if (action === 'CreateTopic') replyXml(res, 200, action, createTopic(params, region));
      else {
        throw new SnsError(
          400,
          'InvalidAction',
          `The action ${action || '(none)'} is not valid for this web service.`,
        );
      }
    } catch (error) {
      if (!(error instanceof SnsError)) throw error;
      call.error = error.code;
      replyError(res, error);
    }
  }

  return {
    messages,
    calls,
    deliveryErrors,
    createdTopics,
    setFailPublish(fn) {
      failPublish = fn;
    },
    handle,
    listen(port, gate) {
      return listenHttp(handle, { port: port ?? 0, ...(gate ? { gate } : {}) });
    },
  };
}
