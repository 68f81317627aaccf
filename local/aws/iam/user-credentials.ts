import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCAL_PROFILE = 'irwatch-local';

type Keys = { accessKeyId: string; secretAccessKey: string };

export interface LocalUserCredentials {
  /** The hub account's user (profile `irwatch-local`). */
  keys: Keys;
  /** Secret material the functions' role sessions derive their keys from. */
  seed: string;
  /**
   * What the hub presents when it assumes a spoke account's reader role (sts:ExternalId); the
   * spoke stacks of the local world are made with it.
   */
  externalId: string;
  /** The keys of each other account's user, by the profile asked for. */
  profiles: Map<string, Keys>;
  /** AWS shared credentials and config files naming the profile, for the AWS CLI and the SDKs. */
  files: { credentials: string; config: string; profile: string };
}

/** The `[section]`s of an AWS shared credentials file and their `key = value` lines. */
function sections(text: string): Map<string, Map<string, string>> {
  const found = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of text.split('\n')) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      current = new Map();
      found.set(header[1]!.trim(), current);
      continue;
    }
    const entry = /^\s*([\w-]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (entry && current) current.set(entry[1]!, entry[2]!);
  }
  return found;
}

const newKeys = (): Keys => ({
  accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
});

const keysOf = (section: Map<string, string> | undefined): Keys | undefined => {
  const accessKeyId = section?.get('aws_access_key_id');
  const secretAccessKey = section?.get('aws_secret_access_key');
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
};

/**
 * The local users' keys, made at the first start and kept in the data folder (0600) as an AWS
 * shared credentials file: the profile `irwatch-local` (the hub account's user, with the role
 * seed and the external ID) and one profile per other account asked for, kept once made. A config
 * file beside it gives each profile the region: `AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`
 * and `AWS_PROFILE` point the AWS CLI and every SDK at them.
 */
export async function localUserCredentials(
  dataDir: string,
  region: string,
  otherProfiles: readonly string[] = [],
): Promise<LocalUserCredentials> {
  const credentials = join(dataDir, 'credentials');
  const config = join(dataDir, 'config');
  const files = { credentials, config, profile: LOCAL_PROFILE };
  const found = sections(await readFile(credentials, 'utf8').catch(() => ''));
  const hub = found.get(LOCAL_PROFILE);
  let changed = false;
  let keys = keysOf(hub);
  let seed = hub?.get('irwatch_role_seed');
  if (!keys || !seed) {
    // Keys without their seed (or the reverse) are from no start of this stack: all anew.
    keys = newKeys();
    seed = randomBytes(32).toString('hex');
    found.clear();
    changed = true;
  }
  let externalId = hub?.get('irwatch_spoke_external_id');
  if (!externalId) {
    externalId = `irwatch-local-${randomBytes(12).toString('hex')}`;
    changed = true;
  }
  const profiles = new Map<string, Keys>();
  for (const profile of [...found.keys(), ...otherProfiles]) {
    if (profile === LOCAL_PROFILE || profiles.has(profile)) continue;
    let theirs = keysOf(found.get(profile));
    if (!theirs) {
      theirs = newKeys();
      changed = true;
    }
    profiles.set(profile, theirs);
  }
  if (changed) {
    const section = (profile: string, { accessKeyId, secretAccessKey }: Keys) =>
      `[${profile}]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`;
    const text =
      `# The irwatch local stack's own keys: they sign requests to its endpoints only.\n` +
      section(LOCAL_PROFILE, keys) +
      `irwatch_role_seed = ${seed}\nirwatch_spoke_external_id = ${externalId}\n` +
      [...profiles].map(([profile, theirs]) => section(profile, theirs)).join('');
    await writeFile(credentials, text, { mode: 0o600 });
  }
  await writeFile(
    config,
    [LOCAL_PROFILE, ...profiles.keys()]
      .map((profile) => `[profile ${profile}]\nregion = ${region}\n`)
      .join(''),
    { mode: 0o600 },
  );
  return { keys, seed, externalId, profiles, files };
}
