import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const vitestBin = path.resolve(import.meta.dirname, '../../node_modules/vitest/vitest.mjs');

/** A Vitest run in a child process, with its output collected. */
export interface ChildRun {
  child: ChildProcess;
  /** Output so far, stdout and stderr together. */
  output: () => string;
  /** Resolves with the exit code, or the signal name when a signal ended it. */
  exited: Promise<number | string>;
  /** Resolves with the run id once the run logs it. */
  runId: Promise<string>;
}

/** Starts `vitest run` on the project in `root`, with `env` added to the environment. */
export function runVitest(root: string, env: Record<string, string> = {}, args: string[] = []): ChildRun {
  const child = spawn(process.execPath, [vitestBin, 'run', '--root', root, ...args], {
    env: { ...process.env, ...env, CI: 'true', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let resolveRunId: (id: string) => void = () => {};
  const runId = new Promise<string>((resolve) => (resolveRunId = resolve));
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    const match = /starting run ([0-9a-f]{6})/.exec(output);
    if (match) {
      resolveRunId(match[1]!);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return { child, output: () => output, exited, runId };
}
