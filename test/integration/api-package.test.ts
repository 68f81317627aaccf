import { cp, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  packagedTemplate,
  packageService,
  repoRoot,
  resourcesOfType,
  type CfnResource,
  type CfnTemplate,
} from '../support/serverless.js';

/**
 * `osls package` of the service with the api function: the run's packaged template once
 * serverless.yml includes functions/api/function.yml and resources.yml, until then a copy of the
 * repository whose serverless.yml includes them.
 */

let template: CfnTemplate;

async function serviceWithApi(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'irwatch-api-package-'));
  for (const entry of ['serverless.yml', 'package.json', 'tsconfig.json', 'functions', 'shared']) {
    await cp(join(repoRoot, entry), join(dir, entry), { recursive: true });
  }
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  let config = await readFile(join(dir, 'serverless.yml'), 'utf8');
  if (!config.includes('functions/api/function.yml')) {
    config = config
      .replace(/^functions:\n/m, 'functions:\n  - ${file(./functions/api/function.yml)}\n')
      .replace(/^resources:\n/m, 'resources:\n  - ${file(./functions/api/resources.yml)}\n');
  }
  await writeFile(join(dir, 'serverless.yml'), config);
  return dir;
}

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
};
const actionsOf = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

beforeAll(async () => {
  const included = (await readFile(join(repoRoot, 'serverless.yml'), 'utf8')).includes(
    'functions/api/function.yml',
  );
  ({ template } = included
    ? await packagedTemplate('dev')
    : await packageService('dev', await serviceWithApi()));
}, 180_000);

const resource = (name: string): CfnResource => {
  const found = template.Resources[name];
  if (!found) throw new Error(`No resource ${name}`);
  return found;
};

describe('osls package with the api function', () => {
  it('puts every route behind IAM authorization', () => {
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route');
    expect(routes.map(([, route]) => route.Properties?.RouteKey).sort()).toEqual([
      'GET /',
      'GET /compare',
      'GET /jobs',
      'GET /jobs/{jobPath+}',
      'GET /models/{modelPath+}',
      'GET /openapi.json',
    ]);
    for (const [name, route] of routes) {
      expect(route.Properties?.AuthorizationType, name).toBe('AWS_IAM');
    }
  });

  it('leaves CORS off and throttles the stage', () => {
    const [[, api] = []] = resourcesOfType(template, 'AWS::ApiGatewayV2::Api');
    expect(api?.Properties).not.toHaveProperty('CorsConfiguration');
    const settings = resource('HttpApiStage').Properties?.DefaultRouteSettings as Record<
      string,
      number
    >;
    expect(settings.ThrottlingBurstLimit).toBeGreaterThan(0);
    expect(settings.ThrottlingRateLimit).toBeGreaterThan(0);
  });

  it('gives the function a read-only role on the table and its indexes, and the cursor key parameter', () => {
    const fn = resource('ApiLambdaFunction').Properties!;
    expect(fn.Role).toEqual({ 'Fn::GetAtt': ['ApiRole', 'Arn'] });
    expect(fn.Timeout).toBeLessThan(30);
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.CURSOR_KEY_PARAMETER).toBe('/irwatch/dev/api/cursor-key');
    expect(variables).not.toHaveProperty('CURSOR_KEY');

    const [policy] = resource('ApiRole').Properties!.Policies as Array<{
      PolicyDocument: { Statement: Statement[] };
    }>;
    const statements = policy!.PolicyDocument.Statement;
    const all = statements.flatMap(actionsOf);
    expect(all.filter((action) => action.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    expect(all.filter((action) => /^(ssm|kms):/.test(action)).sort()).toEqual([
      'kms:Decrypt',
      'ssm:GetParameter',
    ]);
    expect(all.filter((action) => action.includes('*'))).toEqual([]);
    const dynamo = statements.find((s) => actionsOf(s).includes('dynamodb:Query'))!;
    expect(dynamo.Resource).toEqual([
      { 'Fn::GetAtt': ['Table', 'Arn'] },
      { 'Fn::Sub': '${Table.Arn}/index/*' },
    ]);
    const ssm = statements.find((s) => actionsOf(s).includes('ssm:GetParameter'))!;
    expect(ssm.Resource).toEqual({
      'Fn::Sub':
        'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/irwatch/dev/api/cursor-key',
    });
    const kms = statements.find((s) => actionsOf(s).includes('kms:Decrypt'))!;
    expect(kms.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' },
        'kms:EncryptionContext:PARAMETER_ARN': ssm.Resource,
      },
    });
    const logs = statements.find((s) => actionsOf(s).includes('logs:PutLogEvents'))!;
    expect(logs.Resource).toEqual({ 'Fn::Sub': '${ApiLogGroup.Arn}' });
  });

  it('alarms on 5xx answers and throttled invocations', () => {
    for (const name of ['ApiServerErrorsAlarm', 'ApiThrottlesAlarm']) {
      expect(resource(name).Properties?.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    }
    expect(resource('ApiServerErrorsAlarm').Properties?.Dimensions).toContainEqual({
      Name: 'ApiId',
      Value: { Ref: 'HttpApi' },
    });
  });
});
