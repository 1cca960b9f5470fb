/**
 * Scaling with the number of links and of app containers per link.
 *
 * - Links (1, 2, 4, 8): `startDut` of Rabbit with that many links, timed
 *   from the call to the login prompt, with the node container and wiring
 *   phases read from the times of alpy's log lines.
 * - App containers per link (1, 4, 16): on link 0 of a booted Rabbit, that
 *   many `link.run` calls at once until all resolved, then `remove` of all
 *   at once, as the fixtures remove a test's apps.
 *
 * A step grows faster than linearly when its cost per link or per
 * container at the largest size is more than 1.5 times the cost at the
 * smallest.
 */
import { startDut } from '../src/dut.ts';
import { AlpyLogRecorder } from './lib/alpy-log.ts';
import { benchRabbitConfig, toolsImage } from './lib/rabbit.ts';
import type { BenchResult } from './lib/results.ts';
import type { SharedDut } from './lib/shared-dut.ts';
import { epochNow, median, ms } from './lib/stats.ts';

const superlinearFactor = 1.5;

interface LinkScalingRun {
  total: number;
  containers: number;
  wiring: number;
  guestBoot: number;
  stop: number;
}

async function bootWithLinks(links: number): Promise<LinkScalingRun> {
  const recorder = new AlpyLogRecorder();
  try {
    const start = epochNow();
    const dut = await startDut(benchRabbitConfig(links));
    const booted = epochNow();
    await dut.stop();
    const stopped = epochNow();
    const runStarted = recorder.timeOf(/alpy:dut info: starting run/, start);
    const containersStarted = recorder.timeOf(/alpy:dut info: started \d+ node containers?/, start);
    const qemuPaused = recorder.timeOf(/alpy:dut info: QEMU started paused/, start);
    const wired = recorder.timeOf(/alpy:dut info: wired \d+ links?/, start);
    const running = recorder.timeOf(/alpy:dut info: \S+ is running/, start);
    return {
      total: booted - start,
      containers: containersStarted - runStarted,
      // startDut starts QEMU while Docker starts the node containers, and
      // wires the links once both are done, every link's moveTap in parallel.
      // The span includes QEMU's QMP and console connections (a few ms) when
      // QEMU came up last.
      wiring: wired - Math.max(containersStarted, qemuPaused),
      guestBoot: booted - running,
      stop: stopped - booted,
    };
  } finally {
    recorder.stop();
  }
}

/** Returns how much the cost per unit at the largest size exceeds the cost per unit at the smallest. */
function growth(sizes: number[], times: number[]): number {
  return times.at(-1)! / sizes.at(-1)! / (times[0]! / sizes[0]!);
}

/** Boots Rabbit with each number of links in `linkCounts`, `rounds` times each. */
export async function benchLinkScaling(linkCounts: number[], rounds: number, log: (line: string) => void): Promise<BenchResult[]> {
  const runs = new Map<number, LinkScalingRun[]>();
  for (let round = 0; round < rounds; round++) {
    for (const links of linkCounts) {
      const run = await bootWithLinks(links);
      runs.set(links, [...(runs.get(links) ?? []), run]);
      log(`links ${links}: boot ${ms(run.total)}, containers ${ms(run.containers)}, wiring ${ms(run.wiring)}, guest ${ms(run.guestBoot)}`);
    }
  }
  const medianOf = (links: number, key: keyof LinkScalingRun): number => median(runs.get(links)!.map((run) => run[key]));
  const containers = linkCounts.map((links) => medianOf(links, 'containers'));
  const wiring = linkCounts.map((links) => medianOf(links, 'wiring'));
  const containerGrowth = growth(linkCounts, containers);
  const wiringGrowth = growth(linkCounts, wiring);
  const curve = linkCounts.map(
    (links, index) =>
      `${links} link${links === 1 ? '' : 's'}: boot ${ms(medianOf(links, 'total'))}, node containers ${ms(containers[index]!)} (${ms(containers[index]! / links)}/link), ` +
      `wiring ${ms(wiring[index]!)} (${ms(wiring[index]! / links)}/link), guest boot ${ms(medianOf(links, 'guestBoot'))}, stop ${ms(medianOf(links, 'stop'))}`,
  );
  return [
    {
      name: `scaling with links (${linkCounts.join(', ')})`,
      measured: `per-link cost x${containerGrowth.toFixed(2)} containers, x${wiringGrowth.toFixed(2)} wiring`,
      target: `per-link cost <= x${superlinearFactor}`,
      pass: containerGrowth <= superlinearFactor && wiringGrowth <= superlinearFactor,
      details: [
        `startDut of Rabbit to the login prompt, median of ${rounds} per size; per-link cost at ${linkCounts.at(-1)} links over the cost at ${linkCounts[0]}`,
        ...curve,
      ],
    },
  ];
}

/** Starts and removes `counts` app containers at once on link 0 of `shared`, `rounds` times each. */
export async function benchAppScaling(shared: SharedDut, counts: number[], rounds: number, log: (line: string) => void): Promise<BenchResult[]> {
  const link = shared.link(0);
  const startTimes = new Map<number, number[]>();
  const removeTimes = new Map<number, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const count of counts) {
      const start = epochNow();
      const apps = await Promise.all(Array.from({ length: count }, () => link.run(toolsImage, 'exec sleep 600')));
      const started = epochNow();
      await Promise.all(apps.map((app) => app.remove()));
      const removed = epochNow();
      startTimes.set(count, [...(startTimes.get(count) ?? []), started - start]);
      removeTimes.set(count, [...(removeTimes.get(count) ?? []), removed - started]);
      log(`apps ${count}: start ${ms(started - start)}, remove ${ms(removed - started)}`);
    }
  }
  const starts = counts.map((count) => median(startTimes.get(count)!));
  const removes = counts.map((count) => median(removeTimes.get(count)!));
  const startGrowth = growth(counts, starts);
  const removeGrowth = growth(counts, removes);
  return [
    {
      name: `scaling with apps per link (${counts.join(', ')})`,
      measured: `per-app cost x${startGrowth.toFixed(2)} start, x${removeGrowth.toFixed(2)} remove`,
      target: `per-app cost <= x${superlinearFactor}`,
      pass: startGrowth <= superlinearFactor && removeGrowth <= superlinearFactor,
      details: [
        `link.run of N containers at once until all resolved, then remove of all at once; median of ${rounds} per size`,
        ...counts.map(
          (count, index) =>
            `${count} app${count === 1 ? '' : 's'}: start ${ms(starts[index]!)} (${ms(starts[index]! / count)}/app), remove ${ms(removes[index]!)} (${ms(removes[index]! / count)}/app)`,
        ),
      ],
    },
  ];
}
