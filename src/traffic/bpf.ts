import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { AlpyError } from '../errors.ts';
import { slicePcap } from '../evidence/slice.ts';
import { PCAP_HEADER_LENGTH } from '../pcap/format.ts';
import { readPcapFile } from '../pcap/reader.ts';
import type { PcapRecord } from '../pcap/format.ts';
import { describeFailure, runCommand } from '../run-command.ts';

/** tcpdump rejected a filter expression. */
export class FilterError extends AlpyError {
  override name = 'FilterError';
}

function sameRecord(a: PcapRecord, b: PcapRecord): boolean {
  return a.timestampNs === b.timestampNs && a.capturedLength === b.capturedLength && Buffer.compare(a.data, b.data) === 0;
}

/**
 * Returns the file offsets of the records of `pcap`, from byte `from` on,
 * that match the pcap-filter expression `filter` (as `tcpdump` takes it).
 * tcpdump evaluates the filter on a copy of that part of the file. Its
 * output keeps the records' order, so each match is found again by walking
 * both files together.
 */
export async function matchFilter(pcap: string, from: number, filter: string): Promise<Set<number>> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'alpy-filter-'));
  try {
    const slice = path.join(folder, 'slice.pcap');
    const matched = path.join(folder, 'matched.pcap');
    if ((await slicePcap(pcap, slice, from)) === undefined) {
      return new Set();
    }
    const result = await runCommand('tcpdump', ['-r', slice, '-w', matched, filter]);
    if (result.exitCode !== 0) {
      // tcpdump names the file it reads before its error; only the error matters here.
      const message = describeFailure(result)
        .split('\n')
        .filter((line) => !line.startsWith('reading from file'))
        .join('\n');
      throw new FilterError(`tcpdump rejected the filter ${JSON.stringify(filter)}: ${message}`);
    }
    const all = (await readPcapFile(slice)).records;
    const hits = (await readPcapFile(matched)).records;
    const offsets = new Set<number>();
    let next = 0;
    for (const record of all) {
      const hit = hits[next];
      if (hit && sameRecord(record, hit)) {
        offsets.add(record.offset - PCAP_HEADER_LENGTH + Math.max(from, PCAP_HEADER_LENGTH));
        next++;
      }
    }
    return offsets;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
