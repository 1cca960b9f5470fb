/**
 * Runs alpy's benchmarks against Rabbit and prints each result with its
 * target and verdict, the machine, and whether other VMs ran meanwhile.
 * BENCHMARKS.md describes each benchmark. Rabbit must be built
 * (bash rabbit/build.sh) and the script runs as root.
 *
 *   npx tsx bench/run-all.ts [--only NAMES] [--wait-quiet MINUTES]
 *
 * NAMES is a comma-separated list of startup, wiring, links, app, capture,
 * rate and apps (default: all). --wait-quiet waits up to MINUTES for no other
 * QEMU system emulator to run on the host before measuring, checking every
 * 30 s, and measures anyway when the time is up. The report is also written
 * to alpy-output/bench/report-<time>.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { benchAppStart } from './app-start.ts';
import { benchCapture } from './capture.ts';
import { describeMachine, loadAverage, otherQemuProcesses } from './lib/machine.ts';
import { benchOutputDir } from './lib/rabbit.ts';
import { formatResults, type BenchResult } from './lib/results.ts';
import { startSharedDut } from './lib/shared-dut.ts';
import { benchRate } from './rate.ts';
import { benchAppScaling, benchLinkScaling } from './scaling.ts';
import { benchStartup } from './startup.ts';
import { benchWiring } from './wiring.ts';

const benchNames = ['startup', 'wiring', 'links', 'app', 'capture', 'rate', 'apps'] as const;
type BenchName = (typeof benchNames)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'wait-quiet': { type: 'string', default: '0' },
  },
});
const selected = new Set((values.only?.split(',') ?? benchNames).map((name) => name.trim()));
for (const name of selected) {
  if (!benchNames.includes(name as BenchName)) {
    console.error(`Unknown benchmark ${JSON.stringify(name)} in --only; valid names: ${benchNames.join(', ')}`);
    process.exit(2);
  }
}
const waitQuietMinutes = Number(values['wait-quiet']);
if (!Number.isFinite(waitQuietMinutes) || waitQuietMinutes < 0) {
  console.error(`Invalid --wait-quiet value: expected minutes, 0 or more, got ${JSON.stringify(values['wait-quiet'])}`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error('The benchmarks create taps and enter network namespaces: run them as root');
  process.exit(2);
}
process.env.ALPY_LOG ??= 'warn';

const log = (line: string): void => console.log(`bench: ${line}`);
const isSelected = (name: BenchName): boolean => selected.has(name);

if (waitQuietMinutes > 0) {
  const deadline = Date.now() + waitQuietMinutes * 60_000;
  while (otherQemuProcesses().length > 0 && Date.now() < deadline) {
    log(`waiting for ${otherQemuProcesses().length} other QEMU processes to end (load ${loadAverage()})`);
    await sleep(30_000);
  }
}

// Samples other VMs and the load every 5 s while the benchmarks run.
const otherVms = new Set<string>();
let maxLoad = 0;
const sample = (): void => {
  for (const line of otherQemuProcesses()) {
    otherVms.add(line);
  }
  maxLoad = Math.max(maxLoad, Number(loadAverage().split(' ')[0]));
};
const loadAtStart = loadAverage();
sample();
const sampler = setInterval(sample, 5000);

const started = Date.now();
const results: BenchResult[] = [];
try {
  if (isSelected('startup')) {
    results.push(...(await benchStartup(5, log)));
  }
  if (isSelected('wiring')) {
    results.push(...(await benchWiring(20, 3, log)));
  }
  if (isSelected('links')) {
    results.push(...(await benchLinkScaling([1, 2, 4, 8], 2, log)));
  }
  if (isSelected('app') || isSelected('capture') || isSelected('rate') || isSelected('apps')) {
    const shared = await startSharedDut();
    try {
      if (isSelected('app')) {
        results.push(...(await benchAppStart(shared, 7, log)));
      }
      if (isSelected('capture')) {
        results.push(...(await benchCapture(shared, log)));
      }
      if (isSelected('rate')) {
        results.push(...(await benchRate(shared, log)));
      }
      if (isSelected('apps')) {
        results.push(...(await benchAppScaling(shared, [1, 4, 16], 2, log)));
      }
    } finally {
      await shared.stop();
    }
  }
} finally {
  clearInterval(sampler);
}
sample();

const elapsed = (Date.now() - started) / 1000;
const report = [
  `# alpy benchmarks, ${new Date().toISOString()}`,
  '',
  formatResults(results),
  '',
  'machine:',
  ...describeMachine().map((line) => `  ${line}`),
  `  load average at start ${loadAtStart}, highest 1-minute load seen ${maxLoad.toFixed(2)}`,
  otherVms.size === 0
    ? '  other VMs: none ran during the benchmarks (pgrep -a qemu-system every 5 s)'
    : `  other VMs: ${otherVms.size} QEMU processes of others ran during the benchmarks:\n${[...otherVms].map((line) => `    ${line}`).join('\n')}`,
  `  benchmarks took ${elapsed.toFixed(0)} s`,
].join('\n');
console.log(`\n${report}`);
await mkdir(benchOutputDir, { recursive: true });
const reportFile = path.join(benchOutputDir, `report-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
await writeFile(reportFile, `${report}\n`);
console.log(`\nreport written to ${reportFile}`);
process.exit(results.every((result) => result.pass !== false) ? 0 : 1);
