import { mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';

import { PCAP_HEADER_LENGTH } from '../pcap/format.ts';

const copyChunkBytes = 1024 * 1024;

/**
 * Copies bytes `from` to the current end of `source` into `destination`,
 * after the first `prefixBytes` bytes of `source` (a file header). Returns
 * the number of bytes written, or undefined when `source` does not exist.
 */
export async function sliceFile(source: string, destination: string, from: number, prefixBytes = 0): Promise<number | undefined> {
  let size: number;
  try {
    size = (await stat(source)).size;
  } catch {
    return undefined;
  }
  await mkdir(path.dirname(destination), { recursive: true });
  const input = await open(source, 'r');
  const output = await open(destination, 'w');
  try {
    let written = 0;
    const ranges: Array<[number, number]> = [];
    if (prefixBytes > 0) {
      ranges.push([0, Math.min(prefixBytes, size)]);
    }
    ranges.push([Math.max(from, prefixBytes), size]);
    const buffer = Buffer.alloc(copyChunkBytes);
    for (const [start, end] of ranges) {
      for (let position = start; position < end; ) {
        const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, end - position), position);
        if (bytesRead === 0) {
          break;
        }
        await output.write(buffer.subarray(0, bytesRead));
        position += bytesRead;
        written += bytesRead;
      }
    }
    return written;
  } finally {
    await input.close();
    await output.close();
  }
}

/**
 * Writes the records of pcap `source` from byte `from` on, behind the
 * file's global header, as a pcap of its own. `from` must be a record
 * boundary; `Traffic.mark` returns one, since QEMU's filter-dump writes each
 * record with a single writev.
 */
export function slicePcap(source: string, destination: string, from: number): Promise<number | undefined> {
  return sliceFile(source, destination, from, PCAP_HEADER_LENGTH);
}

/** Turns a test or file name into a safe folder name. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'test';
}
