/**
 * `link(n).run(...)` to the app's first output, against `docker run` of the
 * same image and command in the same node's namespace. The command prints
 * `ready` and then sleeps; each way is timed from its call until `ready`
 * shows in the container's output:
 *
 * - alpy: `await link.run(image, command)` then `await app.waitForOutput('ready')`.
 * - docker run: `docker run --rm --network container:<node> image sh -c command`,
 *   started by this process, until `ready` arrives on its standard output.
 *
 * Removing the containers afterwards is not timed. Rounds alternate between
 * the two ways.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

import type { SharedDut } from './lib/shared-dut.ts';
import { toolsImage } from './lib/rabbit.ts';
import type { BenchResult } from './lib/results.ts';
import { epochNow, median, ms, spread } from './lib/stats.ts';

const run = promisify(execFile);
const target = 1.1;
const command = 'echo ready; exec sleep 600';

async function startWithAlpy(shared: SharedDut): Promise<{ total: number; runResolved: number }> {
  const link = shared.link(0);
  const start = epochNow();
  const app = await link.run(toolsImage, command);
  const runResolved = epochNow() - start;
  await app.waitForOutput('ready', { timeout: 30_000 });
  const total = epochNow() - start;
  await app.remove();
  return { total, runResolved };
}

async function startWithDockerRun(shared: SharedDut, name: string): Promise<number> {
  const node = shared.dut.info.links[0]!.node;
  const start = epochNow();
  const child = spawn('docker', ['run', '--rm', '--name', name, '--label', 'alpy.bench=app-start', '--network', `container:${node.id}`, toolsImage, 'sh', '-c', command], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready')) {
          resolve();
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', (code) => reject(new Error(`docker run exited with code ${code} before printing ready. Output:\n${output}`)));
    });
    return epochNow() - start;
  } finally {
    await run('docker', ['rm', '--force', name]).catch(() => undefined);
    await exited;
  }
}

/** Times `rounds` app starts each way on link 0 of `shared`. */
export async function benchAppStart(shared: SharedDut, rounds: number, log: (line: string) => void): Promise<BenchResult[]> {
  const alpyTimes: number[] = [];
  const runResolved: number[] = [];
  const dockerTimes: number[] = [];
  // One start of each, untimed, so that the image's layers and the Docker
  // client binary are in the page cache for both.
  await startWithAlpy(shared);
  await startWithDockerRun(shared, `alpy-bench-${shared.dut.info.runId}-warm`);
  for (let round = 0; round < rounds; round++) {
    dockerTimes.push(await startWithDockerRun(shared, `alpy-bench-${shared.dut.info.runId}-app${round}`));
    const alpy = await startWithAlpy(shared);
    alpyTimes.push(alpy.total);
    runResolved.push(alpy.runResolved);
  }

  const alpy = median(alpyTimes);
  const docker = median(dockerTimes);
  const ratio = alpy / docker;
  log(`app start: alpy ${ms(alpy)}, docker run ${ms(docker)}`);

  return [
    {
      name: 'link.run to first output',
      measured: `${ratio.toFixed(3)}x (${ms(alpy)} / ${ms(docker)})`,
      target: `<= ${target}x`,
      pass: ratio <= target,
      details: [
        `alpy, link.run then waitForOutput('ready'): ${spread(alpyTimes)}; link.run itself resolved after ${spread(runResolved)}`,
        `docker run --rm --network container:<node> until ready on its stdout: ${spread(dockerTimes)}`,
        `command: sh -c '${command}' in ${toolsImage}; one untimed start of each first`,
      ],
    },
  ];
}
