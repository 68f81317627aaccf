import { afterAll, describe, expect, it } from 'vitest';
import {
  EventPatternError,
  matchesEventPattern,
  parseEventPattern,
} from '../../local/aws/eventbridge/event-pattern.js';
import { testEventPattern } from '../../local/cli/cli.js';

type Case = [name: string, pattern: unknown, event: unknown, expected: boolean];

const ENVELOPE = {
  version: '0',
  id: '00000000-0000-0000-0000-000000000000',
  'detail-type': 'Example',
  source: 'example.source',
  account: '111122223333',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
};

/**
 * `aws events test-event-pattern` needs the envelope fields; the doc examples often leave out the
 * ones their pattern does not look at, so those are filled in for the CLI's run.
 */
const withEnvelope = (event: Record<string, unknown>, pattern: unknown) => {
  const named = JSON.stringify(pattern);
  const filled = Object.entries(ENVELOPE).filter(
    ([field]) => !(field in event) && !named.includes(`"${field}"`),
  );
  return { ...Object.fromEntries(filled), ...event };
};

let cliChecked = 0;

const check = async (
  _name: string,
  pattern: unknown,
  event: unknown,
  expected: boolean,
): Promise<void> => {
  expect(matchesEventPattern(pattern, event)).toBe(expected);
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return;
  const complete = withEnvelope(event as Record<string, unknown>, pattern);
  if (Object.keys(ENVELOPE).some((field) => field !== 'version' && !(field in complete))) return;
  // `irwatch test-event-pattern` must print what `aws events test-event-pattern` prints.
  cliChecked += 1;
  expect(
    await testEventPattern({
      'event-pattern': JSON.stringify(pattern),
      event: JSON.stringify(complete),
    }),
  ).toBe(expected);
};

// Doc: "Amazon EventBridge event patterns" — the EC2 state-change example.
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};
const ec2Pattern = {
  source: ['aws.ec2'],
  'detail-type': ['EC2 Instance State-change Notification'],
  detail: { state: ['terminated'] },
};

// Doc: "Matching null values and empty strings in Amazon EventBridge event patterns".
const autoScalingEvent = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

// Doc: "Amazon EventBridge event patterns" — the truncated Macie Classic alert.
const macieEvent = {
  version: '0',
  id: '3e355723-fca9-4de3-9fd7-154c289d6b59',
  'detail-type': 'Macie Alert',
  source: 'aws.macie',
  account: '123456789012',
  time: '2017-04-24T22:28:49Z',
  region: 'us-east-1',
  resources: [
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_id',
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
  ],
  detail: {
    'notification-type': 'ALERT_CREATED',
    name: 'Scanning bucket policies',
    tags: ['Custom_Alert', 'Insider'],
    'risk-score': 80,
    trigger: { 'rule-arn': 'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id', risk: 8 },
  },
};

// aws/event-ruler README "Ruler by Example": the event its numeric/complex rules are written for.
const rulerEvent = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};
const withDetail = (detail: Record<string, unknown>): Record<string, unknown> => ({
  ...rulerEvent,
  detail: { ...rulerEvent.detail, ...detail },
});

