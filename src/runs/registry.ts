import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createLogger } from '../log.ts';

const log = createLogger('cleanup');
const reaperScript = path.join(import.meta.dirname, 'reaper.sh');

/** Record of a run's resources, written to its record file for the reaper. */
export interface RunRecord {
  runId: string;
  ownerPid: number;
  /** Start time of the owner, from /proc/PID/stat, so a reused pid is not taken for the owner. */
  ownerStart: string;
  qemuPid?: number;
  privateDir?: string;
}

/** Folder of run records: `ALPY_STATE_DIR`, else /run/alpy, else a folder in the temp dir. */
export function stateDir(): string {
  const candidates = [process.env.ALPY_STATE_DIR, '/run/alpy', path.join(os.tmpdir(), 'alpy-state')].filter(
    (dir): dir is string => dir !== undefined && dir !== '',
  );
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return dir;
    } catch {
      // Not writable here; try the next folder.
    }
  }
  throw new Error(`No writable folder for alpy's run records among ${candidates.join(', ')}`);
}

/** Returns the start time of process `pid` from /proc, or undefined when it does not exist. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The record of one run and its reaper. */
export class RunRegistration {
  readonly path: string;

  private constructor(private record: RunRecord) {
    this.path = path.join(stateDir(), `${record.runId}.run`);
  }

  /**
   * Writes the record of run `runId` owned by this process and starts a
   * detached reaper that releases the run if this process dies first.
   */
  static open(runId: string): RunRegistration {
    const registration = new RunRegistration({ runId, ownerPid: process.pid, ownerStart: processStartTime(process.pid) ?? '' });
    registration.write();
    const reaper = spawn('bash', [reaperScript, 'watch', registration.path], { detached: true, stdio: 'ignore' });
    reaper.unref();
    log.debug(`reaper of run ${runId} started (pid ${reaper.pid})`);
    return registration;
  }

  /** Adds `fields` to the record. */
  update(fields: Partial<RunRecord>): void {
    this.record = { ...this.record, ...fields };
    this.write();
  }

  /** Releases the run at once and synchronously; usable from an `exit` handler. The watching reaper still runs its late sweep. */
  releaseNow(): void {
    spawnSync('bash', [reaperScript, 'now', this.path, '--keep-record'], { stdio: 'ignore' });
  }

  /** Removes the record after a normal stop; the watching reaper then exits. */
  close(): void {
    rmSync(this.path, { force: true });
  }

  private write(): void {
    const { runId, ownerPid, ownerStart, qemuPid, privateDir } = this.record;
    const lines = [`RUN_ID=${runId}`, `OWNER_PID=${ownerPid}`, `OWNER_START=${ownerStart}`];
    if (qemuPid !== undefined) {
      lines.push(`QEMU_PID=${qemuPid}`);
    }
    if (privateDir !== undefined) {
      lines.push(`PRIVATE_DIR=${privateDir}`);
    }
    // Write and rename, so that a sweep by another run never reads half a record.
    const partial = `${this.path}.partial`;
    writeFileSync(partial, `${lines.join('\n')}\n`, { mode: 0o600 });
    renameSync(partial, this.path);
  }
}

/**
 * Releases runs whose owner process is gone and whose reaper did not run,
 * for example after a reboot or a SIGKILL of the reaper. Returns their ids.
 */
export function sweepDeadRecords(): string[] {
  const dir = stateDir();
  const released: string[] = [];
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.run'))) {
    const file = path.join(dir, name);
    const fields = Object.fromEntries(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const ownerPid = Number(fields.OWNER_PID);
    if (processStartTime(ownerPid) === fields.OWNER_START) {
      continue;
    }
    log.warn(`releasing run ${fields.RUN_ID}, whose process ${ownerPid} is gone`);
    spawnSync('bash', [reaperScript, 'now', file], { stdio: 'ignore' });
    released.push(fields.RUN_ID ?? name);
  }
  return released;
}
