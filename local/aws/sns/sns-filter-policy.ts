import { matchesEventPattern, parseEventPattern } from '../eventbridge/event-pattern.js';

/**
 * SNS subscription filter policies. With the MessageAttributes scope (the default) SNS differs
 * from EventBridge patterns: keys are flat attribute names, a `Number` attribute matches numeric
 * conditions and numbers while a `String` one matches strings only, and a `String.Array` matches
 * when any of its elements does. The MessageBody scope is an event pattern over the JSON body.
 */

export class FilterPolicyError extends Error {
  override name = 'FilterPolicyError';
}

export interface PolicyAttribute {
  dataType: string;
  stringValue?: string;
}

type Condition = unknown;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'equals-ignore-case',
  'cidr',
]);

function checkCondition(key: string, condition: Condition): void {
  if (condition === null || ['string', 'number', 'boolean'].includes(typeof condition)) return;
  if (!isRecord(condition)) {
    throw new FilterPolicyError(`${key}: a condition is a string, a number or an operator object`);
  }
  const operators = Object.keys(condition);
  if (operators.length !== 1 || !OPERATORS.has(operators[0]!)) {
    throw new FilterPolicyError(
      `${key}: unrecognized operator ${operators.join(', ') || '(none)'} (allowed: ${[...OPERATORS].join(', ')})`,
    );
  }
  const operand = condition[operators[0]!];
  if (operators[0] === 'exists' && typeof operand !== 'boolean') {
    throw new FilterPolicyError(`${key}: exists takes true or false`);
  }
  if (operators[0] === 'numeric') {
    if (!Array.isArray(operand) || operand.length < 2 || operand.length % 2 !== 0) {
      throw new FilterPolicyError(`${key}: numeric takes [operator, value, ...]`);
    }
    for (let i = 0; i < operand.length; i += 2) {
      if (
        !['=', '<', '<=', '>', '>='].includes(String(operand[i])) ||
        typeof operand[i + 1] !== 'number'
      ) {
        throw new FilterPolicyError(
          `${key}: numeric takes [operator, value, ...] with =, <, <=, >, >=`,
        );
      }
    }
  }
}

/** Throws FilterPolicyError naming what is wrong; SNS refuses such a policy at Subscribe. */
export function validateFilterPolicy(text: string, scope: string): unknown {
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw new FilterPolicyError('the policy is not valid JSON');
  }
  if (!isRecord(policy)) throw new FilterPolicyError('the policy must be a JSON object');
  if (scope === 'MessageBody') {
    try {
      parseEventPattern(policy);
    } catch (error) {
      throw new FilterPolicyError((error as Error).message);
    }
    return policy;
  }
  const check = (value: Record<string, unknown>) => {
    for (const [key, conditions] of Object.entries(value)) {
      if (key === '$or') {
        if (!Array.isArray(conditions) || !conditions.every(isRecord)) {
          throw new FilterPolicyError('$or takes a list of policies');
        }
        conditions.forEach(check);
        continue;
      }
      if (!Array.isArray(conditions)) {
        throw new FilterPolicyError(
          `${key}: the MessageAttributes scope takes a list of conditions per attribute, not nested keys`,
        );
      }
      for (const condition of conditions) checkCondition(key, condition);
    }
  };
  check(policy);
  return policy;
}

function numericMatches(operand: unknown[], value: number): boolean {
  for (let i = 0; i < operand.length; i += 2) {
    const bound = Number(operand[i + 1]);
    const ok =
      operand[i] === '='
        ? value === bound
        : operand[i] === '<'
          ? value < bound
          : operand[i] === '<='
            ? value <= bound
            : operand[i] === '>'
              ? value > bound
              : value >= bound;
    if (!ok) return false;
  }
  return true;
}

/** One value of the attribute (a `String.Array` has several) against one condition. */
function valueMatches(condition: Condition, value: string | number, isNumber: boolean): boolean {
  if (typeof condition === 'string')
    return typeof value === 'string' && !isNumber && value === condition;
  if (typeof condition === 'number') return isNumber && Number(value) === condition;
  if (typeof condition === 'boolean' || condition === null) return false;
  if (!isRecord(condition)) return false;
  const [operator, operand] = Object.entries(condition)[0] ?? [];
  const text = String(value);
  switch (operator) {
    case 'prefix':
      return !isNumber && typeof operand === 'string' && text.startsWith(operand);
    case 'suffix':
      return !isNumber && typeof operand === 'string' && text.endsWith(operand);
    case 'equals-ignore-case':
      return (
        !isNumber && typeof operand === 'string' && text.toLowerCase() === operand.toLowerCase()
      );
    case 'numeric':
      return isNumber && Array.isArray(operand) && numericMatches(operand, Number(value));
    case 'anything-but': {
      if (isRecord(operand) && typeof operand.prefix === 'string') {
        return !text.startsWith(operand.prefix);
      }
      const excluded = Array.isArray(operand) ? operand : [operand];
      return !excluded.some((item) => valueMatches(item, value, isNumber));
    }
    case 'cidr':
      return false;
    default:
      return false;
  }
}

function attributeMatches(conditions: unknown[], attribute: PolicyAttribute | undefined): boolean {
  return conditions.some((condition) => {
    if (isRecord(condition) && 'exists' in condition) {
      return condition.exists === (attribute !== undefined);
    }
    if (!attribute || attribute.stringValue === undefined) return false;
    const base = attribute.dataType.split('.')[0];
    if (attribute.dataType === 'String.Array') {
      let items: unknown;
      try {
        items = JSON.parse(attribute.stringValue);
      } catch {
        return false;
      }
      return (
        Array.isArray(items) &&
        items.some((item) =>
          typeof item === 'number'
            ? valueMatches(condition, item, true)
            : typeof item === 'string' && valueMatches(condition, item, false),
        )
      );
    }
    if (base === 'Number') return valueMatches(condition, Number(attribute.stringValue), true);
    if (base === 'String') return valueMatches(condition, attribute.stringValue, false);
    return false; // Binary attributes never match a policy
  });
}

function attributesMatch(
  policy: Record<string, unknown>,
  attributes: Record<string, PolicyAttribute>,
): boolean {
  return Object.entries(policy).every(([key, conditions]) => {
    if (key === '$or') {
      return (
        Array.isArray(conditions) &&
        conditions.some(
          (alternative) => isRecord(alternative) && attributesMatch(alternative, attributes),
        )
      );
    }
    return Array.isArray(conditions) && attributeMatches(conditions, attributes[key]);
  });
}

export function matchesFilterPolicy(
  policyText: string,
  scope: string,
  message: { body: string; attributes: Record<string, PolicyAttribute> },
): boolean {
  const policy = validateFilterPolicy(policyText, scope) as Record<string, unknown>;
  if (scope === 'MessageBody') {
    let body: unknown;
    try {
      body = JSON.parse(message.body);
    } catch {
      return false;
    }
    return matchesEventPattern(parseEventPattern(policy), body);
  }
  return attributesMatch(policy, message.attributes);
}
