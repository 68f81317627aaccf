import { randomInt, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { answerJson, readJsonRequest, SECRETS_MANAGER_JSON, ServiceError } from '../aws-json.js';
import { listen as listenHttp, type LocalServer } from '../http-server.js';
import type { Gate } from '../iam/gate.js';
import {
  TemplateResolver,
  type CloudFormationTemplate,
  type TemplateEnvironment,
} from '../iam/template-policies.js';

/** One secret with its one version (AWSCURRENT), as the local Secrets Manager keeps it. */
export interface LocalSecret {
  arn: string;
  name: string;
  description?: string;
  secretString: string;
  versionId: string;
  /** Epoch milliseconds. */
  createdDate: number;
}

/** `GenerateSecretString` of an `AWS::SecretsManager::Secret` (CloudFormation's property names). */
export interface GenerateSecretString {
  PasswordLength?: number;
  ExcludeCharacters?: string;
  ExcludeLowercase?: boolean;
  ExcludeUppercase?: boolean;
  ExcludeNumbers?: boolean;
  ExcludePunctuation?: boolean;
  IncludeSpace?: boolean;
  RequireEachIncludedType?: boolean;
  SecretStringTemplate?: string;
  GenerateStringKey?: string;
}

export interface TemplateSecret {
  logicalId: string;
  arn: string;
  name: string;
  description?: string;
  generate?: GenerateSecretString;
  secretString?: string;
}

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const CLASSES = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  numbers: '0123456789',
  punctuation: PUNCTUATION,
} as const;

/** A random string as Secrets Manager's GetRandomPassword makes one (length 32 by default). */
export function generateSecretString(options: GenerateSecretString = {}): string {
  const excluded = new Set(options.ExcludeCharacters ?? '');
  const pools = [
    options.ExcludeLowercase ? '' : CLASSES.lowercase,
    options.ExcludeUppercase ? '' : CLASSES.uppercase,
    options.ExcludeNumbers ? '' : CLASSES.numbers,
    options.ExcludePunctuation ? '' : CLASSES.punctuation,
    options.IncludeSpace ? ' ' : '',
  ]
    .map((pool) => [...pool].filter((char) => !excluded.has(char)).join(''))
    .filter((pool) => pool.length > 0);
  const length = options.PasswordLength ?? 32;
  if (!Number.isInteger(length) || length < 1 || length > 4096) {
    throw new Error(`GenerateSecretString: PasswordLength ${length} is not between 1 and 4096`);
  }
  const all = pools.join('');
  if (all.length === 0) throw new Error('GenerateSecretString excludes every character');
  const chars = Array.from({ length }, () => all[randomInt(all.length)]!);
  if (options.RequireEachIncludedType ?? true) {
    // One of each included type, at distinct random places.
    const places = new Set<number>();
    for (const pool of pools.slice(0, length)) {
      let place = randomInt(length);
      while (places.has(place)) place = randomInt(length);
      places.add(place);
      chars[place] = pool[randomInt(pool.length)]!;
    }
  }
  const generated = chars.join('');
  if (options.SecretStringTemplate === undefined) return generated;
  const template = JSON.parse(options.SecretStringTemplate) as Record<string, unknown>;
  return JSON.stringify({ ...template, [options.GenerateStringKey ?? 'password']: generated });
}

/** The `AWS::SecretsManager::Secret`s of a template, with the ARNs its `Ref`s resolve to. */
export function templateSecrets(
  template: CloudFormationTemplate,
  environment: TemplateEnvironment,
): TemplateSecret[] {
  const resolver = new TemplateResolver(template, environment);
  return resolver.resourcesOfType('AWS::SecretsManager::Secret').map(([logicalId, resource]) => {
    const properties = (resolver.resolve(resource.Properties ?? {}, logicalId) ?? {}) as Record<
      string,
      unknown
    >;
    const arn = resolver.ref(logicalId);
    const generate = properties.GenerateSecretString as GenerateSecretString | undefined;
    const given = properties.SecretString;
    if (generate !== undefined && given !== undefined) {
      throw new Error(`${logicalId}: SecretString and GenerateSecretString exclude each other`);
    }
    return {
      logicalId,
      arn,
      name: arn.split(':secret:')[1]!.slice(0, -7),
      ...(typeof properties.Description === 'string'
        ? { description: properties.Description }
        : {}),
      ...(generate ? { generate } : {}),
      ...(typeof given === 'string' ? { secretString: given } : {}),
    };
  });
}

