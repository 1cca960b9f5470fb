import { expect, test } from 'alpy/fixtures';
import type { CapturedFrame } from 'alpy';

import {
  addresses,
  addressScript,
  configureHost,
  iperfPort,
  rabbitShell,
  resetRabbit,
  runIperfClient,
  runScript,
  startIperfServer,
  type IperfClientOptions,
} from './carrot/index.ts';

const server = addresses(1);

// tc reads 1mbit as 1,000,000 bit/s.
const limitBitsPerSecond = 1_000_000;
const tolerance = 0.05;

// iperf3 sends for 1 s of warm-up, which it leaves out of its totals so that
// TCP slow start and the token bucket's initial burst do not count, then
// measures 3 s. The 64 KiB socket buffers (`--window`) keep at most about
// 64 KiB in flight, less than the 125 KB that tbf queues (below), so tbf
// drops nothing. A drop holds back the data behind it at the receiver until
// the retransmission has crossed the whole queue, and 3 s runs that had
// drops measured up to 7 % off the shaped rate.
const measurement: IperfClientOptions = { seconds: 3, omitSeconds: 1, window: '64K' };

test('forwards above the limit unshaped', async ({ dut, link }) => {
  const shell = await rabbitShell(dut);
  await resetRabbit(shell, dut.info.links.length);
  await runScript(shell, '/tmp/forward.sh', addressScript([0, 1], { forwarding: true }));
  await configureHost(link(0));
  await configureHost(link(1));

  await startIperfServer(link(1));
  // The client sends at most 10 Mbit/s, ten times the limit, which keeps the
  // captures small.
  const result = await runIperfClient(link(0), server.host, { ...measurement, bitrate: '10M' });

  // Without a qdisc of the test on eth1 the same path carries more than five
  // times the limit, so the shaped test below measures tbf and not a
  // bottleneck elsewhere in the emulated path.
  console.info(`rate-limit: goodput ${Math.round(result.receivedBitsPerSecond)} bit/s without shaping`);
  expect(result.receivedBitsPerSecond, 'goodput without shaping, bit/s').toBeGreaterThan(5 * limitBitsPerSecond);
});

test('tbf shapes link 1 to 1 Mbit/s', async ({ dut, link }) => {
  const shell = await rabbitShell(dut);
  await resetRabbit(shell, dut.info.links.length);
  await runScript(shell, '/tmp/forward.sh', addressScript([0, 1], { forwarding: true }));
  // The bucket size (burst) is 5000 bytes, about three full frames. tbf
  // queues up to 1 s of traffic at the rate, 125 KB, and drops what does not
  // fit.
  await runScript(shell, '/tmp/shape.sh', `tc qdisc add dev ${server.interface} root tbf rate 1mbit burst 5000 latency 1s\n`);
  await configureHost(link(0));
  await configureHost(link(1));

  await startIperfServer(link(1));
  const result = await runIperfClient(link(0), server.host, measurement);

  // tbf counts whole frames as they leave eth1: Ethernet header, IP and TCP
  // headers, and payload (the kernel's frame has no FCS). iperf3 counts TCP
  // payload only. The link 1 capture gives the ratio of frame bytes to
  // payload bytes of the data that Rabbit sent to the server, and goodput
  // times that ratio is the rate that tbf limits. With 1448-byte segments in
  // 1514-byte frames the ratio is about 1.046, so comparing goodput with the
  // limit directly would be off by about 4.4 %, most of the tolerance.
  const isDataFromRabbit = (frame: CapturedFrame) =>
    frame.eth?.src === link(1).dutMac && frame.tcp?.dstPort === iperfPort && frame.tcp.payloadLength > 0;
  const data = await link(1).traffic.frames(isDataFromRabbit);
  const frameBytes = data.reduce((sum, frame) => sum + frame.originalLength, 0);
  const payloadBytes = data.reduce((sum, frame) => sum + frame.tcp!.payloadLength, 0);
  expect(payloadBytes, 'TCP payload bytes to the iperf3 server in the link 1 capture').toBeGreaterThan(0);
  const overhead = frameBytes / payloadBytes;
  const frameBitsPerSecond = result.receivedBitsPerSecond * overhead;

  // tbf's counters go into the messages, since a drop would explain a low rate.
  const stats = await shell.runOk(`tc -s qdisc show dev ${server.interface} root`);
  const measured =
    `goodput ${Math.round(result.receivedBitsPerSecond)} bit/s × frame overhead ${overhead.toFixed(4)} = ` +
    `${Math.round(frameBitsPerSecond)} bit/s on link 1`;
  console.info(`rate-limit: ${measured}`);
  expect(frameBitsPerSecond, `${measured}, limit ${limitBitsPerSecond} bit/s - 5 %; qdisc:\n${stats}`).toBeGreaterThan(
    limitBitsPerSecond * (1 - tolerance),
  );
  expect(frameBitsPerSecond, `${measured}, limit ${limitBitsPerSecond} bit/s + 5 %; qdisc:\n${stats}`).toBeLessThan(
    limitBitsPerSecond * (1 + tolerance),
  );

  // tbf held packets back for tokens ("overlimits") and dropped none, so the
  // link was busy for the whole measurement.
  const counters = /dropped (\d+), overlimits (\d+)/.exec(stats);
  expect(counters, `tbf statistics:\n${stats}`).not.toBeNull();
  expect(Number(counters![1]), `packets that tbf dropped:\n${stats}`).toBe(0);
  expect(Number(counters![2]), `packets that tbf held back:\n${stats}`).toBeGreaterThan(0);
});
