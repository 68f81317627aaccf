import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { dataDirPath } from '../stack/data-dir.js';
import { UsageError } from './usage-error.js';

type Options = Record<string, string | boolean | undefined>;

/** A flag's value is not usable; the message names the flag, the value and what it takes. */
export class OptionError extends UsageError {
  override name = 'OptionError';
}

const NUMBER = /^\d+(\.\d+)?$/;

function port(name: string, raw: string): void {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > 65_535) {
    throw new OptionError(`--${name} must be a port number from 1 to 65535, got "${raw}"`);
  }
}

function positive(name: string, raw: string, max = Number.MAX_SAFE_INTEGER): void {
  const value = Number(raw);
  if (!NUMBER.test(raw) || value <= 0 || value > max) {
    throw new OptionError(`--${name} must be a number above 0 and at most ${max}, got "${raw}"`);
  }
}

function httpUrl(name: string, raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OptionError(`--${name} must be a URL such as https://example.com/hook, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OptionError(`--${name} must be an http:// or https:// URL, got "${raw}"`);
  }
}

const CHECKS: Record<string, (name: string, raw: string) => void> = {
  port,
  'poll-interval': (name, raw) => positive(name, raw, 86_400),
  interval: (name, raw) => positive(name, raw, 86_400),
  'reconcile-interval': (name, raw) => positive(name, raw, 31 * 86_400),
  'scenario-speed': (name, raw) => positive(name, raw, 10_000),
  'retry-delay': (name, raw) => positive(name, raw, 600),
  webhook: httpUrl,
  'api-url': httpUrl,
  'data-dir': (_name, raw) => {
    dataDirPath(raw);
  },
  config: (name, raw) => {
    if (!existsSync(resolve(raw))) {
      throw new OptionError(`--${name} ${resolve(raw)} does not exist: give a serverless.yml`);
    }
  },
  region: (name, raw) => {
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(raw)) {
      throw new OptionError(`--${name} must be an AWS region such as eu-west-1, got "${raw}"`);
    }
  },
  stage: (name, raw) => {
    if (!/^[A-Za-z0-9-]+$/.test(raw)) {
      throw new OptionError(`--${name} must be a stage name (letters, digits, -), got "${raw}"`);
    }
  },
};

/** Every flag checked before a command creates or starts anything. */
export function validateOptions(command: string, options: Options): void {
  for (const [name, value] of Object.entries(options)) {
    if (typeof value === 'string') CHECKS[name]?.(name, value);
  }
  if (command === 'dashboard' && options['api-url'] === undefined) {
    throw new OptionError(
      'dashboard needs --api-url <deployed API URL>; the local stack (npm start) serves the dashboard itself at http://localhost:3000',
    );
  }
}
