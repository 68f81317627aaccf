import { join } from 'node:path';
import { BatchGetItemCommand, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynalite } from '../local/aws/dynamodb/dynamodb.js';
import { listenGated } from '../local/aws/iam/gated-proxy.js';
import { createLocalIam } from '../local/aws/iam/local-iam.js';
import { dynamodbProtocol } from '../local/aws/iam/requests.js';
import { loadTemplate } from '../local/aws/iam/template-policies.js';
import { createTableInput, keys } from '../shared/db/table.js';
import { repoRoot } from './paths.js';
import { emitSection } from './report.js';
import { median, ms, ratio, timeRuns } from './stats.js';

/**
 * What the local world's IAM costs a call: the same BatchGetItem (detect's, with its
 * dynamodb:LeadingKeys condition) straight to dynalite, through a gate that checks the caller and
 * the signature only (`--no-iam`), and through the gate that also evaluates the role's policies.
 */
const CALLS = Number(process.env.BENCH_IAM_CALLS ?? 500);
const STAGE = 'bench';
const REGION = 'us-east-1';
const environment = { account: '000000000000', region: REGION, stage: STAGE };
const user = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const template = loadTemplate(join(repoRoot, 'serverless.yml'), { stage: STAGE, region: REGION });
const iamOf = (enforceIam: boolean) =>
  createLocalIam({ template, environment, user, seed: 'bench', enforceIam });

const dynalite = await startDynalite();
const tableName = `irwatch-${STAGE}`;
const admin = new DynamoDBClient({ endpoint: dynalite.url, region: REGION, credentials: user });
await admin.send(new CreateTableCommand(createTableInput(tableName)));

const enforced = iamOf(true);
const session = enforced.identities.forFunction('detect');
const credentials = {
  accessKeyId: session.accessKeyId,
  secretAccessKey: session.secretAccessKey,
  sessionToken: session.sessionToken!,
};
const [signaturesOnly, withIam] = await Promise.all([
  listenGated({ url: dynalite.url }, iamOf(false).gateFor(dynamodbProtocol)),
  listenGated({ url: dynalite.url }, enforced.gateFor(dynamodbProtocol)),
]);

async function perCall(endpoint: string): Promise<number> {
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });
  const key = keys.watermark({ accountId: '000000000000', region: REGION });
  const get = async () => {
    await client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [tableName]: { Keys: [{ PK: { S: String(key.PK) }, SK: { S: String(key.SK) } }] },
        },
      }),
    );
  };
  for (let i = 0; i < 50; i += 1) await get();
  const times = await timeRuns(CALLS, get);
  client.destroy();
  return median(times);
}

const direct = await perCall(dynalite.url);
const gated = await perCall(signaturesOnly.url);
const evaluated = await perCall(withIam.url);
await Promise.all([signaturesOnly.close(), withIam.close()]);
admin.destroy();
await dynalite.close();

emitSection({
  section: 'iam',
  tables: [
    {
      title: `local IAM: one BatchGetItem of its watermark as detect's role (median of ${CALLS} calls after 50 warm-up calls)`,
      columns: ['path', 'median ms', '÷ straight to dynalite'],
      rows: [
        ['straight to dynalite', ms(direct), ratio(direct, direct)],
        ['gate: Host, Origin, SigV4 only (--no-iam)', ms(gated), ratio(gated, direct)],
        [
          'gate with IAM: the role and its dynamodb:LeadingKeys condition',
          ms(evaluated),
          ratio(evaluated, direct),
        ],
      ],
      notes: [
        'The gate reads the whole body, recomputes the signature and, with IAM, evaluates the role with @cloud-copilot/iam-simulate before forwarding.',
      ],
    },
  ],
  data: { calls: CALLS, directMs: direct, gatedMs: gated, evaluatedMs: evaluated },
});
