import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen as listenHttp, readBody, send, signedRegion } from '../http-server.js';
import type { Gate } from '../iam/gate.js';
import type { LocalServer } from '../http-server.js';
import {
  FilterPolicyError,
  matchesFilterPolicy,
  validateFilterPolicy,
} from './sns-filter-policy.js';
import type { MessageAttributeWire } from '../sqs/sqs-endpoint.js';

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
  /** Delivers to an SQS subscription; false when the queue does not exist. */
  deliverToQueue?: (
    queueArn: string,
    body: string,
    attributes: Record<string, MessageAttributeWire>,
  ) => boolean | Promise<boolean>;
}

export interface Subscription {
  subscriptionArn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  owner: string;
  attributes: Record<string, string>;
  confirmed: boolean;
  token: string;
}

/** One delivery attempt to a subscriber, kept for tests and the console. */
export interface Delivery {
  subscriptionArn: string;
  protocol: string;
  endpoint: string;
  messageId: string;
  ok: boolean;
  error?: string;
}

export interface SnsEndpoint {
  readonly messages: PublishedMessage[];
  readonly calls: SnsCall[];
  /** Errors thrown by onPublish (each failed its Publish with a 500 InternalError). */
  readonly deliveryErrors: unknown[];
  /** Topic ARNs created through CreateTopic. */
  readonly createdTopics: string[];
  readonly subscriptions: Subscription[];
  readonly deliveries: Delivery[];
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
const SUBSCRIPTION_ATTRIBUTES = new Set([
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
]);
/** Protocols the local SNS delivers to; the others it refuses rather than drop silently. */
const LOCAL_PROTOCOLS = new Set(['sqs', 'http', 'https', 'email', 'email-json']);
const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

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

/** `Attributes.entry.N.key` / `.value` of a query request, as a map. */
function entryMap(params: URLSearchParams, prefix: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, value] of params) {
    const match = new RegExp(`^${prefix}\\.entry\\.(\\d+)\\.key$`).exec(key);
    if (!match) continue;
    map[value] = params.get(`${prefix}.entry.${match[1]}.value`) ?? '';
  }
  return map;
}

function checkSubscriptionAttribute(name: string, value: string): void {
  if (!SUBSCRIPTION_ATTRIBUTES.has(name)) {
    throw invalidParameter(
      `Invalid parameter: AttributeName: ${name} is not a subscription attribute`,
    );
  }
  if (name === 'RawMessageDelivery' && value !== 'true' && value !== 'false') {
    throw invalidParameter('Invalid parameter: RawMessageDelivery: must be true or false');
  }
  if (name === 'FilterPolicyScope' && value !== 'MessageAttributes' && value !== 'MessageBody') {
    throw invalidParameter(
      'Invalid parameter: FilterPolicyScope: must be MessageAttributes or MessageBody',
    );
  }
}

function fakeSignature(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('base64');
}

