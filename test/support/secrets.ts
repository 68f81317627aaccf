import { mkdtemp } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSecretsManagerEndpoint,
  provisionSecrets,
  templateSecrets,
  type LocalSecret,
  type SecretsManagerEndpoint,
} from '../../local/aws/secretsmanager/secrets-manager-endpoint.js';
import { listen, type LocalServer } from '../../local/aws/http-server.js';
import { secretsManagerProtocol } from '../../local/aws/iam/requests.js';
import type { LocalIam } from '../../local/aws/iam/local-iam.js';
import { loadTemplate } from '../../local/aws/iam/template-policies.js';
import { ACCOUNT, REGION } from './fixtures.js';
import { repoRoot } from './serverless.js';

export interface LocalSecretsManager {
  endpoint: SecretsManagerEndpoint;
  server: LocalServer;
  secrets: LocalSecret[];
  dataDir: string;
}

/**
 * The secrets serverless.yml creates for `stage`, generated into `dataDir` (a new temporary
 * folder by default) and served by the local Secrets Manager behind `iam`'s gate, as the local
 * stack serves them. `intercept` may answer a request itself (a fault) before the endpoint does.
 */
export async function startLocalSecretsManager(
  stage: string,
  iam: LocalIam,
  options: {
    dataDir?: string;
    intercept?: (req: IncomingMessage, res: ServerResponse) => boolean;
  } = {},
): Promise<LocalSecretsManager> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'irwatch-secrets-')));
  const template = loadTemplate(join(repoRoot, 'serverless.yml'), { stage, region: REGION });
  const secrets = await provisionSecrets(
    dataDir,
    templateSecrets(template, { account: ACCOUNT, region: REGION, stage }),
  );
  const endpoint = createSecretsManagerEndpoint(secrets);
  const server = await listen(
    async (req, res) => {
      if (!options.intercept?.(req, res)) await endpoint.handle(req, res);
    },
    { gate: iam.gateFor(secretsManagerProtocol(endpoint.arnOf)) },
  );
  return { endpoint, server, secrets, dataDir };
}
