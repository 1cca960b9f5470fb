/**
 * Rate accuracy: tbf on Rabbit's eth1 (the egress towards link 1) shapes
 * to 1 Mbit/s, and an iperf3 TCP client on link 0 sends through Rabbit to
 * an iperf3 server on link 1.
 *
 * tbf charges each packet its length as it leaves eth1: Ethernet header,
 * IP and TCP headers and payload, with no preamble or FCS. iperf3 reports
 * goodput, TCP payload only, which is about 4.4 % less for full-size
 * segments. Two rates are compared with the configured one, both in
 * Ethernet frame bits per second:
 *
 * - iperf3: the server's received goodput times the ratio of frame bytes to
 *   payload bytes of the data frames that Rabbit sent on link 1.
 * - link 1 pcap: every frame that Rabbit sent on link 1 (everything tbf
 *   shaped) between 1 s after the first data frame, when iperf3's measured
 *   interval starts, and the last data frame, over that span.
 *
 * The pcap frames carry no FCS either, so both count what tbf counts.
 */
import type { CapturedFrame } from '../src/traffic/traffic.ts';
import { toolsImage } from './lib/rabbit.ts';
import type { BenchResult } from './lib/results.ts';
import { configureForwarding, hostAddress, type SharedDut } from './lib/shared-dut.ts';

const rateBitsPerSecond = 1_000_000;
const tolerance = 0.03;
const iperfPort = 5201;
const seconds = 3;
const omitSeconds = 1;

interface IperfReport {
  error?: string;
  end?: { sum_received?: { seconds: number; bytes: number; bits_per_second: number } };
}

function deviation(measured: number): number {
  return measured / rateBitsPerSecond - 1;
}

function percent(value: number): string {
  return `${value >= 0 ? '+' : ''}${(value * 100).toFixed(2)} %`;
}

/** Shapes link 1, runs iperf3 through Rabbit and compares the measured rates with the tbf rate. */
export async function benchRate(shared: SharedDut, log: (line: string) => void): Promise<BenchResult[]> {
  await configureForwarding(shared);
  // The bucket has room for 5000 bytes, about three full frames, and tbf queues up
  // to 500 ms of traffic. The client's 32 KiB socket buffers keep fewer
  // bytes in flight than that queue, so tbf drops nothing and the link
  // stays busy for the whole measurement.
  await shared.shell.runOk(`tc qdisc add dev eth1 root tbf rate ${rateBitsPerSecond / 1_000_000}mbit burst 5000 latency 500ms`);
  const [link0, link1] = [shared.link(0), shared.link(1)];

  const server = await link1.run(toolsImage, ['iperf3', '--server', '--port', String(iperfPort), '--one-off']);
  await link1.waitForPort(iperfPort);
  const mark = await link1.traffic.mark();
  const client = await link0.run(toolsImage, [
    'iperf3', '--client', hostAddress(1), '--port', String(iperfPort),
    '--time', String(seconds), '--omit', String(omitSeconds), '--window', '32K', '--json',
  ]);
  const exitCode = await client.wait({ timeout: (seconds + omitSeconds + 30) * 1000 });
  const { stdout } = await client.logs();
  const report = JSON.parse(stdout) as IperfReport;
  const received = report.end?.sum_received;
  if (exitCode !== 0 || report.error !== undefined || !received) {
    throw new Error(`iperf3 client failed with exit code ${exitCode}: ${report.error ?? 'no end totals'}`);
  }
  await server.wait({ timeout: 10_000 });

  const stats = await shared.shell.runOk('tc -s qdisc show dev eth1 root');
  const counters = /dropped (\d+), overlimits (\d+)/.exec(stats);
  const dropped = Number(counters?.[1] ?? Number.NaN);
  const overlimits = Number(counters?.[2] ?? Number.NaN);

  const rabbitMac = link1.dutMac;
  const fromRabbit = await link1.traffic.frames((frame) => frame.eth?.src === rabbitMac, { since: mark });
  const isData = (frame: CapturedFrame): boolean => frame.tcp?.dstPort === iperfPort && frame.tcp.payloadLength > 0;
  const data = fromRabbit.filter(isData);
  if (data.length === 0) {
    throw new Error('No iperf3 data frames from Rabbit found in the link 1 capture; check the iperf3 output and the forwarding on Rabbit');
  }
  const frameBytes = data.reduce((sum, frame) => sum + frame.originalLength, 0);
  const payloadBytes = data.reduce((sum, frame) => sum + frame.tcp!.payloadLength, 0);
  const overhead = frameBytes / payloadBytes;
  const iperfFrameRate = received.bits_per_second * overhead;

  const timeOf = (frame: CapturedFrame): number => Number(frame.timestampNs!) / 1e9;
  const windowStart = timeOf(data[0]!) + omitSeconds;
  const windowEnd = timeOf(data.at(-1)!);
  const windowBytes = fromRabbit
    .filter((frame) => timeOf(frame) > windowStart && timeOf(frame) <= windowEnd)
    .reduce((sum, frame) => sum + frame.originalLength, 0);
  const pcapRate = (windowBytes * 8) / (windowEnd - windowStart);

  const iperfDeviation = deviation(iperfFrameRate);
  const pcapDeviation = deviation(pcapRate);
  log(`rate: iperf3 ${Math.round(iperfFrameRate)} bit/s (${percent(iperfDeviation)}), pcap ${Math.round(pcapRate)} bit/s (${percent(pcapDeviation)})`);
  const common = [
    `tbf rate ${rateBitsPerSecond} bit/s burst 5000 latency 500ms on Rabbit's eth1; iperf3 TCP, ${seconds} s measured after ${omitSeconds} s omitted, 32 KiB window`,
    `tbf counters after the run: dropped ${dropped}, overlimits ${overlimits} (overlimits > 0: the queue was backlogged)`,
  ];
  return [
    {
      name: 'rate accuracy, iperf3',
      measured: `${percent(iperfDeviation)} (${Math.round(iperfFrameRate)} bit/s)`,
      target: `within ${tolerance * 100} %`,
      pass: Math.abs(iperfDeviation) <= tolerance,
      details: [
        ...common,
        `iperf3 goodput ${Math.round(received.bits_per_second)} bit/s over ${received.seconds.toFixed(2)} s, times frame/payload ratio ${overhead.toFixed(4)} from ${data.length} data frames = ${Math.round(iperfFrameRate)} bit/s of frames`,
        `goodput alone would read ${percent(deviation(received.bits_per_second))}, because it leaves out the headers that tbf counts`,
      ],
    },
    {
      name: 'rate accuracy, link 1 pcap',
      measured: `${percent(pcapDeviation)} (${Math.round(pcapRate)} bit/s)`,
      target: `within ${tolerance * 100} %`,
      pass: Math.abs(pcapDeviation) <= tolerance,
      details: [
        ...common,
        `${windowBytes} frame bytes from Rabbit on link 1 in ${(windowEnd - windowStart).toFixed(3)} s, from ${omitSeconds} s after the first data frame to the last, by pcap timestamps`,
      ],
    },
  ];
}
