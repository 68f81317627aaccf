import { describe, expect, it } from 'vitest';
import {
  FilterPolicyError,
  matchesFilterPolicy,
  validateFilterPolicy,
} from '../../local/aws/sns/sns-filter-policy.js';

const str = (value: string) => ({ dataType: 'String', stringValue: value });
const num = (value: string) => ({ dataType: 'Number', stringValue: value });
const matches = (
  policy: unknown,
  attributes: Record<string, { dataType: string; stringValue: string }>,
) => matchesFilterPolicy(JSON.stringify(policy), 'MessageAttributes', { body: '', attributes });

describe('SNS filter policies, MessageAttributes scope', () => {
  it('takes a message when every key matches one of its values', () => {
    const policy = { status: ['FAILED', 'STOPPED'], jobType: ['Default'] };
    expect(matches(policy, { status: str('FAILED'), jobType: str('Default') })).toBe(true);
    expect(matches(policy, { status: str('COMPLETED'), jobType: str('Default') })).toBe(false);
    expect(matches(policy, { status: str('FAILED') })).toBe(false);
  });

  it('matches numbers only against Number attributes, and strings only against String ones', () => {
    expect(matches({ size: [5] }, { size: num('5.0') })).toBe(true);
    expect(matches({ size: [5] }, { size: str('5') })).toBe(false);
    expect(matches({ size: ['5'] }, { size: num('5') })).toBe(false);
    expect(matches({ size: [{ numeric: ['>', 1, '<=', 5] }] }, { size: num('5') })).toBe(true);
    expect(matches({ size: [{ numeric: ['>', 5] }] }, { size: num('5') })).toBe(false);
  });

  it('supports prefix, suffix, anything-but, exists, equals-ignore-case and $or', () => {
    expect(matches({ m: [{ prefix: 'bert-' }] }, { m: str('bert-base') })).toBe(true);
    expect(matches({ m: [{ suffix: '-pt' }] }, { m: str('bert-base') })).toBe(false);
    expect(matches({ s: [{ 'anything-but': ['COMPLETED'] }] }, { s: str('FAILED') })).toBe(true);
    expect(matches({ s: [{ 'anything-but': { prefix: 'COMP' } }] }, { s: str('COMPLETED') })).toBe(
      false,
    );
    expect(matches({ m: [{ exists: false }] }, { s: str('x') })).toBe(true);
    expect(matches({ m: [{ exists: true }] }, { s: str('x') })).toBe(false);
    expect(matches({ s: [{ 'equals-ignore-case': 'failed' }] }, { s: str('FAILED') })).toBe(true);
    expect(matches({ $or: [{ s: ['FAILED'] }, { t: ['Advanced'] }] }, { t: str('Advanced') })).toBe(
      true,
    );
  });

  it('matches a String.Array when any element matches', () => {
    const tags = { dataType: 'String.Array', stringValue: '["a", "b", 3]' };
    expect(matches({ tags: ['b'] }, { tags })).toBe(true);
    expect(matches({ tags: [3] }, { tags })).toBe(true);
    expect(matches({ tags: ['c'] }, { tags })).toBe(false);
  });

  it('refuses policies SNS refuses, saying why', () => {
    expect(() => validateFilterPolicy('{"status":"FAILED"}', 'MessageAttributes')).toThrow(
      /status: the MessageAttributes scope takes a list/,
    );
    expect(() => validateFilterPolicy('[1]', 'MessageAttributes')).toThrow(FilterPolicyError);
    expect(() => validateFilterPolicy('{"s":[{"wildcard":"a*"}]}', 'MessageAttributes')).toThrow(
      /unrecognized operator wildcard/,
    );
  });
});

describe('SNS filter policies, MessageBody scope', () => {
  it('matches the JSON body as an event pattern', () => {
    const body = JSON.stringify({ status: 'FAILED', best: { lowestModelLatency: null } });
    const policy = JSON.stringify({ status: ['FAILED'] });
    expect(matchesFilterPolicy(policy, 'MessageBody', { body, attributes: {} })).toBe(true);
    expect(
      matchesFilterPolicy(JSON.stringify({ status: ['COMPLETED'] }), 'MessageBody', {
        body,
        attributes: {},
      }),
    ).toBe(false);
    expect(matchesFilterPolicy(policy, 'MessageBody', { body: 'not json', attributes: {} })).toBe(
      false,
    );
  });
});