export function createSnsEndpoint(options: SnsEndpointOptions = {}): SnsEndpoint {
  const messages: PublishedMessage[] = [];
  const calls: SnsCall[] = [];
  const deliveryErrors: unknown[] = [];
  const createdTopics: string[] = [];
  const subscriptions: Subscription[] = [];
  const deliveries: Delivery[] = [];
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

  async function publish(params: URLSearchParams, baseUrl: string): Promise<string> {
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
    if (options.onPublish) {
      // onPublish is where the message is accepted (journalled): if it cannot be, Publish fails
      // as SNS's own InternalError would, so the publisher retries instead of losing it.
      try {
        await options.onPublish(published);
      } catch (error) {
        deliveryErrors.push(error);
        throw new SnsError(500, 'InternalError', `Could not accept the message: ${String(error)}`);
      }
    }
    messages.push(published);
    // Accepted: then on to the topic's subscriptions (local SQS queues, HTTP endpoints).
    await deliver(published, baseUrl);
    return `<MessageId>${published.messageId}</MessageId>`;
  }

  function topicExists(arn: string): boolean {
    return knownTopics ? knownTopics.has(arn) : createdTopics.includes(arn);
  }

  function requireTopic(params: URLSearchParams): string {
    const topicArn = params.get('TopicArn');
    if (!topicArn) {
      throw invalidParameter('Invalid parameter: TopicArn Reason: no value for required parameter');
    }
    if (!TOPIC_ARN.test(topicArn)) throw invalidParameter('Invalid parameter: TopicArn');
    if (!topicExists(topicArn)) throw new SnsError(404, 'NotFound', 'Topic does not exist');
    return topicArn;
  }

  function requireSubscription(params: URLSearchParams): Subscription {
    const arn = params.get('SubscriptionArn');
    if (!arn) {
      throw invalidParameter(
        'Invalid parameter: SubscriptionArn Reason: no value for required parameter',
      );
    }
    const subscription = subscriptions.find((s) => s.subscriptionArn === arn);
    if (!subscription) throw new SnsError(404, 'NotFound', 'Subscription does not exist');
    return subscription;
  }

  function subscriptionArnShown(subscription: Subscription): string {
    return subscription.confirmed ? subscription.subscriptionArn : 'PendingConfirmation';
  }

  function envelope(
    type: 'Notification' | 'SubscriptionConfirmation',
    fields: Record<string, unknown>,
    baseUrl: string,
  ): string {
    const body: Record<string, unknown> = { Type: type, ...fields };
    body.SignatureVersion = '1';
    body.Signature = fakeSignature(JSON.stringify(fields));
    body.SigningCertURL = `${baseUrl}/SimpleNotificationService-local.pem`;
    return JSON.stringify(body);
  }

  async function post(
    subscription: Subscription,
    type: string,
    messageId: string,
    body: string,
    raw: boolean,
  ): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': type,
      'x-amz-sns-message-id': messageId,
      'x-amz-sns-topic-arn': subscription.topicArn,
    };
    if (subscription.confirmed)
      headers['x-amz-sns-subscription-arn'] = subscription.subscriptionArn;
    if (raw) headers['x-amz-sns-rawdelivery'] = 'true';
    const response = await fetch(subscription.endpoint, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${subscription.endpoint} answered ${response.status}`);
  }

  async function deliver(message: PublishedMessage, baseUrl: string): Promise<void> {
    const targets = subscriptions.filter(
      (s) =>
        s.topicArn === message.topicArn &&
        s.confirmed &&
        ['sqs', 'http', 'https'].includes(s.protocol),
    );
    for (const subscription of targets) {
      const policy = subscription.attributes.FilterPolicy;
      const scope = subscription.attributes.FilterPolicyScope ?? 'MessageAttributes';
      if (
        policy &&
        !matchesFilterPolicy(policy, scope, {
          body: message.message,
          attributes: message.messageAttributes,
        })
      ) {
        continue;
      }
      let text = message.message;
      if (message.messageStructure === 'json') {
        const parsed = JSON.parse(message.message) as Record<string, unknown>;
        const forProtocol = parsed[subscription.protocol];
        text = typeof forProtocol === 'string' ? forProtocol : String(parsed.default);
      }
      const raw = subscription.attributes.RawMessageDelivery === 'true';
      const fields: Record<string, unknown> = {
        MessageId: message.messageId,
        TopicArn: message.topicArn,
      };
      if (message.subject !== undefined) fields.Subject = message.subject;
      fields.Message = text;
      fields.Timestamp = message.receivedAt;
      fields.UnsubscribeURL = `${baseUrl}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscription.subscriptionArn)}`;
      const attributeEntries = Object.entries(message.messageAttributes);
      if (attributeEntries.length > 0) {
        fields.MessageAttributes = Object.fromEntries(
          attributeEntries.map(([name, a]) => [
            name,
            { Type: a.dataType, Value: a.stringValue ?? a.binaryValue ?? '' },
          ]),
        );
      }
      const body = raw ? text : envelope('Notification', fields, baseUrl);
      const delivery: Delivery = {
        subscriptionArn: subscription.subscriptionArn,
        protocol: subscription.protocol,
        endpoint: subscription.endpoint,
        messageId: message.messageId,
        ok: false,
      };
      try {
        if (subscription.protocol === 'sqs') {
          // Raw delivery carries the message attributes as SQS message attributes.
          const sqsAttributes: Record<string, MessageAttributeWire> = raw
            ? Object.fromEntries(
                attributeEntries.map(([name, a]) => [
                  name,
                  a.binaryValue !== undefined
                    ? { DataType: a.dataType, BinaryValue: a.binaryValue }
                    : { DataType: a.dataType, StringValue: a.stringValue ?? '' },
                ]),
              )
            : {};
          const sent = await options.deliverToQueue?.(subscription.endpoint, body, sqsAttributes);
          if (!sent) throw new Error(`queue ${subscription.endpoint} does not exist`);
        } else {
          await post(subscription, 'Notification', message.messageId, body, raw);
        }
        delivery.ok = true;
      } catch (error) {
        delivery.error = (error as Error).message;
        deliveryErrors.push(error);
      }
      deliveries.push(delivery);
    }
  }

  async function subscribe(params: URLSearchParams, baseUrl: string): Promise<string> {
    const topicArn = requireTopic(params);
    const protocol = params.get('Protocol') ?? '';
    const endpoint = params.get('Endpoint') ?? '';
    if (!protocol) {
      throw invalidParameter('Invalid parameter: Protocol Reason: no value for required parameter');
    }
    if (!LOCAL_PROTOCOLS.has(protocol)) {
      throw invalidParameter(
        `Invalid parameter: Protocol Reason: ${protocol} is not delivered by the local SNS (it delivers to ${[...LOCAL_PROTOCOLS].join(', ')})`,
      );
    }
    const endpointOk =
      protocol === 'sqs'
        ? SQS_ARN.test(endpoint)
        : protocol === 'http' || protocol === 'https'
          ? endpoint.startsWith(`${protocol}://`)
          : /^[^@\s]+@[^@\s]+$/.test(endpoint);
    if (!endpointOk) {
      throw invalidParameter(
        `Invalid parameter: Endpoint Reason: not a valid ${protocol} endpoint`,
      );
    }
    const attributes = entryMap(params, 'Attributes');
    for (const [name, value] of Object.entries(attributes)) checkSubscriptionAttribute(name, value);
    if (attributes.FilterPolicy !== undefined) {
      try {
        validateFilterPolicy(
          attributes.FilterPolicy,
          attributes.FilterPolicyScope ?? 'MessageAttributes',
        );
      } catch (error) {
        if (!(error instanceof FilterPolicyError)) throw error;
        throw invalidParameter(`Invalid parameter: FilterPolicy: ${error.message}`);
      }
    }
    const existing = subscriptions.find(
      (s) => s.topicArn === topicArn && s.protocol === protocol && s.endpoint === endpoint,
    );
    if (existing) {
      if (JSON.stringify(existing.attributes) !== JSON.stringify(attributes)) {
        throw invalidParameter(
          'Invalid parameter: Attributes Reason: Subscription already exists with different attributes',
        );
      }
      return `<SubscriptionArn>${xmlEscape(existing.confirmed ? existing.subscriptionArn : 'pending confirmation')}</SubscriptionArn>`;
    }
    const subscription: Subscription = {
      subscriptionArn: `${topicArn}:${randomUUID()}`,
      topicArn,
      protocol,
      endpoint,
      owner: account,
      attributes,
      // SQS subscriptions in the same account need no confirmation.
      confirmed: protocol === 'sqs',
      token: randomUUID().replace(/-/g, ''),
    };
    subscriptions.push(subscription);
    if (protocol === 'http' || protocol === 'https') {
      const messageId = randomUUID();
      const subscribeUrl = `${baseUrl}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${subscription.token}`;
      const body = envelope(
        'SubscriptionConfirmation',
        {
          MessageId: messageId,
          Token: subscription.token,
          TopicArn: topicArn,
          Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
          SubscribeURL: subscribeUrl,
          Timestamp: new Date(now()).toISOString(),
        },
        baseUrl,
      );
      try {
        await post(subscription, 'SubscriptionConfirmation', messageId, body, false);
      } catch (error) {
        deliveryErrors.push(error);
      }
    }
    const returnArn = params.get('ReturnSubscriptionArn') === 'true';
    // SNS answers an unconfirmed Subscribe with these words in place of an ARN.
    const shown =
      returnArn || subscription.confirmed ? subscription.subscriptionArn : 'pending confirmation';
    return `<SubscriptionArn>${xmlEscape(shown)}</SubscriptionArn>`;
  }

  function confirmSubscription(params: URLSearchParams): string {
    const topicArn = requireTopic(params);
    const token = params.get('Token') ?? '';
    const subscription = subscriptions.find((s) => s.topicArn === topicArn && s.token === token);
    if (!subscription) throw invalidParameter('Invalid token');
    subscription.confirmed = true;
    return `<SubscriptionArn>${xmlEscape(subscription.subscriptionArn)}</SubscriptionArn>`;
  }

  function unsubscribe(params: URLSearchParams): string {
    const subscription = requireSubscription(params);
    subscriptions.splice(subscriptions.indexOf(subscription), 1);
    return '';
  }

  function listTopics(): string {
    const topics = [...new Set([...(knownTopics ?? []), ...createdTopics])];
    return `<Topics>${topics.map((t) => `<member><TopicArn>${xmlEscape(t)}</TopicArn></member>`).join('')}</Topics>`;
  }

  function listSubscriptionsByTopic(params: URLSearchParams): string {
    const topicArn = requireTopic(params);
    const members = subscriptions
      .filter((s) => s.topicArn === topicArn)
      .map(
        (s) =>
          `<member><TopicArn>${xmlEscape(s.topicArn)}</TopicArn><Protocol>${xmlEscape(s.protocol)}</Protocol>` +
          `<SubscriptionArn>${xmlEscape(subscriptionArnShown(s))}</SubscriptionArn><Owner>${s.owner}</Owner>` +
          `<Endpoint>${xmlEscape(s.endpoint)}</Endpoint></member>`,
      );
    return `<Subscriptions>${members.join('')}</Subscriptions>`;
  }

  function attributesXml(attributes: Record<string, string>): string {
    return `<Attributes>${Object.entries(attributes)
      .map(([k, v]) => `<entry><key>${xmlEscape(k)}</key><value>${xmlEscape(v)}</value></entry>`)
      .join('')}</Attributes>`;
  }

  function getTopicAttributes(params: URLSearchParams): string {
    const topicArn = requireTopic(params);
    const ofTopic = subscriptions.filter((s) => s.topicArn === topicArn);
    return attributesXml({
      TopicArn: topicArn,
      Owner: account,
      DisplayName: '',
      SubscriptionsConfirmed: String(ofTopic.filter((s) => s.confirmed).length),
      SubscriptionsPending: String(ofTopic.filter((s) => !s.confirmed).length),
      SubscriptionsDeleted: '0',
      Policy: JSON.stringify({
        Version: '2008-10-17',
        Id: '__default_policy_ID',
        Statement: [
          {
            Sid: '__default_statement_ID',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: ['SNS:Publish', 'SNS:Subscribe', 'SNS:GetTopicAttributes'],
            Resource: topicArn,
            Condition: { StringEquals: { 'AWS:SourceOwner': account } },
          },
        ],
      }),
    });
  }

  function getSubscriptionAttributes(params: URLSearchParams): string {
    const s = requireSubscription(params);
    return attributesXml({
      ...s.attributes,
      SubscriptionArn: s.subscriptionArn,
      TopicArn: s.topicArn,
      Protocol: s.protocol,
      Endpoint: s.endpoint,
      Owner: s.owner,
      PendingConfirmation: String(!s.confirmed),
      ConfirmationWasAuthenticated: String(s.confirmed),
      RawMessageDelivery: s.attributes.RawMessageDelivery ?? 'false',
    });
  }

  function setSubscriptionAttributes(params: URLSearchParams): string {
    const subscription = requireSubscription(params);
    const name = params.get('AttributeName') ?? '';
    const value = params.get('AttributeValue') ?? '';
    checkSubscriptionAttribute(name, value);
    if (name === 'FilterPolicy' && value !== '') {
      try {
        validateFilterPolicy(
          value,
          subscription.attributes.FilterPolicyScope ?? 'MessageAttributes',
        );
      } catch (error) {
        if (!(error instanceof FilterPolicyError)) throw error;
        throw invalidParameter(`Invalid parameter: FilterPolicy: ${error.message}`);
      }
    }
    if (value === '' && name === 'FilterPolicy') delete subscription.attributes.FilterPolicy;
    else subscription.attributes[name] = value;
    return '';
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
    // SubscribeURL and UnsubscribeURL are GETs with the parameters in the query string.
    const params =
      req.method === 'GET'
        ? new URL(req.url ?? '/', 'http://localhost').searchParams
        : new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    const baseUrl = `http://${req.headers.host ?? '127.0.0.1'}`;
    const call: SnsCall = { action, params: Object.fromEntries(params) };
    calls.push(call);
    const region = options.region ?? signedRegion(req) ?? 'us-east-1';
    try {
      const viaGet = action === 'ConfirmSubscription' || action === 'Unsubscribe';
      if (req.method !== 'POST' && !(req.method === 'GET' && viaGet))
        throw new SnsError(400, 'InvalidAction', 'Only POST is supported.');
      const simple: Record<string, (p: URLSearchParams) => string> = {
        ConfirmSubscription: confirmSubscription,
        Unsubscribe: unsubscribe,
        ListTopics: listTopics,
        ListSubscriptionsByTopic: listSubscriptionsByTopic,
        GetTopicAttributes: getTopicAttributes,
        GetSubscriptionAttributes: getSubscriptionAttributes,
        SetSubscriptionAttributes: setSubscriptionAttributes,
      };
      const run = simple[action];
      if (action === 'Publish') replyXml(res, 200, action, await publish(params, baseUrl));
      else if (action === 'CreateTopic') replyXml(res, 200, action, createTopic(params, region));
      else if (action === 'Subscribe') replyXml(res, 200, action, await subscribe(params, baseUrl));
      else if (run) replyXml(res, 200, action, run(params));
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
    subscriptions,
    deliveries,
    setFailPublish(fn) {
      failPublish = fn;
    },
    handle,
    listen(port, gate) {
      return listenHttp(handle, { port: port ?? 0, ...(gate ? { gate } : {}) });
    },
  };
}
