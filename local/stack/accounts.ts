import {
  parseEventPattern,
  matchesEventPattern,
  type EventPattern,
} from '../aws/eventbridge/event-pattern.js';
import type { BusEvent } from '../aws/eventbridge/eventbridge-endpoint.js';
import { denialMessage, evaluateAuthorization } from '../aws/iam/gate.js';
import type { LocalRole } from '../aws/iam/identities.js';
import { localRoles } from '../aws/iam/local-iam.js';
import {
  loadRolePolicies,
  readCloudFormationTemplate,
  TemplateResolver,
  type PolicyDocument,
} from '../aws/iam/template-policies.js';

/**
 * The accounts and regions of the local world: the hub, where irwatch runs (its user is the
 * profile `irwatch-local`), and a spoke account whose stacks of spoke/template.yml, one per
 * region, let the hub read its jobs and forward its CloudTrail events, as a watched account's do.
 */
export const HUB_ACCOUNT = '000000000000';
export const SPOKE_ACCOUNT = '111111111111';
export const SPOKE_PROFILE = 'irwatch-local-spoke';

/** The hub's region first, then one other: every account of the local world has both. */
export const localRegions = (hubRegion: string): string[] => [
  hubRegion,
  hubRegion === 'eu-west-1' ? 'us-east-1' : 'eu-west-1',
];

/** A rule of a spoke's default bus that sends matching events to another account's bus. */
export interface ForwardRule {
  ruleArn: string;
  region: string;
  pattern: EventPattern;
  /** The bus it puts the events on (the hub's irwatch bus). */
  target: string;
  /** The role EventBridge assumes to put them there. */
  role: LocalRole;
}

export interface SpokeAccount {
  account: string;
  /** The roles of all its stacks: the reader role (made once) and each region's forwarder. */
  roles: LocalRole[];
  forwardRules: ForwardRule[];
}

export interface SpokeAccountOptions {
  /** spoke/template.yml. */
  templatePath: string;
  account: string;
  /** A stack in each region; the first makes the reader role (ReaderRoleRegion). */
  regions: string[];
  hub: { account: string; region: string; stage: string };
  externalId: string;
}

/**
 * A spoke account as its stacks of spoke/template.yml make it, one stack per region, with the
 * parameters the README gives a watched account: the hub's account, region and stage, and the
 * external ID the hub presents.
 */
export function loadSpokeAccount(options: SpokeAccountOptions): SpokeAccount {
  const template = readCloudFormationTemplate(options.templatePath);
  const roles = new Map<string, LocalRole>();
  const forwardRules: ForwardRule[] = [];
  for (const region of options.regions) {
    const environment = {
      account: options.account,
      region,
      stage: options.hub.stage,
      service: 'irwatch-spoke',
      parameters: {
        HubAccountId: options.hub.account,
        HubRegion: options.hub.region,
        HubStage: options.hub.stage,
        ExternalId: options.externalId,
        ReaderRoleRegion: options.regions[0]!,
      },
    };
    const stackRoles = localRoles(loadRolePolicies(template, environment), options.account);
    for (const role of stackRoles.values()) roles.set(role.arn, role);
    const resolver = new TemplateResolver(template, environment);
    for (const [id, rule] of resolver.resourcesOfType('AWS::Events::Rule')) {
      const properties = resolver.resolve(rule.Properties ?? {}, id) as Record<string, unknown>;
      const targets = Array.isArray(properties.Targets) ? properties.Targets : [];
      for (const target of targets as Array<Record<string, unknown>>) {
        const role = roles.get(String(target.RoleArn));
        if (!role || !String(target.Arn).includes(':event-bus/')) continue;
        forwardRules.push({
          ruleArn: resolver.attribute(id, 'Arn'),
          region,
          pattern: parseEventPattern(properties.EventPattern),
          target: String(target.Arn),
          role,
        });
      }
    }
  }
  return { account: options.account, roles: [...roles.values()], forwardRules };
}

export type ForwardOutcome =
  { rule: ForwardRule; delivered: true } | { rule: ForwardRule; delivered: false; reason: string };

/**
 * What EventBridge does with an event on a spoke's default bus for each of that region's forward
 * rules it matches: assume the rule's role as events.amazonaws.com (the role's trust policy, with
 * the rule as aws:SourceArn), then put the event on the target bus as that role session, allowed
 * only if the role's policy and the target bus's policy both allow it (another account's bus).
 */
export async function forwardingOutcomes(
  spoke: SpokeAccount,
  event: BusEvent,
  busPolicyOf: (busArn: string) => PolicyDocument | undefined,
  now: number,
): Promise<ForwardOutcome[]> {
  const rules = spoke.forwardRules.filter(
    (rule) => rule.region === event.region && matchesEventPattern(rule.pattern, event),
  );
  return Promise.all(
    rules.map(async (rule): Promise<ForwardOutcome> => {
      const assume = await evaluateAuthorization(
        { principalArn: 'events.amazonaws.com', account: spoke.account, policies: [] },
        {
          action: 'sts:AssumeRole',
          resource: rule.role.arn,
          context: {
            'aws:PrincipalServiceName': 'events.amazonaws.com',
            'aws:SourceAccount': spoke.account,
            'aws:SourceArn': rule.ruleArn,
          },
        },
        rule.role.trustPolicy,
        now,
      );
      if (!assume.allowed) {
        return {
          rule,
          delivered: false,
          reason: `EventBridge cannot assume ${rule.role.arn} (${assume.why})`,
        };
      }
      const sessionArn = `arn:aws:sts::${spoke.account}:assumed-role/${rule.role.roleName}/events`;
      const request = {
        action: 'events:PutEvents',
        resource: rule.target,
        context: { 'events:source': [event.source], 'events:detail-type': [event['detail-type']] },
      };
      const put = await evaluateAuthorization(
        { principalArn: rule.role.arn, account: spoke.account, policies: rule.role.policies },
        request,
        busPolicyOf(rule.target),
        now,
      );
      return put.allowed
        ? { rule, delivered: true }
        : { rule, delivered: false, reason: denialMessage(sessionArn, request, put.why) };
    }),
  );
}