describe('matchesEventPattern', () => {
  // Doc page: "Amazon EventBridge event patterns" (incl. "Example events and event patterns").
  describe('Amazon EventBridge event patterns', () => {
    const cases: Case[] = [
      ['EC2 termination pattern matches the terminated event', ec2Pattern, ec2Event, true],
      [
        'EC2 termination pattern ignores a running instance',
        ec2Pattern,
        { ...ec2Event, detail: { ...ec2Event.detail, state: 'running' } },
        false,
      ],
      [
        'strings match character by character without case folding',
        { detail: { state: ['Terminated'] } },
        ec2Event,
        false,
      ],
      [
        'every pattern field must be present in the event',
        { ...ec2Pattern, detail: { state: ['terminated'], 'instance-type': ['t3.micro'] } },
        ec2Event,
        false,
      ],
      ['field names must appear with the same nesting', { state: ['terminated'] }, ec2Event, false],
      [
        'source list matches aws.ec2',
        { source: ['aws.ec2', 'aws.fargate'] },
        { ...ec2Event, source: 'aws.ec2' },
        true,
      ],
      [
        'source list matches aws.fargate',
        { source: ['aws.ec2', 'aws.fargate'] },
        { ...ec2Event, source: 'aws.fargate' },
        true,
      ],
      [
        'source list rejects any other source',
        { source: ['aws.ec2', 'aws.fargate'] },
        { ...ec2Event, source: 'aws.s3' },
        false,
      ],
      [
        'field matching on responseElements null',
        {
          source: ['aws.autoscaling'],
          'detail-type': ['EC2 Instance Launch Successful'],
          detail: { responseElements: [null] },
        },
        autoScalingEvent,
        true,
      ],
      [
        'value matching on risk score 80 and trigger risk 8',
        {
          source: ['aws.macie'],
          'detail-type': ['Macie Alert'],
          detail: { 'risk-score': [80], trigger: { risk: [8] } },
        },
        macieEvent,
        true,
      ],
      [
        'value matching rejects another risk score',
        { source: ['aws.macie'], detail: { 'risk-score': [79], trigger: { risk: [8] } } },
        macieEvent,
        false,
      ],
      [
        'numbers are JSON values: the string "80" is not the number 80',
        { detail: { 'risk-score': ['80'] } },
        macieEvent,
        false,
      ],
      [
        'true matches only the boolean',
        { detail: { flag: [true] } },
        { detail: { flag: true } },
        true,
      ],
      [
        'true does not match the string "true"',
        { detail: { flag: [true] } },
        { detail: { flag: 'true' } },
        false,
      ],
    ];
    it.each(cases)('%s', check);
  });

  // Doc page: "Event pattern syntax" — considerations: "." joins nested keys, and the last pattern
  // for a field wins. Also aws/event-ruler README "Caveat: Compiled rules and JSON keys with dots".
  describe('Event pattern syntax: dotted keys', () => {
    const nested = { detail: { state: { status: ['running'] } } };
    const dotted = { detail: { 'state.status': ['running'] } };
    const nestedEvent = { detail: { state: { status: 'running' } } };
    const dottedEvent = { detail: { 'state.status': 'running' } };
    const cases: Case[] = [
      ['nested pattern, nested event', nested, nestedEvent, true],
      ['nested pattern, dotted event', nested, dottedEvent, true],
      ['dotted pattern, nested event', dotted, nestedEvent, true],
      ['dotted pattern, dotted event', dotted, dottedEvent, true],
      [
        'the later pattern for the same field replaces the earlier one',
        { detail: { state: ['pending'] }, 'detail.state': ['running'] },
        { detail: { state: 'pending' } },
        false,
      ],
      [
        'the later pattern for the same field is the one applied',
        { detail: { state: ['pending'] }, 'detail.state': ['running'] },
        { detail: { state: 'running' } },
        true,
      ],
    ];
    it.each(cases)('%s', check);
  });

  // Doc page: "Matching null values and empty strings in Amazon EventBridge event patterns".
  describe('Matching null values and empty strings', () => {
    const cases: Case[] = [
      [
        '[""] matches the empty eventVersion',
        { detail: { eventVersion: [''] } },
        autoScalingEvent,
        true,
      ],
      [
        '[null] matches the null responseElements',
        { detail: { responseElements: [null] } },
        autoScalingEvent,
        true,
      ],
      [
        '[null] does not match an empty string',
        { detail: { eventVersion: [null] } },
        autoScalingEvent,
        false,
      ],
      ['[""] does not match null', { detail: { responseElements: [''] } }, autoScalingEvent, false],
      [
        '[null] does not match a missing field',
        { detail: { requestId: [null] } },
        autoScalingEvent,
        false,
      ],
      ['[null] does not match an empty array', { resources: [null] }, autoScalingEvent, false],
    ];
    it.each(cases)('%s', check);
  });

  // Doc page: "Arrays in Amazon EventBridge event patterns".
  describe('Arrays in event patterns', () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    const cases: Case[] = [
      [
        'matches when the pattern and event arrays intersect',
        pattern,
        {
          resources: [
            'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
            'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
          ],
        },
        true,
      ],
      [
        'does not match when the arrays are disjoint',
        pattern,
        { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] },
        false,
      ],
    ];
    it.each(cases)('%s', check);
  });

  // aws/event-ruler README "JSON Array Matching" (array-consistent matching, as rulesForJSONEvent).
  describe('array consistency across objects in event arrays', () => {
    const employees = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };
    const nestedEmployees = {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones' }],
      ],
    };
    const cases: Case[] = [
      [
        'a field inside array objects matches',
        { employees: { firstName: ['Anna'] } },
        employees,
        true,
      ],
      [
        'two fields from the same element match',
        { employees: { firstName: ['Anna'], lastName: ['Smith'] } },
        employees,
        true,
      ],
      [
        'two fields from different elements do not match',
        { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
        employees,
        false,
      ],
      [
        'multi-level arrays are crushed out',
        { employees: { firstName: ['Peter'] } },
        nestedEmployees,
        true,
      ],
      [
        'multi-level arrays stay element-consistent',
        { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
        nestedEmployees,
        false,
      ],
    ];
    it.each(cases)('%s', check);
  });

  // Doc pages: "Comparison operators for use in event patterns in Amazon EventBridge" (the
  // summary table) and "Content filtering in Amazon EventBridge event patterns".
  describe('comparison operator summary table', () => {
    const cases: Case[] = [
      [
        'And: both fields match',
        { Location: ['New York'], Day: ['Monday'] },
        { Location: 'New York', Day: 'Monday' },
        true,
      ],
      [
        'And: one field differs',
        { Location: ['New York'], Day: ['Monday'] },
        { Location: 'New York', Day: 'Friday' },
        false,
      ],
      ['Begins with: Region us-', { Region: [{ prefix: 'us-' }] }, { Region: 'us-east-1' }, true],
      ['Begins with: Region eu-', { Region: [{ prefix: 'us-' }] }, { Region: 'eu-west-1' }, false],
      ['Empty: LastName is empty', { LastName: [''] }, { LastName: '' }, true],
      ['Empty: LastName is set', { LastName: [''] }, { LastName: 'Smith' }, false],
      ['Equals: Name is Alice', { Name: ['Alice'] }, { Name: 'Alice' }, true],
      ['Equals: alice is not Alice', { Name: ['Alice'] }, { Name: 'alice' }, false],
      [
        'Equals (ignore case): ALICE',
        { Name: [{ 'equals-ignore-case': 'alice' }] },
        { Name: 'ALICE' },
        true,
      ],
      [
        'Equals (ignore case): Alicia',
        { Name: [{ 'equals-ignore-case': 'alice' }] },
        { Name: 'Alicia' },
        false,
      ],
      ['Ends with: .png', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' }, true],
      [
        'Ends with: .PNG is another suffix',
        { FileName: [{ suffix: '.png' }] },
        { FileName: 'image.PNG' },
        false,
      ],
      [
        'Ends with (ignore case): TBRIDGE',
        { service: [{ suffix: { 'equals-ignore-case': 'tbridge' } }] },
        { service: 'EVENTBRIDGE' },
        true,
      ],
      [
        'Begins with (ignore case): EventBridge',
        { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] },
        { service: 'EventBridge' },
        true,
      ],
      [
        'Exists: ProductName present',
        { ProductName: [{ exists: true }] },
        { ProductName: 'Widget' },
        true,
      ],
      ['Exists: ProductName absent', { ProductName: [{ exists: true }] }, { Price: 5 }, false],
      [
        'Does not exist: ProductName absent',
        { ProductName: [{ exists: false }] },
        { Price: 5 },
        true,
      ],
      [
        'Does not exist: ProductName present',
        { ProductName: [{ exists: false }] },
        { ProductName: 'Widget' },
        false,
      ],
      [
        'Not: Weather is Sunny',
        { Weather: [{ 'anything-but': ['Raining'] }] },
        { Weather: 'Sunny' },
        true,
      ],
      [
        'Not: Weather is Raining',
        { Weather: [{ 'anything-but': ['Raining'] }] },
        { Weather: 'Raining' },
        false,
      ],
      ['Null: UserID is null', { UserID: [null] }, { UserID: null }, true],
      ['Null: UserID is set', { UserID: [null] }, { UserID: 'u-1' }, false],
      ['Numeric (equals): Price 100', { Price: [{ numeric: ['=', 100] }] }, { Price: 100 }, true],
      ['Numeric (equals): Price 101', { Price: [{ numeric: ['=', 100] }] }, { Price: 101 }, false],
      [
        'Numeric (range): Price 10 is excluded',
        { Price: [{ numeric: ['>', 10, '<=', 20] }] },
        { Price: 10 },
        false,
      ],
      [
        'Numeric (range): Price 20 is included',
        { Price: [{ numeric: ['>', 10, '<=', 20] }] },
        { Price: 20 },
        true,
      ],
      [
        'Or: PaymentType Debit',
        { PaymentType: ['Credit', 'Debit'] },
        { PaymentType: 'Debit' },
        true,
      ],
      [
        'Or: PaymentType Cash',
        { PaymentType: ['Credit', 'Debit'] },
        { PaymentType: 'Cash' },
        false,
      ],
      [
        'Or (multiple fields): Location New York',
        { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
        { Location: 'New York', Day: 'Tuesday' },
        true,
      ],
      [
        'Or (multiple fields): Day Monday',
        { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
        { Location: 'Boston', Day: 'Monday' },
        true,
      ],
      [
        'Or (multiple fields): neither',
        { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
        { Location: 'Boston', Day: 'Tuesday' },
        false,
      ],
      [
        'Wildcard: dir/*.png',
        { FileName: [{ wildcard: 'dir/*.png' }] },
        { FileName: 'dir/arrow.png' },
        true,
      ],
      [
        'Wildcard: dir/*.png vs a .jpg',
        { FileName: [{ wildcard: 'dir/*.png' }] },
        { FileName: 'dir/arrow.jpg' },
        false,
      ],
      [
        'Wildcard: dir/*.png vs another folder',
        { FileName: [{ wildcard: 'dir/*.png' }] },
        { FileName: 'lib/arrow.png' },
        false,
      ],
    ];
    it.each(cases)('%s', check);
  });

  // Doc page: "Content filtering in Amazon EventBridge event patterns" — prefix matching.
  describe('prefix matching', () => {
    const pattern = { time: [{ prefix: '2017-10-02' }] };
    const ignoreCase = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    const cases: Case[] = [
      ['time starting with 2017-10-02', pattern, { time: '2017-10-02T18:43:48Z' }, true],
      ['time on another day', pattern, { time: '2017-10-03T18:43:48Z' }, false],
      ['prefix applies to string values only', { count: [{ prefix: '1' }] }, { count: 12 }, false],
      ['ignore case: EventBridge', ignoreCase, { detail: { service: 'EventBridge' } }, true],
      ['ignore case: EVENTBRIDGE', ignoreCase, { detail: { service: 'EVENTBRIDGE' } }, true],
      ['ignore case: eventbridge', ignoreCase, { detail: { service: 'eventbridge' } }, true],
      ['ignore case: another prefix', ignoreCase, { detail: { service: 'Events' } }, false],
    ];
    it.each(cases)('%s', check);
  });

  // Doc page: "Content filtering in Amazon EventBridge event patterns" — suffix matching.
  describe('suffix matching', () => {
    const ignoreCase = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
    const cases: Case[] = [
      ['ignore case: .png', ignoreCase, { detail: { FileName: 'photo.png' } }, true],
      ['ignore case: .PNG', ignoreCase, { detail: { FileName: 'photo.PNG' } }, true],
      ['ignore case: .Png', ignoreCase, { detail: { FileName: 'photo.Png' } }, true],
      ['ignore case: .jpg', ignoreCase, { detail: { FileName: 'photo.jpg' } }, false],
    ];
    it.each(cases)('%s', check);
  });

  // Doc page: "Content filtering in Amazon EventBridge event patterns" — anything-but matching
  // (strings, numbers, lists, prefix, suffix, equals-ignore-case and wildcard forms).
  describe('anything-but matching', () => {
    const state = (value: unknown): Record<string, unknown> => ({ detail: { state: value } });
    const limit = (value: unknown): Record<string, unknown> => ({ detail: { 'x-limit': value } });
    const cases: Case[] = [
      [
        'string: running',
        { detail: { state: [{ 'anything-but': 'initializing' }] } },
        state('running'),
        true,
      ],
      [
        'string: initializing',
        { detail: { state: [{ 'anything-but': 'initializing' }] } },
        state('initializing'),
        false,
      ],
      ['number: 456', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, limit(456), true],
      ['number: 123', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, limit(123), false],
      [
        'string list: stopped',
        { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
        state('stopped'),
        false,
      ],
      [
        'string list: overloaded',
        { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
        state('overloaded'),
        false,
      ],
      [
        'string list: running',
        { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
        state('running'),
        true,
      ],
      [
        'number list: 200',
        { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
        limit(200),
        false,
      ],
      [
        'number list: 250',
        { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
        limit(250),
        true,
      ],
      [
        'prefix: initializing',
        { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
        state('initializing'),
        false,
      ],
      [
        'prefix: running',
        { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
        state('running'),
        true,
      ],
      [
        'prefix: us-east-1 is in the US',
        { Region: [{ 'anything-but': { prefix: 'us-' } }] },
        { Region: 'us-east-1' },
        false,
      ],
      [
        'prefix: eu-west-1 is not in the US',
        { Region: [{ 'anything-but': { prefix: 'us-' } }] },
        { Region: 'eu-west-1' },
        true,
      ],
      [
        'suffix: a .png file',
        { FileName: [{ 'anything-but': { suffix: '.png' } }] },
        { FileName: 'a.png' },
        false,
      ],
      [
        'suffix: a .txt file',
        { FileName: [{ 'anything-but': { suffix: '.png' } }] },
        { FileName: 'a.txt' },
        true,
      ],
      [
        'equals-ignore-case: INITIALIZING',
        { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
        { state: 'INITIALIZING' },
        false,
      ],
      [
        'equals-ignore-case: running',
        { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
        { state: 'running' },
        true,
      ],
      [
        'equals-ignore-case list: Stopped',
        { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] },
        { state: 'Stopped' },
        false,
      ],
      [
        'wildcard: a path with /lib/',
        { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
        { FilePath: '/usr/lib/libc.so' },
        false,
      ],
      [
        'wildcard: a path without /lib/',
        { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
        { FilePath: '/usr/bin/env' },
        true,
      ],
      [
        'wildcard list: a path with /bin/',
        { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] },
        { FilePath: '/usr/bin/env' },
        false,
      ],
      [
        'a missing field does not match',
        { detail: { state: [{ 'anything-but': 'initializing' }] } },
        { detail: {} },
        false,
      ],
      [
        'an array matches when any element is allowed',
        { detail: { state: [{ 'anything-but': 'initializing' }] } },
        state(['initializing', 'running']),
        true,
      ],
      [
        'an array does not match when every element is excluded',
        { detail: { state: [{ 'anything-but': 'initializing' }] } },
        state(['initializing']),
        false,
      ],
      [
        'a null value is not the excluded string',
        { detail: { state: [{ 'anything-but': 'initializing' }] } },
        state(null),
        true,
      ],
      [
        'a number is never excluded by a prefix',
        { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
        state(12),
        true,
      ],
    ];
    it.each(cases)('%s', check);
  });

  // Doc page: "Content filtering in Amazon EventBridge event patterns" — numeric matching; the
  // event is aws/event-ruler README's "Ruler by Example" event.
  describe('numeric matching', () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    const cases: Case[] = [
      ['matches c-count 5, d-count 3, x-limit 301.8', pattern, rulerEvent, true],
      ['c-count 0 is not > 0', pattern, withDetail({ 'c-count': 0 }), false],
      ['c-count 6 is not <= 5', pattern, withDetail({ 'c-count': 6 }), false],
      ['c-count 0.5 is in range', pattern, withDetail({ 'c-count': 0.5 }), true],
      ['d-count 10 is not < 10', pattern, withDetail({ 'd-count': 10 }), false],
      ['x-limit 301.9 is not 3.018e2', pattern, withDetail({ 'x-limit': 301.9 }), false],
      [
        'numbers only: the string "301.8" does not match',
        pattern,
        withDetail({ 'x-limit': '301.8' }),
        false,
      ],
      ['>= includes its bound', { n: [{ numeric: ['>=', 5] }] }, { n: 5 }, true],
      ['< excludes its bound', { n: [{ numeric: ['<', 5] }] }, { n: 5 }, false],
      [
        'an array matches when any number is in range',
        { n: [{ numeric: ['>', 100] }] },
        { n: [1, 101] },
        true,
      ],
    ];
    it.each(cases)('%s', check);
  });

  // Doc page: "Content filtering in Amazon EventBridge event patterns" — IP address matching.
  describe('IP address matching', () => {
    const v4 = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    const v6 = { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234:1a00::/64' }] } };
    const ip = (value: unknown): Record<string, unknown> => ({
      detail: { sourceIPAddress: value },
    });
    const cases: Case[] = [
      ['10.0.0.0/24 contains 10.0.0.123', v4, ip('10.0.0.123'), true],
      ['10.0.0.0/24 contains 10.0.0.255', v4, ip('10.0.0.255'), true],
      ['10.0.0.0/24 excludes 10.0.1.0', v4, ip('10.0.1.0'), false],
      ['a number is not an IP address', v4, ip(123), false],
      ['a hostname is not an IP address', v4, ip('example.com'), false],
      [
        'IPv6 /64 contains the expanded address',
        v6,
        ip('2001:0db8:1234:1a00:0000:0000:0000:0000'),
        true,
      ],
      ['IPv6 /64 contains a compressed address', v6, ip('2001:db8:1234:1a00::ffff'), true],
      ['IPv6 /64 excludes the next /64', v6, ip('2001:db8:1234:1a01::1'), false],
      ['an IPv4 address is not in an IPv6 range', v6, ip('10.0.0.1'), false],
    ];
    it.each(cases)('%s', check);
  });

  // Doc page: "Content filtering in Amazon EventBridge event patterns" — exists matching, with the
  // two documented events; and aws/event-ruler README "Exists matching".
  describe('exists matching', () => {
    const absent = { detail: { 'c-count': [{ exists: false }] } };
    const present = { detail: { 'c-count': [{ exists: true }] } };
    const docEventWithout = {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { state: ['initializing', 'running'] },
    };
    const docEventWithObject = {
      ...docEventWithout,
      detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } },
    };
    const cases: Case[] = [
      ['exists:false matches an event without detail.c-count', absent, docEventWithout, true],
      ['exists:false matches because c-count is not a leaf', absent, docEventWithObject, true],
      ['exists:false rejects a leaf c-count', absent, withDetail({}), false],
      ['exists:false rejects a null c-count', absent, { detail: { 'c-count': null } }, false],
      ['exists:true matches a leaf c-count', present, withDetail({}), true],
      ['exists:true matches a null leaf', present, { detail: { 'c-count': null } }, true],
      ['exists:true rejects a missing c-count', present, docEventWithout, false],
      ['exists:true rejects an object c-count', present, docEventWithObject, false],
      [
        'exists:true rejects an empty array',
        { resources: [{ exists: true }] },
        autoScalingEvent,
        false,
      ],
      [
        'exists:false is checked within the array element matched so far',
        { items: { id: [1], retry: [{ exists: false }] } },
        { items: [{ id: 1 }, { id: 2, retry: true }] },
        true,
      ],
      [
        'exists:false fails when the matched element has the field',
        { items: { id: [2], retry: [{ exists: false }] } },
        { items: [{ id: 1 }, { id: 2, retry: true }] },
        false,
      ],
      [
        // event-ruler checks fields in sorted order, so "error" is tested before any element is chosen.
        'exists:false on a path sorting first sees every array element',
        { items: { error: [{ exists: false }], id: [1] } },
        { items: [{ id: 1 }, { id: 2, error: 'boom' }] },
        false,
      ],
      [
        'exists:false beside another value in the same list',
        { detail: { state: [{ 'anything-but': ['roses'] }, { exists: false }] } },
        { detail: { other: 1 } },
        true,
      ],
    ];
    it.each(cases)('%s', check);
  });

  // Doc page: "Content filtering in Amazon EventBridge event patterns" — the complex example; the
  // event is aws/event-ruler README's, which its complex rule (with source-ip) is written for.
  describe('complex example with multiple matching', () => {
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    };
    const cases: Case[] = [
      ['matches the running instance', pattern, rulerEvent, true],
      ['rejects an initializing instance', pattern, withDetail({ state: 'initializing' }), false],
      ['rejects an excluded x-limit', pattern, withDetail({ 'x-limit': 200 }), false],
      ['rejects a source IP outside 10/8', pattern, withDetail({ 'source-ip': '11.0.0.1' }), false],
    ];
    it.each(cases)('%s', check);
  });

  // Doc page: "Comparison operators for use in event patterns in Amazon EventBridge" — wildcard
  // matching; AWS Compute Blog "Filtering events in Amazon EventBridge with wildcard pattern
  // matching" ("*" matches zero, one or many characters); aws/event-ruler README for escapes.
  describe('wildcard matching', () => {
    const busArn = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
    const cases: Case[] = [
      [
        'any account and bus in us-east-1',
        busArn,
        { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/myEventBus' },
        true,
      ],
      [
        'a bus in another region',
        busArn,
        { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/myEventBus' },
        false,
      ],
      ['*.png matches a .png name', { f: [{ wildcard: '*.png' }] }, { f: 'photo.png' }, true],
      ['*.png rejects a .jpg name', { f: [{ wildcard: '*.png' }] }, { f: 'photo.jpg' }, false],
      [
        '*Title* matches Title in the middle',
        { f: [{ wildcard: '*Title*' }] },
        { f: 'MyTitleHere' },
        true,
      ],
      ['* matches zero characters', { f: [{ wildcard: '*Title*' }] }, { f: 'Title' }, true],
      [
        '*Title* rejects a string without Title',
        { f: [{ wildcard: '*Title*' }] },
        { f: 'Heading' },
        false,
      ],
      [
        'Simple*Service',
        { source: [{ wildcard: 'Simple*Service' }] },
        { source: 'SimpleQueueService' },
        true,
      ],
      [
        'wildcards are case-sensitive',
        { source: [{ wildcard: 'Simple*Service' }] },
        { source: 'simpleQueueService' },
        false,
      ],
      [
        'an escaped * is a literal asterisk',
        { f: [{ wildcard: 'dir/\\*.png' }] },
        { f: 'dir/*.png' },
        true,
      ],
      [
        'an escaped * is not a wildcard',
        { f: [{ wildcard: 'dir/\\*.png' }] },
        { f: 'dir/a.png' },
        false,
      ],
      [
        'an escaped backslash is a literal backslash',
        { f: [{ wildcard: 'C:\\\\*' }] },
        { f: 'C:\\temp' },
        true,
      ],
      ['regex characters are literal', { f: [{ wildcard: 'a.c*' }] }, { f: 'abcd' }, false],
      ['wildcards apply to strings only', { n: [{ wildcard: '1*' }] }, { n: 12 }, false],
    ];
    it.each(cases)('%s', check);
  });

  // Doc page: "Comparison operators for use in event patterns in Amazon EventBridge" — $or
  // matching; aws/event-ruler README "Rule examples with $or Primitive".
  describe('$or matching', () => {
    const detailOr = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };
    const normalOr = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        { namespace: ['AWS/EC2', 'AWS/ES'] },
      ],
    };
    const nestedOr = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        {
          metricType: ['MetricType'],
          namespace: ['AWS/EC2', 'AWS/ES'],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
        { scope: ['Service'] },
      ],
    };
    const cases: Case[] = [
      [
        'd-count 0 satisfies the second branch',
        detailOr,
        { detail: { 'c-count': 0, 'd-count': 0, 'x-limit': 9.018e2 } },
        true,
      ],
      [
        'no branch is satisfied',
        detailOr,
        { detail: { 'c-count': 0, 'd-count': 20, 'x-limit': 9.018e2 } },
        false,
      ],
      [
        'x-limit 301.8 satisfies the third branch',
        detailOr,
        { detail: { 'x-limit': 301.8 } },
        true,
      ],
      ['source and namespace', normalOr, { source: 'aws.cloudwatch', namespace: 'AWS/ES' }, true],
      [
        'the shared source must still match',
        normalOr,
        { source: 'aws.ec2', namespace: 'AWS/ES' },
        false,
      ],
      [
        'nested: metricType, namespace and spaceId',
        nestedOr,
        { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 },
        true,
      ],
      [
        'nested: metricType and namespace without an id',
        nestedOr,
        { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' },
        false,
      ],
      ['nested: scope alone', nestedOr, { source: 'aws.cloudwatch', scope: 'Service' }, true],
    ];
    it.each(cases)('%s', check);
  });
});

describe('parseEventPattern', () => {
  it('returns a compiled pattern that matches like the raw JSON', () => {
    const parsed = parseEventPattern(ec2Pattern);
    expect(matchesEventPattern(parsed, ec2Event)).toBe(true);
    expect(matchesEventPattern(parsed, { ...ec2Event, source: 'aws.s3' })).toBe(false);
    expect(parseEventPattern(parsed)).toBe(parsed);
  });

  it('expands $or into one branch per alternative', () => {
    const parsed = parseEventPattern({ a: ['x'], $or: [{ b: [1] }, { c: { d: [2] } }] });
    expect(parsed.branches.map((branch) => branch.map((c) => c.path))).toEqual([
      ['a', 'b'],
      ['a', 'c.d'],
    ]);
  });

  const invalid: [name: string, pattern: unknown, where: string, text: string][] = [
    ['an array pattern', [{ source: ['x'] }], '', 'must be a JSON object'],
    ['a JSON string', '{"source":["x"]}', '', 'parse the JSON text'],
    ['null', null, '', 'must be a JSON object'],
    ['an empty pattern', {}, '', 'empty objects'],
    ['an empty nested object', { detail: {} }, 'detail', 'empty objects'],
    ['a bare string value', { source: 'aws.ec2' }, 'source', 'expected an array'],
    ['an empty value list', { detail: { state: [] } }, 'detail.state', 'empty arrays'],
    ['a nested array value', { detail: { state: [['a']] } }, 'detail.state', 'nested'],
    [
      'an unknown operator',
      { detail: { state: [{ contains: 'x' }] } },
      'detail.state',
      'unknown operator "contains"',
    ],
    [
      'two keys in one operator object',
      { f: [{ prefix: 'a', suffix: 'b' }] },
      'f',
      'exactly one key',
    ],
    ['a non-string prefix', { f: [{ prefix: 5 }] }, 'f', '"prefix" expects a string'],
    [
      'a non-string prefix ignore-case',
      { f: [{ prefix: { 'equals-ignore-case': 5 } }] },
      'f',
      '"prefix" expects',
    ],
    ['a non-string suffix', { f: [{ suffix: ['.png'] }] }, 'f', '"suffix" expects'],
    [
      'a non-string equals-ignore-case',
      { f: [{ 'equals-ignore-case': 1 }] },
      'f',
      '"equals-ignore-case" expects a string',
    ],
    [
      'numeric with a non-number',
      { detail: { count: [{ numeric: ['>', 'zero'] }] } },
      'detail.count',
      '"numeric" expects pairs of a comparison operator and a number',
    ],
    ['numeric with an unknown operator', { n: [{ numeric: ['~', 1] }] }, 'n', '"~"'],
    [
      'numeric with an odd length',
      { n: [{ numeric: ['>', 1, '<'] }] },
      'n',
      '"numeric" expects pairs',
    ],
    ['numeric that is not an array', { n: [{ numeric: 5 }] }, 'n', '"numeric" expects pairs'],
    ['numeric upper bound first', { n: [{ numeric: ['<', 10, '>', 0] }] }, 'n', 'lower bound'],
    [
      'numeric with an empty range',
      { n: [{ numeric: ['>', 5, '<', 1] }] },
      'n',
      'must be less than',
    ],
    [
      'numeric with three conditions',
      { n: [{ numeric: ['>', 0, '<', 5, '<', 3] }] },
      'n',
      '"numeric" ranges',
    ],
    ['exists with a string', { f: [{ exists: 'yes' }] }, 'f', '"exists" expects true or false'],
    ['anything-but null', { f: [{ 'anything-but': null }] }, 'f', '"anything-but" expects'],
    ['anything-but true', { f: [{ 'anything-but': true }] }, 'f', '"anything-but" expects'],
    ['anything-but an empty list', { f: [{ 'anything-but': [] }] }, 'f', 'non-empty'],
    [
      'anything-but a mixed list',
      { f: [{ 'anything-but': ['a', 1] }] },
      'f',
      'only strings or only numbers',
    ],
    [
      'anything-but an empty prefix',
      { f: [{ 'anything-but': { prefix: '' } }] },
      'f',
      'non-empty string',
    ],
    [
      'anything-but numeric',
      { f: [{ 'anything-but': { numeric: ['>', 1] } }] },
      'f',
      'exactly one of prefix',
    ],
    [
      'anything-but prefix ignore-case',
      { f: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'a' } } }] },
      'f',
      '"anything-but": {"prefix": ...}',
    ],
    ['cidr without a mask', { ip: [{ cidr: '10.0.0.0' }] }, 'ip', '"cidr" expects'],
    ['cidr with a non-numeric mask', { ip: [{ cidr: '10.0.0.0/abc' }] }, 'ip', 'mask bits'],
    ['cidr with a malformed mask', { ip: [{ cidr: 'bad-/64filter' }] }, 'ip', 'mask bits'],
    ['cidr with a bad address', { ip: [{ cidr: 'bad-/24' }] }, 'ip', 'invalid IP address'],
    [
      'cidr with an out-of-range octet',
      { ip: [{ cidr: '300.0.0.0/8' }] },
      'ip',
      'invalid IP address',
    ],
    ['cidr with too many mask bits', { ip: [{ cidr: '10.0.0.0/33' }] }, 'ip', 'mask bits'],
    ['wildcard with consecutive stars', { f: [{ wildcard: 'a**b' }] }, 'f', 'consecutive'],
    ['wildcard with a stray backslash', { f: [{ wildcard: 'a\\b' }] }, 'f', 'backslash'],
    ['wildcard that is not a string', { f: [{ wildcard: 5 }] }, 'f', '"wildcard" expects a string'],
    ['$or that is not an array', { $or: { a: ['x'] } }, '$or', 'at least two objects'],
    ['$or with one alternative', { $or: [{ a: ['x'] }] }, '$or', 'at least two objects'],
    [
      '$or with a non-object',
      { detail: { $or: [{ a: ['x'] }, ['b']] } },
      'detail.$or[1]',
      'only objects',
    ],
    [
      'an operator name inside $or',
      { $or: [{ prefix: ['a'] }, { b: ['c'] }] },
      '$or[0].prefix',
      'operator name',
    ],
    [
      'a bad operator inside $or',
      { detail: { $or: [{ a: ['x'] }, { b: [{ numeric: [1] }] }] } },
      'detail.$or[1].b',
      '"numeric"',
    ],
  ];

  it.each(invalid)('rejects %s', (_name, pattern, where, text) => {
    let caught: unknown;
    try {
      parseEventPattern(pattern);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EventPatternError);
    const error = caught as EventPatternError;
    expect(error.path).toBe(where);
    expect(error.message).toContain(text);
    expect(error.message).toContain(where === '' ? 'Invalid event pattern:' : `at ${where}:`);
  });

  it('names the field path and operator in the message', () => {
    expect(() => parseEventPattern({ detail: { count: [{ numeric: ['>', 'zero'] }] } })).toThrow(
      /^Invalid event pattern at detail\.count: "numeric" expects pairs of a comparison operator and a number/,
    );
  });

  it('throws from matchesEventPattern for an invalid raw pattern', () => {
    expect(() => matchesEventPattern({ source: 'aws.ec2' }, ec2Event)).toThrow(EventPatternError);
  });

  it('never matches a non-object event', () => {
    expect(matchesEventPattern({ source: [{ exists: false }] }, ['aws.ec2'])).toBe(false);
    expect(matchesEventPattern({ source: [{ exists: false }] }, { id: '1' })).toBe(true);
  });
});

afterAll(() => {
  // Nearly every documented example is also run through the CLI (a few test non-object events).
  expect(cliChecked).toBeGreaterThanOrEqual(155);
});
