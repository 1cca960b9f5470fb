/**
 * Boots and stops Rabbit many times and reports whether anything leaked:
 * containers, taps, QEMU or reaper processes, temp folders, run records,
 * and this process's own file descriptors.
 *
 *   npx tsx bench/soak.ts [runs]      (default 50; Rabbit must be built)
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';

import { startDut } from '../src/dut.ts';
import { stateDir } from '../src/runs/registry.ts';
import { nothingLeft, waitForCleanHost } from '../test/helpers/leftovers.ts';
import { rabbitConfig } from '../test/helpers/rabbit.ts';

process.env.ALPY_LOG ??= 'warn';
const runs = Number(process.argv[2] ?? 50);

/** Counts what any alpy run could have left on the host. */
function hostSnapshot(): Record<string, number> {
  return {
    taps: readdirSync('/sys/class/net').filter((name) => /^alpy[0-9a-f]{6}t\d+$/.test(name)).length,
    tempDirs: readdirSync(os.tmpdir()).filter((name) => /^alpy-[0-9a-f]{6}-/.test(name)).length,
    records: readdirSync(stateDir()).filter((name) => name.endsWith('.run')).length,
    openFiles: readdirSync('/proc/self/fd').length,
  };
}

let before = hostSnapshot();
const bootTimes: number[] = [];
const leaks: string[] = [];
for (let run = 1; run <= runs; run++) {
  const started = Date.now();
  const dut = await startDut(rabbitConfig({ links: 2 }));
  bootTimes.push(Date.now() - started);
  await dut.stop();
  const left = await waitForCleanHost(dut.info.runId, 10_000);
  if (JSON.stringify(left) !== JSON.stringify(nothingLeft)) {
    leaks.push(`run ${run} (${dut.info.runId}): ${JSON.stringify(left)}`);
  }
  if (run === 1) {
    // The first run opens descriptors that live as long as the process (the
    // Docker client's socket), so descriptors count from after it.
    before = { ...before, openFiles: hostSnapshot().openFiles ?? 0 };
  }
  process.stdout.write(`\rsoak: ${run}/${runs} runs, ${leaks.length} leaked`);
}
const after = hostSnapshot();

bootTimes.sort((a, b) => a - b);
const median = bootTimes[Math.floor(bootTimes.length / 2)] ?? 0;
console.log(`\nsoak: ${runs} boots of Rabbit with 2 links, boot to login prompt median ${median} ms, max ${bootTimes.at(-1)} ms`);
console.log(`soak: host before ${JSON.stringify(before)} (host-wide counts include other runs)`);
console.log(`soak: host after  ${JSON.stringify(after)}`);
for (const leak of leaks) {
  console.log(`soak: leak: ${leak}`);
}
// Other runs on the host change the host-wide counts, so only this
// process's descriptors and each run's own leftovers decide the verdict.
const descriptorsGrew = (after.openFiles ?? 0) > (before.openFiles ?? 0);
if (leaks.length > 0 || descriptorsGrew) {
  console.log(`soak: FAILED: ${leaks.length} runs leaked${descriptorsGrew ? ', and open file descriptors grew' : ''}`);
  process.exit(1);
}
console.log('soak: nothing leaked');
