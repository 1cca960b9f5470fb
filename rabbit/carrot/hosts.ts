import type { AppContainer, Link } from 'alpy';

import { addresses } from './addresses.ts';

/** Docker image of the app containers, built by rabbit/build.sh. */
export const toolsImage = 'rabbit-tools:latest';

/** TCP port that iperf3 servers listen on, iperf3's default. */
export const iperfPort = 5201;

/**
 * Gives the link's namespace the first host address of the plan and a
 * default route through Rabbit. Every app container on the link shares it.
 */
export async function configureHost(link: Link): Promise<void> {
  const plan = addresses(link.index);
  await link.ip('addr', 'add', `${plan.host}/${plan.prefixLength}`, 'dev', 'eth0');
  await link.ip('route', 'add', 'default', 'via', plan.rabbit);
}

/**
 * Starts busybox httpd on `port` (80 by default) of `link`, serving one page
 * whose body is `body`, and waits until it listens. httpd runs with `-vv`,
 * so its output is an access log that `accessLogClients` reads.
 */
export async function startWebServer(link: Link, body: string, options: { port?: number } = {}): Promise<AppContainer> {
  const port = options.port ?? 80;
  const command = `mkdir -p /www && printf '%s\\n' "$BODY" > /www/index.html && exec busybox httpd -f -vv -p ${port} -h /www`;
  const server = await link.run(toolsImage, command, { env: [`BODY=${body}`] });
  await link.waitForPort(port);
  return server;
}

/**
 * Returns the client address of each request in the access log of a server
 * started by `startWebServer`, in order. busybox httpd 1.35 logs a request
 * as `[::ffff:198.18.1.1]:40312: url:/`, because it listens on an IPv6
 * socket that also accepts IPv4.
 */
export async function accessLogClients(server: AppContainer): Promise<string[]> {
  const { stderr } = await server.logs();
  return [...stderr.matchAll(/^\[(?:::ffff:)?([^\]]+)\]:\d+: url:/gm)].map((match) => match[1]!);
}

/** Starts an iperf3 server on `link` and waits until it listens on `iperfPort`. */
export async function startIperfServer(link: Link): Promise<AppContainer> {
  const server = await link.run(toolsImage, ['iperf3', '--server', '--port', String(iperfPort)]);
  await link.waitForPort(iperfPort);
  return server;
}

/** Totals of one TCP iperf3 test, read from the `end` object of `iperf3 --json`. */
export interface IperfResult {
  /** Seconds measured, without the omitted ones. */
  seconds: number;
  /** TCP payload bytes that the server received in `seconds`. */
  receivedBytes: number;
  /** `receivedBytes` per second, in bit/s: the goodput. */
  receivedBitsPerSecond: number;
  /** TCP payload bytes per second that the client wrote, in bit/s. */
  sentBitsPerSecond: number;
}

interface IperfReport {
  error?: string;
  end?: {
    sum_sent?: { bits_per_second: number };
    sum_received?: { seconds: number; bytes: number; bits_per_second: number };
  };
}

/** Options of `runIperfClient`. */
export interface IperfClientOptions {
  /** Seconds measured (`--time`). */
  seconds: number;
  /** Seconds of warm-up before them, left out of the totals (`--omit`). */
  omitSeconds: number;
  /** Cap on the payload rate that the client sends, such as `10M` (`--bitrate`). Without it, the client sends as fast as TCP allows. */
  bitrate?: string;
  /** Socket buffer size of client and server, such as `64K` (`--window`), which bounds the bytes in flight. */
  window?: string;
}

/**
 * Runs an iperf3 client on `link` that sends TCP to `server` and returns the
 * totals. When the test fails, throws with iperf3's error message, or with
 * its output when it wrote no JSON report.
 */
export async function runIperfClient(link: Link, server: string, options: IperfClientOptions): Promise<IperfResult> {
  const command = [
    'iperf3',
    '--client',
    server,
    '--port',
    String(iperfPort),
    '--time',
    String(options.seconds),
    '--omit',
    String(options.omitSeconds),
    ...(options.bitrate === undefined ? [] : ['--bitrate', options.bitrate]),
    ...(options.window === undefined ? [] : ['--window', options.window]),
    '--json',
  ];
  const client = await link.run(toolsImage, command);
  const exitCode = await client.wait({ timeout: (options.seconds + options.omitSeconds + 30) * 1000 });
  const { stdout, stderr } = await client.logs();
  let report: IperfReport;
  try {
    report = JSON.parse(stdout) as IperfReport;
  } catch {
    throw new Error(`iperf3 client on link ${link.index} exited with code ${exitCode} without a JSON report. Output:\n${stdout}${stderr}`);
  }
  const received = report.end?.sum_received;
  const sent = report.end?.sum_sent;
  if (exitCode !== 0 || report.error !== undefined || !received || !sent) {
    throw new Error(`iperf3 client on link ${link.index} failed with exit code ${exitCode}: ${report.error ?? 'no end totals in the report'}`);
  }
  return {
    seconds: received.seconds,
    receivedBytes: received.bytes,
    receivedBitsPerSecond: received.bits_per_second,
    sentBitsPerSecond: sent.bits_per_second,
  };
}

/**
 * Runs busybox udhcpc on `link` until it obtains a lease, or gives up after
 * 5 DISCOVERs 2 s apart, and returns its exit code (0 with a lease) and output.
 * Debian's udhcpc script `/etc/udhcpc/default.script` assigns the leased
 * address and default route to `eth0` of the link's namespace, which needs
 * `NET_ADMIN`.
 */
export async function runDhcpClient(link: Link): Promise<{ exitCode: number; output: string }> {
  const command = ['udhcpc', '-i', 'eth0', '-s', '/etc/udhcpc/default.script', '-f', '-q', '-n', '-t', '5', '-T', '2'];
  const client = await link.run(toolsImage, command, { capAdd: ['NET_ADMIN'] });
  const exitCode = await client.wait({ timeout: 30_000 });
  const { stdout, stderr } = await client.logs();
  return { exitCode, output: stdout + stderr };
}
