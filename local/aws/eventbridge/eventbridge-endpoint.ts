import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventPatternError, matchesEventPattern, parseEventPattern } from './event-pattern.js';
import {
  EVENTBRIDGE_JSON,
  jsonErrorReply,
  jsonReply,
  parseJsonObject,
  sendReply,
  ServiceError,
  targetOperation,
} from '../aws-json.js';
import { listen as listenHttp, readBody, signedRegion } from '../http-server.js';
import type { Gate } from '../iam/gate.js';
import type { LocalServer } from '../http-server.js';

/** A PutEvents request entry as it travels on the wire (Time in epoch seconds). */
export interface PutEventsEntryWire {
  Time?: number;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

export type PutEventsResultEntry =
  { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** The event as a Lambda target would receive it. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** ISO 8601 without milliseconds, as EventBridge writes it. */
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export interface RecordedEvent {
  busName: string;
  event: BusEvent;
}

export interface PutEventsCall {
  entries: unknown[];
  /** Undefined when the whole call was rejected. */
  response?: { FailedEntryCount: number; Entries: PutEventsResultEntry[] };
  error?: string;
}

export type FailEntry = (
  entry: PutEventsEntryWire,
  indexOverall: number,
) => { ErrorCode: string; ErrorMessage: string } | undefined;

/** A rule the endpoint describes (the stack's come from serverless.yml). */
export interface EndpointRule {
  name: string;
  eventBusName: string;
  /** JSON text, as PutRule takes it. */
  eventPattern?: string;
  scheduleExpression?: string;
  description?: string;
}

export interface EventBridgeEndpointOptions {
  /**
   * The buses that exist. Unset: every bus exists. Set: an event put to another bus is accepted
   * and goes nowhere, as AWS does (PutEvents reports no error for a bus that does not exist).
   */
  buses?: string[];
  rules?: EndpointRule[];
  /** Called for events accepted for a bus that does not exist. */
  onDropped?: (records: RecordedEvent[]) => void;
  account?: string;
  /** Defaults to the region the request was signed for, then us-east-1. */
  region?: string;
  /** Clock for entries without Time, epoch milliseconds. */
  now?: () => number;
  failEntry?: FailEntry;
  onEvents?: (events: BusEvent[], records: RecordedEvent[]) => void | Promise<void>;
}

export interface EventBridgeEndpoint {
  readonly events: RecordedEvent[];
  readonly calls: PutEventsCall[];
  /** Errors thrown by onEvents (their entries failed with InternalFailure). */
  readonly deliveryErrors: unknown[];
  setFailEntry(fn: FailEntry | undefined): void;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** With a gate, every request is checked (callers, signature, IAM) before it is served. */
  listen(port?: number, gate?: Gate): Promise<LocalServer>;
}

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(entry: Record<string, unknown>, key: string): string | undefined {
  const value = entry[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new ServiceError(400, 'SerializationException', `Unexpected value type for ${key}`);
  }
  return value;
}

function toEntry(raw: unknown): PutEventsEntryWire {
  if (!isRecord(raw)) {
    throw new ServiceError(400, 'SerializationException', 'Each entry must be a JSON object');
  }
  const entry: PutEventsEntryWire = {};
  for (const key of ['Source', 'DetailType', 'Detail', 'EventBusName', 'TraceHeader'] as const) {
    const value = optionalString(raw, key);
    if (value !== undefined) entry[key] = value;
  }
  if (raw.Time !== undefined && raw.Time !== null) {
    if (typeof raw.Time !== 'number' || !Number.isFinite(raw.Time)) {
      throw new ServiceError(400, 'SerializationException', 'Unexpected value type for Time');
    }
    entry.Time = raw.Time;
  }
  if (raw.Resources !== undefined && raw.Resources !== null) {
    if (!Array.isArray(raw.Resources) || !raw.Resources.every((r) => typeof r === 'string')) {
      throw new ServiceError(400, 'SerializationException', 'Unexpected value type for Resources');
    }
    entry.Resources = raw.Resources;
  }
  return entry;
}

/** EventBridge's documented entry-size formula: Time counts 14 bytes, strings their UTF-8 length. */
function entrySize(entry: PutEventsEntryWire): number {
  let size = entry.Time !== undefined ? 14 : 0;
  for (const s of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (s !== undefined) size += Buffer.byteLength(s);
  }
  return size;
}

function validateEntry(
  entry: PutEventsEntryWire,
): { ErrorCode: string; ErrorMessage: string } | undefined {
  for (const key of ['Source', 'DetailType', 'Detail'] as const) {
    if (entry[key] === undefined || entry[key] === '') {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${key} is not valid. Reason: ${key} is a required argument.`,
      };
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail ?? '');
  } catch {
    detail = undefined;
  }
  if (!isRecord(detail))
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  if (entry.Source?.startsWith('aws.')) {
    return {
      ErrorCode: 'NotAuthorizedForSourceException',
      ErrorMessage: 'Not authorized for the source.',
    };
  }
  return undefined;
}

function busNameOf(eventBusName: string | undefined): string {
  if (!eventBusName) return 'default';
  const slash = eventBusName.lastIndexOf('event-bus/');
  return eventBusName.startsWith('arn:') && slash !== -1
    ? eventBusName.slice(slash + 'event-bus/'.length)
    : eventBusName;
}

export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function createEventBridgeEndpoint(
  options: EventBridgeEndpointOptions = {},
): EventBridgeEndpoint {
  const events: RecordedEvent[] = [];
  const calls: PutEventsCall[] = [];
  const deliveryErrors: unknown[] = [];
  const account = options.account ?? '111122223333';
  const now = options.now ?? (() => Date.now());
  let failEntry = options.failEntry;
  let entriesSeen = 0;

  const reply = (res: ServerResponse, status: number, body: unknown) =>
    sendReply(res, jsonReply(EVENTBRIDGE_JSON, status, JSON.stringify(body)));

  async function putEvents(
    input: Record<string, unknown>,
    region: string,
    call: PutEventsCall,
  ): Promise<{ FailedEntryCount: number; Entries: PutEventsResultEntry[] }> {
    const rawEntries = input.Entries;
    if (rawEntries === undefined || rawEntries === null) {
      throw new ServiceError(
        400,
        'ValidationException',
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      );
    }
    if (!Array.isArray(rawEntries)) {
      throw new ServiceError(400, 'SerializationException', 'Unexpected value type for Entries');
    }
    call.entries = rawEntries;
    if (rawEntries.length < 1 || rawEntries.length > MAX_ENTRIES) {
      const bound =
        rawEntries.length < 1
          ? 'greater than or equal to 1'
          : `less than or equal to ${MAX_ENTRIES}`;
      throw new ServiceError(
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
      );
    }
    const entries = rawEntries.map(toEntry);
    if (entries.reduce((sum, e) => sum + entrySize(e), 0) > MAX_REQUEST_BYTES) {
      throw new ServiceError(
        400,
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }

    const results: PutEventsResultEntry[] = [];
    const accepted: RecordedEvent[] = [];
    for (const entry of entries) {
      const indexOverall = entriesSeen++;
      const failure = validateEntry(entry) ?? failEntry?.(entry, indexOverall);
      if (failure) {
        results.push({ ErrorCode: failure.ErrorCode, ErrorMessage: failure.ErrorMessage });
        continue;
      }
      const id = randomUUID();
      results.push({ EventId: id });
      accepted.push({
        busName: busNameOf(entry.EventBusName),
        event: {
          version: '0',
          id,
          'detail-type': entry.DetailType ?? '',
          source: entry.Source ?? '',
          account,
          time: isoSeconds(entry.Time !== undefined ? entry.Time * 1000 : now()),
          region,
          resources: entry.Resources ?? [],
          detail: JSON.parse(entry.Detail ?? '{}') as unknown,
        },
      });
    }
    events.push(...accepted);
    const routed = accepted.filter((r) => busExists(r.busName));
    const dropped = accepted.filter((r) => !busExists(r.busName));
    if (dropped.length > 0) options.onDropped?.(dropped);
    if (routed.length > 0 && options.onEvents) {
      try {
        await options.onEvents(
          routed.map((r) => r.event),
          routed,
        );
      } catch (error) {
        // onEvents is where entries are accepted (journalled): those it could not take fail
        // with EventBridge's own per-entry InternalFailure, so the sender resends them.
        deliveryErrors.push(error);
        const refused = new Set(accepted.map((record) => record.event.id));
        results.forEach((result, index) => {
          if ('EventId' in result && refused.has(result.EventId)) {
            results[index] = { ErrorCode: 'InternalFailure', ErrorMessage: String(error) };
          }
        });
        events.splice(events.length - accepted.length, accepted.length);
      }
    }
    const failed = results.filter((r) => 'ErrorCode' in r).length;
    return { FailedEntryCount: failed, Entries: results };
  }

  const busExists = (name: string) => !options.buses || options.buses.includes(name);
  const rules = options.rules ?? [];

  function requireBus(name: string): void {
    if (!busExists(name)) {
      throw new ServiceError(400, 'ResourceNotFoundException', `Event bus ${name} does not exist.`);
    }
  }

  function busArn(region: string, name: string): string {
    return `arn:aws:events:${region}:${account}:event-bus/${name}`;
  }

  function ruleArn(region: string, rule: EndpointRule): string {
    const path = rule.eventBusName === 'default' ? rule.name : `${rule.eventBusName}/${rule.name}`;
    return `arn:aws:events:${region}:${account}:rule/${path}`;
  }

  function ruleView(region: string, rule: EndpointRule): Record<string, unknown> {
    const view: Record<string, unknown> = {
      Name: rule.name,
      Arn: ruleArn(region, rule),
      State: 'ENABLED',
      EventBusName: rule.eventBusName,
    };
    if (rule.eventPattern !== undefined) view.EventPattern = rule.eventPattern;
    if (rule.scheduleExpression !== undefined) view.ScheduleExpression = rule.scheduleExpression;
    if (rule.description !== undefined) view.Description = rule.description;
    return view;
  }

  const optionalText = (input: Record<string, unknown>, key: string) => optionalString(input, key);
  const requiredText = (input: Record<string, unknown>, key: string): string => {
    const value = optionalString(input, key);
    if (value === undefined || value === '') {
      throw new ServiceError(
        400,
        'ValidationException',
        `1 validation error detected: Value null at '${key[0]?.toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return value;
  };

  const readOperations: Record<
    string,
    (input: Record<string, unknown>, region: string) => unknown
  > = {
    ListRules(input, region) {
      const bus = busNameOf(optionalText(input, 'EventBusName'));
      requireBus(bus);
      const prefix = optionalText(input, 'NamePrefix') ?? '';
      const limit = typeof input.Limit === 'number' ? input.Limit : 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        throw new ServiceError(
          400,
          'ValidationException',
          `1 validation error detected: Value '${String(input.Limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
        );
      }
      const token = optionalText(input, 'NextToken');
      const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString());
      if (!Number.isInteger(start) || start < 0) {
        throw new ServiceError(400, 'ValidationException', 'The NextToken is not valid.');
      }
      const matching = rules
        .filter((rule) => rule.eventBusName === bus && rule.name.startsWith(prefix))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const page = matching.slice(start, start + limit);
      const result: Record<string, unknown> = { Rules: page.map((r) => ruleView(region, r)) };
      if (start + limit < matching.length) {
        result.NextToken = Buffer.from(String(start + limit)).toString('base64url');
      }
      return result;
    },
    DescribeRule(input, region) {
      const name = requiredText(input, 'Name');
      const bus = busNameOf(optionalText(input, 'EventBusName'));
      const rule = rules.find((r) => r.name === name && r.eventBusName === bus);
      if (!rule) {
        throw new ServiceError(
          400,
          'ResourceNotFoundException',
          `Rule ${name} does not exist on EventBus ${bus}.`,
        );
      }
      return { ...ruleView(region, rule), CreatedBy: account };
    },
    DescribeEventBus(input, region) {
      const name = busNameOf(optionalText(input, 'Name'));
      requireBus(name);
      return { Name: name, Arn: busArn(region, name) };
    },
    TestEventPattern(input) {
      const patternText = requiredText(input, 'EventPattern');
      const eventText = requiredText(input, 'Event');
      let pattern;
      try {
        pattern = parseEventPattern(JSON.parse(patternText));
      } catch (error) {
        const reason =
          error instanceof EventPatternError || error instanceof SyntaxError
            ? error.message
            : String(error);
        throw new ServiceError(
          400,
          'InvalidEventPatternException',
          `Event pattern is not valid. Reason: ${reason}`,
        );
      }
      let event: unknown;
      try {
        event = JSON.parse(eventText);
      } catch {
        event = undefined;
      }
      const missing = isRecord(event)
        ? ['id', 'account', 'source', 'time', 'region', 'detail-type'].filter(
            (field) => event[field] === undefined,
          )
        : ['(the event is not a JSON object)'];
      if (missing.length > 0) {
        throw new ServiceError(
          400,
          'ValidationException',
          `Parameter Event is not valid. Reason: missing ${missing.join(', ')}`,
        );
      }
      return { Result: matchesEventPattern(pattern, event) };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const operation = targetOperation(req, EVENTBRIDGE_JSON) ?? '';
    const read = readOperations[operation];
    if (req.method !== 'POST' || (operation !== 'PutEvents' && !read)) {
      sendReply(
        res,
        jsonErrorReply(
          EVENTBRIDGE_JSON,
          new ServiceError(
            400,
            'UnknownOperationException',
            `Unknown operation ${String(req.headers['x-amz-target'])}`,
          ),
        ),
      );
      return;
    }
    const call: PutEventsCall = { entries: [] };
    if (!read) calls.push(call);
    try {
      const input = parseJsonObject(body);
      const region = options.region ?? signedRegion(req) ?? 'us-east-1';
      if (read) {
        reply(res, 200, read(input, region));
        return;
      }
      call.response = await putEvents(input, region, call);
      reply(res, 200, call.response);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      call.error = error.code;
      sendReply(res, jsonErrorReply(EVENTBRIDGE_JSON, error));
    }
  }

  return {
    events,
    calls,
    deliveryErrors,
    setFailEntry(fn) {
      failEntry = fn;
    },
    handle,
    listen(port, gate) {
      return listenHttp(handle, { port: port ?? 0, ...(gate ? { gate } : {}) });
    },
  };
}
