/**
 * Start to first test body: `vitest run` of bench/first-test against Rabbit
 * with 2 links, timed from the spawn of Vitest to the first test body.
 *
 * The baseline is bench/raw-boot.mjs, a plain script that does the raw steps
 * of the same boot, timed from its spawn to the login prompt. Those steps are
 * node containers, a paused QEMU with alpy's command line, the taps moved,
 * `cont`, and the console read to the prompt.
 *
 * Runs alternate between the two, starting with the raw script. Each round
 * also times bench/empty-test, Vitest without alpy, as the floor that
 * Vitest's own start sets.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { resolveDutConfig } from '../src/config.ts';
import { newRunId } from '../src/dut.ts';
import { defaultNodeImage } from '../src/docker/node-image.ts';
import { buildQemuArgs, planLinks } from '../src/qemu/args.ts';
import { marksFileVariable, parseMarks } from './lib/marks.ts';
import { benchOutputDir, benchRabbitConfig } from './lib/rabbit.ts';
import type { BenchResult } from './lib/results.ts';
import { epochNow, median, ms, spread } from './lib/stats.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const vitestBin = path.join(repoRoot, 'node_modules/vitest/vitest.mjs');
const rawScript = path.join(import.meta.dirname, 'raw-boot.mjs');
const firstTestRoot = path.join(import.meta.dirname, 'first-test');
const emptyTestRoot = path.join(import.meta.dirname, 'empty-test');
const links = 2;
const target = 1.15;

/** Times of one alpy run, in ms from the spawn of Vitest. */
interface AlpyRun {
  firstTestBody: number;
  phases: Record<string, number>;
  guestBoot: number;
}

/** Times of one raw run, in ms from the spawn of the script. */
interface RawRun {
  booted: number;
  phases: Record<string, number>;
  guestBoot: number;
}