/**
 * The template's secrets as CloudFormation would create them, their generated values kept in
 * `<dataDir>/secrets.json` (mode 0600) so that what they sign survives a restart. `adopt` gives
 * a secret (by name) the value an earlier layout of the data folder kept elsewhere, instead of
 * a generated one, when secrets.json does not hold it yet.
 */
export async function provisionSecrets(
  dataDir: string,
  secrets: TemplateSecret[],
  options: { now?: () => number; adopt?: ReadonlyMap<string, string> } = {},
): Promise<LocalSecret[]> {
  const now = options.now ?? Date.now;
  const file = join(dataDir, 'secrets.json');
  let stored: Record<string, LocalSecret> = {};
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as Record<string, LocalSecret>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`${file} is unreadable: ${(error as Error).message}`, { cause: error });
    }
  }
  const result = secrets.map((secret): LocalSecret => {
    const kept = stored[secret.arn];
    if (kept) return kept;
    return {
      arn: secret.arn,
      name: secret.name,
      ...(secret.description !== undefined ? { description: secret.description } : {}),
      secretString:
        secret.secretString ??
        options.adopt?.get(secret.name) ??
        generateSecretString(secret.generate),
      versionId: randomUUID(),
      createdDate: now(),
    };
  });
  const next = Object.fromEntries(result.map((secret) => [secret.arn, secret]));
  if (JSON.stringify(next) !== JSON.stringify(stored)) {
    await writeFile(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  }
  return result;
}

export interface SecretsManagerEndpoint {
  /** The ARN a SecretId (name, ARN, or ARN without its six-character suffix) names, if any. */
  arnOf(secretId: string): string | undefined;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** With a gate, every request is checked (callers, signature, IAM) before it is served. */
  listen(port?: number, gate?: Gate): Promise<LocalServer>;
}

const seconds = (ms: number) => ms / 1000;

/**
 * Secrets Manager's GetSecretValue and DescribeSecret (awsJson1_1, botocore's `secretsmanager`
 * model) for the secrets the stack's template creates; it creates, changes or deletes none.
 */
export function createSecretsManagerEndpoint(secrets: LocalSecret[]): SecretsManagerEndpoint {
  const find = (secretId: string) =>
    secrets.find(
      (secret) =>
        secret.arn === secretId || secret.name === secretId || secret.arn.slice(0, -7) === secretId,
    );

  const secretOf = (input: Record<string, unknown>) => {
    const id = input.SecretId;
    if (typeof id !== 'string' || id.length < 1 || id.length > 2048) {
      throw new ServiceError(
        400,
        'InvalidParameterException',
        'SecretId must be a string of 1 to 2048 characters.',
      );
    }
    const secret = find(id);
    if (!secret) {
      throw new ServiceError(
        400,
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
    }
    return secret;
  };

  const operations: Record<string, (input: Record<string, unknown>) => Record<string, unknown>> = {
    GetSecretValue(input) {
      const secret = secretOf(input);
      const { VersionId: versionId, VersionStage: stage } = input;
      if (versionId !== undefined && versionId !== secret.versionId) {
        throw new ServiceError(
          400,
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for VersionId: ${String(versionId)}`,
        );
      }
      if (stage !== undefined && stage !== 'AWSCURRENT') {
        throw new ServiceError(
          400,
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for staging label: ${String(stage)}`,
        );
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: secret.secretString,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: seconds(secret.createdDate),
      };
    },
    DescribeSecret(input) {
      const secret = secretOf(input);
      return {
        ARN: secret.arn,
        Name: secret.name,
        ...(secret.description !== undefined ? { Description: secret.description } : {}),
        LastChangedDate: seconds(secret.createdDate),
        CreatedDate: seconds(secret.createdDate),
        VersionIdsToStages: { [secret.versionId]: ['AWSCURRENT'] },
      };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = await readJsonRequest(req, SECRETS_MANAGER_JSON);
    const operation = request.operation !== undefined ? operations[request.operation] : undefined;
    await answerJson(res, SECRETS_MANAGER_JSON, () => {
      if (!operation) {
        throw new ServiceError(
          400,
          'UnknownOperationException',
          `The local Secrets Manager serves GetSecretValue and DescribeSecret only, not ${String(req.headers['x-amz-target'])}`,
        );
      }
      if (request.input instanceof ServiceError) throw request.input;
      return operation(request.input);
    });
  }

  return {
    arnOf: (secretId) => find(secretId)?.arn,
    handle,
    listen(port, gate) {
      return listenHttp(handle, { port: port ?? 0, ...(gate ? { gate } : {}) });
    },
  };
}
