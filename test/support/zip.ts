import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  compressedBytes: number;
  bytes: number;
  /** The file's bytes, unpacked as Lambda unpacks them. */
  content(): Buffer;
}

/**
 * The entries of a zip archive as osls writes them (stored or deflated, no zip64: Lambda zips
 * are small), read through its central directory.
 */
export function zipEntries(path: string): ZipEntry[] {
  const data = readFileSync(path);
  let end = data.length - 22;
  while (end >= 0 && data.readUInt32LE(end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error(`${path} is not a zip file`);
  const count = data.readUInt16LE(end + 10);
  let offset = data.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let index = 0; index < count; index += 1) {
    if (data.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${path}: bad central directory`);
    const method = data.readUInt16LE(offset + 10);
    const compressedBytes = data.readUInt32LE(offset + 20);
    const nameLength = data.readUInt16LE(offset + 28);
    const name = data.toString('utf8', offset + 46, offset + 46 + nameLength);
    const local = data.readUInt32LE(offset + 42);
    entries.push({
      name,
      compressedBytes,
      bytes: data.readUInt32LE(offset + 24),
      content: () => {
        const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
        const raw = data.subarray(start, start + compressedBytes);
        if (method === 0) return Buffer.from(raw);
        if (method === 8) return inflateRawSync(raw);
        throw new Error(`${path}: ${name} uses compression method ${method}`);
      },
    });
    offset += 46 + nameLength + data.readUInt16LE(offset + 30) + data.readUInt16LE(offset + 32);
  }
  return entries;
}