/** Runs a child process to its end and returns its output; throws with the output when it fails. */
function runChild(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited with code ${code}. Output:\n${output.slice(-4000)}`)),
    );
  });
}

/**
 * Returns the epoch time of the first alpy log line of `output` that
 * matches `pattern`. alpy's log lines start with the UTC time of day
 * (HH:MM:SS.mmm), which this places on the day of `start`.
 */
function logTime(output: string, pattern: RegExp, start: number): number {
  const line = output.split('\n').find((entry) => pattern.test(entry));
  const time = line === undefined ? undefined : /^(\d\d):(\d\d):(\d\d)\.(\d{3}) alpy:/.exec(line);
  if (!time) {
    throw new Error(`No alpy log line matching ${pattern} in the Vitest output:\n${output.slice(-4000)}`);
  }
  const day = new Date(start);
  day.setUTCHours(Number(time[1]), Number(time[2]), Number(time[3]), Number(time[4]));
  // A run that crosses midnight UTC logs a time of the next day.
  return day.getTime() < start - 3_600_000 ? day.getTime() + 86_400_000 : day.getTime();
}

/** Runs `vitest run` on the project in `root` and returns its output, its start time and a reader of its marks in ms from the start. */
async function runVitest(root: string): Promise<{ output: string; start: number; at: (name: string) => number }> {
  const marksDir = await mkdtemp(path.join(os.tmpdir(), 'alpy-bench-marks-'));
  const marksFile = path.join(marksDir, 'marks');
  try {
    const start = epochNow();
    const output = await runChild(process.execPath, [vitestBin, 'run', '--root', root], {
      [marksFileVariable]: marksFile,
      ALPY_LOG: 'info',
      FORCE_COLOR: '0',
    });
    const marks = parseMarks(await readFile(marksFile, 'utf8'));
    const at = (name: string): number => {
      const time = marks.get(name);
      if (time === undefined) {
        throw new Error(`Mark ${name} missing from the run of ${root}. Vitest output:\n${output.slice(-4000)}`);
      }
      return time - start;
    };
    return { output, start, at };
  } finally {
    await rm(marksDir, { recursive: true, force: true });
  }
}

/** Times Vitest without alpy: spawn to the first test body, with its phases. */
async function runEmpty(): Promise<{ firstTestBody: number; phases: Record<string, number> }> {
  const { at } = await runVitest(emptyTestRoot);
  return {
    firstTestBody: at('first-test-body'),
    phases: {
      'config loaded': at('config-loaded'),
      'worker started': at('worker-started'),
      'test file loaded': at('test-file-loaded'),
      'first test body': at('first-test-body'),
    },
  };
}

async function runAlpy(): Promise<AlpyRun> {
  const { output, start, at } = await runVitest(firstTestRoot);
  // alpy's log lines have millisecond resolution.
  const fromLog = (pattern: RegExp): number => logTime(output, pattern, start) - start;
  const cont = fromLog(/alpy:dut info: \S+ is running/);
  const booted = fromLog(/alpy:dut info: \S+ booted in/);
  return {
    firstTestBody: at('first-test-body'),
    guestBoot: booted - cont,
    phases: {
      'config loaded': at('config-loaded'),
      'global setup import started': at('global-setup-imported'),
      'global setup files imported': at('global-setup-entered'),
      'run started (preflight, Docker, sweeps done)': fromLog(/alpy:dut info: starting run/),
      'node containers started': fromLog(/alpy:dut info: started \d+ node containers?/),
      'QEMU paused, sockets up': fromLog(/alpy:dut info: QEMU started paused/),
      'links wired': fromLog(/alpy:dut info: wired \d+ links?/),
      'CPU started (cont)': cont,
      'login prompt seen': booted,
      'worker started': at('worker-started'),
      'test file loaded': at('test-file-loaded'),
      'first test body': at('first-test-body'),
    },
  };
}

async function runRaw(): Promise<RawRun> {
  const config = await resolveDutConfig(benchRabbitConfig(links), repoRoot);
  const runId = newRunId();
  const runDir = path.join(benchOutputDir, `raw-${runId}`);
  const plannedLinks = planLinks(config, runId, runDir);
  const socketDir = await mkdtemp(path.join(os.tmpdir(), `alpy-bench-${runId}-`));
  try {
    await runChild('mkdir', ['-p', runDir]);
    const paths = {
      qmpSocket: path.join(socketDir, 'qmp.sock'),
      consoleSocket: path.join(socketDir, 'console.sock'),
      pidFile: path.join(socketDir, 'qemu.pid'),
    };
    const plan = {
      qemu: config.qemu,
      args: buildQemuArgs(config, runId, plannedLinks, paths),
      taps: plannedLinks.map((link) => link.tap),
      qmpSocket: paths.qmpSocket,
      consoleSocket: paths.consoleSocket,
      nodeImage: defaultNodeImage,
      containerNames: plannedLinks.map((link) => `alpy-bench-${runId}-node${link.index}`),
      labels: { 'alpy.bench': runId },
      expect: config.boot.expect,
    };
    const planFile = path.join(socketDir, 'plan.json');
    await writeFile(planFile, JSON.stringify(plan));
    const start = epochNow();
    const output = await runChild(process.execPath, [rawScript, planFile]);
    const marks = parseMarks(output);
    const at = (name: string): number => {
      const time = marks.get(name);
      if (time === undefined) {
        throw new Error(`Mark ${name} missing from the output of ${rawScript}:\n${output}`);
      }
      return time - start;
    };
    return {
      booted: at('booted'),
      guestBoot: at('booted') - at('cont'),
      phases: {
        'node containers started': at('node-containers'),
        'QEMU paused, sockets up': at('qemu-paused'),
        'links wired': at('wired'),
        'CPU started (cont)': at('cont'),
        'login prompt seen': at('booted'),
      },
    };
  } finally {
    await rm(socketDir, { recursive: true, force: true });
  }
}

function medianPhases(runs: Array<{ phases: Record<string, number> }>): string[] {
  const names = Object.keys(runs[0]?.phases ?? {});
  return names.map((name) => `${name}: ${ms(median(runs.map((run) => run.phases[name]!)))}`);
}

/** Runs `rounds` alpy runs and `rounds` raw runs, alternating, and returns the result. */
export async function benchStartup(rounds: number, log: (line: string) => void): Promise<BenchResult[]> {
  const alpyRuns: AlpyRun[] = [];
  const rawRuns: RawRun[] = [];
  const emptyRuns: Array<{ firstTestBody: number; phases: Record<string, number> }> = [];
  const nodeStarts: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const raw = await runRaw();
    rawRuns.push(raw);
    const alpy = await runAlpy();
    alpyRuns.push(alpy);
    const empty = await runEmpty();
    emptyRuns.push(empty);
    const nodeStart = epochNow();
    await runChild(process.execPath, ['-e', '']);
    nodeStarts.push(epochNow() - nodeStart);
    log(
      `startup round ${round}/${rounds}: raw ${ms(raw.booted)} (guest ${ms(raw.guestBoot)}), alpy ${ms(alpy.firstTestBody)} (guest ${ms(alpy.guestBoot)}), ` +
        `Vitest alone ${ms(empty.firstTestBody)}`,
    );
  }

  const alpyTotal = median(alpyRuns.map((run) => run.firstTestBody));
  const rawTotal = median(rawRuns.map((run) => run.booted));
  const ratio = alpyTotal / rawTotal;

  const alpyGuest = median(alpyRuns.map((run) => run.guestBoot));
  const rawGuest = median(rawRuns.map((run) => run.guestBoot));
  const alpyHost = median(alpyRuns.map((run) => run.firstTestBody - run.guestBoot));
  const rawHost = median(rawRuns.map((run) => run.booted - run.guestBoot));
  const added = alpyHost - rawHost;
  // The guest's own boot varies from run to run. Setting it to the mean of
  // both medians compares the host-side time alone.
  const guest = (alpyGuest + rawGuest) / 2;
  const equalized = (alpyHost + guest) / (rawHost + guest);

  // The raw script pays the start of Node.js too, so Vitest's own share of
  // the added time is its time to the first test body without Node.js's start.
  const nodeStart = median(nodeStarts);
  const vitestOwn = median(emptyRuns.map((run) => run.firstTestBody)) - nodeStart;

  return [
    {
      name: 'start to first test body',
      measured: `${ratio.toFixed(3)}x (${ms(alpyTotal)} / ${ms(rawTotal)})`,
      target: `<= ${target}x`,
      pass: ratio <= target,
      details: [
        `alpy: spawn of \`vitest run\` to the first test body, ${spread(alpyRuns.map((run) => run.firstTestBody))}`,
        `raw: spawn of \`node bench/raw-boot.mjs\` to the login prompt, ${spread(rawRuns.map((run) => run.booted))}`,
        `guest boot (cont to login prompt): alpy median ${ms(alpyGuest)}, raw median ${ms(rawGuest)}`,
        `ratio with the guest boot set to ${ms(guest)} in both: ${equalized.toFixed(3)}x`,
        `host-side time (total minus guest boot): alpy median ${ms(alpyHost)}, raw median ${ms(rawHost)}, alpy adds ${ms(added)}`,
        `Vitest alone (bench/empty-test): spawn to first test body ${spread(emptyRuns.map((run) => run.firstTestBody))}; Node.js start (node -e '') ${spread(nodeStarts)}`,
        `of the ${ms(added)} added: Vitest's own start ${ms(vitestOwn)}, alpy ${ms(added - vitestOwn)} (imports, Docker and QEMU steps beyond the raw ones, fixtures)`,
        `alpy phases, median ms from spawn: ${medianPhases(alpyRuns).join('; ')}`,
        `raw phases, median ms from spawn: ${medianPhases(rawRuns).join('; ')}`,
        `Vitest alone phases, median ms from spawn: ${medianPhases(emptyRuns).join('; ')}`,
      ],
    },
  ];
}
