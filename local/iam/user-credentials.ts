import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCAL_PROFILE = 'irwatch-local';

export interface LocalUserCredentials {
  keys: { accessKeyId: string; secretAccessKey: string };
  /** Secret material the functions' role sessions derive their keys from. */
  seed: string;
  /** AWS shared credentials and config files naming the profile, for the AWS CLI and the SDKs. */
  files: { credentials: string; config: string; profile: string };
}

const field = (text: string, name: string) =>
  new RegExp(`^\\s*${name}\\s*=\\s*(\\S+)\\s*$`, 'm').exec(text)?.[1];

/**
 * The local user's keys, made at the first start and kept in the data folder (0600) as an AWS
 * shared credentials file with the profile `irwatch-local`, beside a config file giving its
 * region: `AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE` and `AWS_PROFILE` point the AWS CLI
 * and every SDK at them.
 */
export async function localUserCredentials(
  dataDir: string,
  region: string,
): Promise<LocalUserCredentials> {
  const credentials = join(dataDir, 'credentials');
  const config = join(dataDir, 'config');
  const files = { credentials, config, profile: LOCAL_PROFILE };
  let text = await readFile(credentials, 'utf8').catch(() => '');
  let accessKeyId = field(text, 'aws_access_key_id');
  let secretAccessKey = field(text, 'aws_secret_access_key');
  let seed = field(text, 'irwatch_role_seed');
  if (!accessKeyId || !secretAccessKey || !seed) {
    accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
    secretAccessKey = randomBytes(30).toString('base64');
    seed = randomBytes(32).toString('hex');
    text =
      `# The irwatch local stack's own keys: they sign requests to its endpoints only.\n` +
      `[${LOCAL_PROFILE}]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n` +
      `irwatch_role_seed = ${seed}\n`;
    await writeFile(credentials, text, { mode: 0o600 });
  }
  await writeFile(config, `[profile ${LOCAL_PROFILE}]\nregion = ${region}\n`, { mode: 0o600 });
  return { keys: { accessKeyId, secretAccessKey }, seed, files };
}
