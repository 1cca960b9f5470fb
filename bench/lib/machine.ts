import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

function firstLine(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).split('\n')[0]!.trim();
  } catch (error) {
    return `unknown (${(error as Error).message.split('\n')[0]})`;
  }
}

/** Describes the host: CPU, cores, memory, kernel, and the versions of QEMU, Docker and Node.js. */
export function describeMachine(): string[] {
  const cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return [
    `CPU: ${cpuModel}, ${os.cpus().length} cores`,
    `memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `kernel: ${os.release()}`,
    `QEMU: ${firstLine('qemu-system-x86_64', ['--version'])}, accelerator tcg`,
    `Docker: ${firstLine('docker', ['version', '--format', 'client {{.Client.Version}}, engine {{.Server.Version}}'])}`,
    `Node.js: ${process.version}`,
  ];
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which is in parentheses and may hold spaces.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Returns true when process `pid` is `ancestor` or one of its descendants. */
function descendsFrom(pid: number, ancestor: number): boolean {
  for (let current: number | undefined = pid; current !== undefined && current > 1; current = parentPid(current)) {
    if (current === ancestor) {
      return true;
    }
  }
  return false;
}

/** Returns the pid and command line of each running QEMU system emulator that this process did not start. */
export function otherQemuProcesses(): string[] {
  let output = '';
  try {
    output = execFileSync('pgrep', ['-a', 'qemu-system'], { encoding: 'utf8' });
  } catch {
    // pgrep exits with 1 when nothing matches.
    return [];
  }
  return output
    .split('\n')
    .filter((line) => line.trim() !== '' && !descendsFrom(Number(line.split(' ')[0]), process.pid))
    .map((line) => line.slice(0, 120));
}

/** Returns the 1, 5 and 15 minute load averages, e.g. `0.52 0.40 0.31`. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}
