import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen as listenHttp, readBody, send, signedRegion } from './http-server.js';
import type { Gate } from './iam/gate.js';
import type { LocalServer } from './http-server.js';

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

export interface EventBridgeEndpointOptions {
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
  /** Errors thrown by onEvents; delivery problems never fail PutEvents, as with real targets. */
  readonly deliveryErrors: unknown[];
  setFailEntry(fn: FailEntry | undefined): void;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** With a gate, every request is checked (callers, signature, IAM) before it is served. */
  listen(port?: number, gate?: Gate): Promise<LocalServer>;
}

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

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

  function reply(res: ServerResponse, status: number, body: unknown): void {
    send(res, status, JSON.stringify(body), {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
    });
  }

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
    if (accepted.length > 0 && options.onEvents) {
      try {
        await options.onEvents(
          accepted.map((r) => r.event),
          accepted,
        );
      } catch (error) {
        deliveryErrors.push(error);
      }
    }
    const failed = results.filter((r) => 'ErrorCode' in r).length;
    return { FailedEntryCount: failed, Entries: results };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
      reply(res, 400, {
        __type: 'UnknownOperationException',
        message: `Unknown operation ${String(target)}`,
      });
      return;
    }
    const call: PutEventsCall = { entries: [] };
    calls.push(call);
    try {
      let input: unknown;
      try {
        input = JSON.parse(body);
      } catch {
        throw new ServiceError(400, 'SerializationException', 'Request body is not valid JSON');
      }
      if (!isRecord(input)) {
        throw new ServiceError(400, 'SerializationException', 'Request body must be a JSON object');
      }
      const region = options.region ?? signedRegion(req) ?? 'us-east-1';
      call.response = await putEvents(input, region, call);
      reply(res, 200, call.response);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      call.error = error.type;
      reply(res, error.status, { __type: error.type, message: error.message });
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
