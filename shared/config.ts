export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * Reads the named environment variables once, at module load, and fails fast naming every
 * missing one: a function that starts without its table or bus must not run half-configured.
 */
export function readEnv<const Name extends string>(
  names: readonly Name[],
  env: Env = process.env,
): Readonly<Record<Name, string>> {
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ConfigError(`Missing environment variable(s): ${missing.join(', ')}`);
  }
  return Object.freeze(
    Object.fromEntries(names.map((name) => [name, env[name] as string])),
  ) as Record<Name, string>;
}

/** An optional positive number from the environment, with a default; a malformed value fails fast. */
export function readNumberEnv(name: string, fallback: number, env: Env = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`Environment variable ${name} must be a positive number, got "${raw}"`);
  }
  return value;
}
