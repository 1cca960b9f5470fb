import { stat } from 'node:fs/promises';
import path from 'node:path';

import type { RunInfo } from '../run-info.ts';
import type { Mark, Traffic } from '../traffic/traffic.ts';
import { safeName, sliceFile, slicePcap } from './slice.ts';

/** Artifact type under which alpy records the evidence of a failed test. */
export const evidenceArtifactType = 'alpy:evidence';

/** One file of a failed test's evidence. */
export interface EvidenceFile {
  /** Name of the file's content, e.g. `link0.pcap` or `console.log`. */
  name: string;
  path: string;
  contentType: string;
}

/** Positions in the captures and the console log when a test started. */
export interface TestStart {
  consoleOffset: number;
  pcapMarks: Mark[];
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/**
 * Records the current end of the console log, and starts a new span of
 * every link's capture (`Traffic.restart`), which ends on a record boundary.
 */
export async function recordTestStart(info: RunInfo, traffic: (index: number) => Traffic): Promise<TestStart> {
  const consoleOffset = await sizeOf(info.consoleLog);
  const pcapMarks = await Promise.all(info.links.map((link) => traffic(link.index).restart()));
  return { consoleOffset, pcapMarks };
}

/** Returns `folder`, or `folder-2`, `folder-3`... when it exists, as after a rerun in watch mode. */
async function freshFolder(folder: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const candidate = attempt === 1 ? folder : `${folder}-${attempt}`;
    try {
      await stat(candidate);
    } catch {
      return candidate;
    }
  }
}

/**
 * Writes what the DUT printed and received on its console since `start`,
 * and the frames of `links` since `start`, to `<runDir>/failed/<file>/<test>/`.
 */
export async function writeEvidence(
  info: RunInfo,
  start: TestStart,
  test: { file: string; name: string },
  links: number[],
): Promise<EvidenceFile[]> {
  const folder = await freshFolder(path.join(info.runDir, 'failed', safeName(test.file), safeName(test.name)));
  const files: EvidenceFile[] = [];
  const consolePath = path.join(folder, 'console.log');
  if ((await sliceFile(info.consoleLog, consolePath, start.consoleOffset)) !== undefined) {
    files.push({ name: 'console.log', path: consolePath, contentType: 'text/plain' });
  }
  for (const index of [...links].sort((a, b) => a - b)) {
    const link = info.links[index];
    const mark = start.pcapMarks[index];
    if (!link || !mark) {
      continue;
    }
    const pcapPath = path.join(folder, `link${index}.pcap`);
    if ((await slicePcap(link.pcap, pcapPath, mark.offset)) !== undefined) {
      files.push({ name: `link${index}.pcap`, path: pcapPath, contentType: 'application/vnd.tcpdump.pcap' });
    }
  }
  return files;
}
