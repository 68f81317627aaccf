/**
 * Something the user fixes (a flag, an argument, a value): the CLI prints its message in one line
 * and exits 1, with no stack trace. Every command's own user errors extend it.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
