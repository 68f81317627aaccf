/**
 * DynamoDB refuses items over 400 KB. The estimate below (UTF-8 JSON of the item) is above
 * DynamoDB's own count for the shapes irwatch stores, and the limit keeps a margin besides.
 */
export const ITEM_SIZE_LIMIT = 350_000;

export const estimateItemSize = (item: unknown): number =>
  Buffer.byteLength(JSON.stringify(item), 'utf8');

export type Trimmer<T> = readonly [name: string, trim: (item: T) => T];

/**
 * Applies trimmers in order until the item fits, recording what was cut in `trimmed`, so an
 * oversized job is stored and says so instead of failing.
 */
export function fitItem<T extends { trimmed?: string[] }>(
  item: T,
  trimmers: ReadonlyArray<Trimmer<T>>,
  limit = ITEM_SIZE_LIMIT,
): T {
  let current = item;
  const trimmed: string[] = [];
  let size = estimateItemSize(current);
  for (const [name, trim] of trimmers) {
    if (size <= limit) break;
    current = trim(current);
    const trimmedSize = estimateItemSize(current);
    // Only what actually shrank the item is reported as cut.
    if (trimmedSize < size && !trimmed.includes(name)) trimmed.push(name);
    size = trimmedSize;
  }
  if (size > limit) {
    throw new Error(`Item still exceeds ${limit} bytes after trimming ${trimmed.join(', ')}`);
  }
  return trimmed.length > 0 ? { ...current, trimmed } : current;
}

const MAX_TEXT = 4_000;

export const truncateText = (value: string | null): string | null =>
  value !== null && value.length > MAX_TEXT
    ? `${value.slice(0, MAX_TEXT)}… [${value.length - MAX_TEXT} characters cut]`
    : value;
