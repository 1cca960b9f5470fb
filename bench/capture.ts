/**
 * Capture completeness: 1000 pings from link 0 through Rabbit to the host on
 * link 1, 2 ms apart, and the ICMP echo frames in each link's pcap
 * afterwards. Every request and reply crosses both links, so each pcap must
 * contain 2000 of them when ping lost none. tcpdump in an app container on
 * each link counts the ICMP frames on the node's `eth0` at the same time, as
 * a reference that does not depend on QEMU's filter-dump.
 */
import type { CapturedFrame } from '../src/traffic/traffic.ts';
import { toolsImage } from './lib/rabbit.ts';
import type { BenchResult } from './lib/results.ts';
import { configureForwarding, hostAddress, type SharedDut } from './lib/shared-dut.ts';

const pings = 1000;
const intervalSeconds = 0.002;

interface PingSummary {
  transmitted: number;
  received: number;
}

function parsePing(output: string): PingSummary {
  const match = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(output);
  if (!match) {
    throw new Error(`No ping summary in its output:\n${output}`);
  }
  return { transmitted: Number(match[1]), received: Number(match[2]) };
}

/**
 * Returns the frames that passed tcpdump's filter, as the kernel's packet
 * socket counted them. tcpdump's "captured" count can be lower, since it
 * leaves out frames still in the ring buffer when it was stopped.
 */
function parseTcpdumpReceived(output: string): number {
  const match = /(\d+) packets? received by filter/.exec(output);
  if (!match) {
    throw new Error(`No "received by filter" line in tcpdump's output:\n${output}`);
  }
  const dropped = /(\d+) packets? dropped by kernel/.exec(output);
  if (dropped && Number(dropped[1]) > 0) {
    throw new Error(`tcpdump's reference count is incomplete because the kernel dropped ${dropped[1]} packets; rerun on a quieter host:\n${output}`);
  }
  return Number(match[1]);
}

/** Sends the pings and compares each link's pcap with ping's counters and with tcpdump. */
export async function benchCapture(shared: SharedDut, log: (line: string) => void): Promise<BenchResult[]> {
  await configureForwarding(shared);
  const [link0, link1] = [shared.link(0), shared.link(1)];
  const client = hostAddress(0);
  const server = hostAddress(1);

  // One ping fills the neighbour tables of both hosts and Rabbit, so the
  // counted frames are the echoes alone.
  const warm = await link0.run(toolsImage, `ping -c 1 -W 5 ${server}`);
  if ((await warm.wait()) !== 0) {
    throw new Error(`Ping from link 0 to ${server} through Rabbit failed: ${JSON.stringify(await warm.logs())}`);
  }

  const references = await Promise.all(
    [link0, link1].map(async (link) => {
      const tcpdump = await link.run(toolsImage, ['tcpdump', '-i', 'eth0', '-p', '-nn', '--immediate-mode', '-w', '/dev/null', 'icmp']);
      await tcpdump.waitForOutput('listening on eth0');
      return tcpdump;
    }),
  );
  const marks = await Promise.all([link0, link1].map((link) => link.traffic.mark()));

  const ping = await link0.run(toolsImage, `ping -q -i ${intervalSeconds} -c ${pings} -W 2 ${server}`);
  await ping.wait({ timeout: 60_000 });
  const pingOutput = await ping.logs();
  const summary = parsePing(pingOutput.stdout + pingOutput.stderr);

  // tcpdump prints its counters when it exits on SIGTERM.
  const referenceCounts: number[] = [];
  for (const tcpdump of references) {
    await tcpdump.stop({ timeout: 5 });
    const output = await tcpdump.logs();
    referenceCounts.push(parseTcpdumpReceived(output.stdout + output.stderr));
  }

  const isRequest = (frame: CapturedFrame): boolean => frame.icmp?.type === 8 && frame.ip?.src === client && frame.ip?.dst === server;
  const isReply = (frame: CapturedFrame): boolean => frame.icmp?.type === 0 && frame.ip?.src === server && frame.ip?.dst === client;
  const rows = [];
  for (const [index, link] of [link0, link1].entries()) {
    const since = marks[index]!;
    const requests = await link.traffic.count(isRequest, { since });
    const replies = await link.traffic.count(isReply, { since });
    const allIcmp = await link.traffic.count((frame) => frame.icmp !== undefined, { since });
    rows.push({ index, requests, replies, allIcmp, reference: referenceCounts[index]! });
  }

  const expected = 2 * pings;
  const lossless = summary.transmitted === pings && summary.received === pings;
  const complete = rows.every((row) => row.requests + row.replies === expected && row.allIcmp === row.reference);
  const worst = Math.min(...rows.map((row) => (row.requests + row.replies) / expected));
  log(`capture: ${rows.map((row) => `link ${row.index} ${row.requests + row.replies}/${expected}`).join(', ')}; ping ${summary.received}/${summary.transmitted}`);
  return [
    {
      name: 'capture completeness',
      measured: `${(worst * 100).toFixed(2)} % (${rows.map((row) => `link ${row.index}: ${row.requests + row.replies}/${expected}`).join(', ')})`,
      target: '100 %',
      pass: lossless && complete,
      details: [
        `ping -q -i ${intervalSeconds} -c ${pings} from link 0 (${client}) to link 1 (${server}) through Rabbit: ${summary.transmitted} transmitted, ${summary.received} received`,
        ...rows.map(
          (row) =>
            `link ${row.index} pcap: ${row.requests} echo requests + ${row.replies} echo replies; all ICMP frames ${row.allIcmp}, tcpdump on the node's eth0 counted ${row.reference} (received by filter)`,
        ),
        ...(lossless ? [] : ['ping lost echoes, so fewer than 2000 frames crossed each link: this run says nothing about capture completeness']),
      ],
    },
  ];
}
