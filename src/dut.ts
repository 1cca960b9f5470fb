import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import type Docker from 'dockerode';
import { onExit } from 'signal-exit';
import { dir as tmpDir } from 'tmp-promise';

import { waitForBoot } from './boot.ts';
import { CleanupStack } from './cleanup.ts';
import { resolveDutConfig, type ResolvedDutConfig } from './config.ts';
import { Console } from './console/console.ts';
import { ConsoleMux } from './console/mux.ts';
import { ConsoleTranscript } from './console/transcript.ts';
import { connectDocker } from './docker/client.ts';
import { removeRunContainers, startNode, type NodeContainer, type RunRef } from './docker/containers.ts';
import { defaultNodeImage, ensureNodeImage } from './docker/node-image.ts';
import { ConfigError, QemuExitedError } from './errors.ts';
import { moveTap } from './link/netns.ts';
import { createLogger } from './log.ts';
import { preflight } from './preflight.ts';
import { buildQemuArgs, planLinks, type LinkPlan } from './qemu/args.ts';
import { QemuProcess } from './qemu/process.ts';
import { QmpClient } from './qmp/client.ts';
import { QmpProxy } from './qmp/proxy.ts';
import type { RunInfo } from './run-info.ts';
import { RunRegistration, sweepDeadRecords } from './runs/registry.ts';
import { sweepDeadRuns } from './sweep.ts';
import { withTimeout } from './timeout.ts';

const log = createLogger('dut');

/** Options of `startDut` beyond the DUT's own description. */
export interface StartDutOptions {
  /** Folder that relative paths in the config start from. @default process.cwd() */
  root?: string;
  /** Run id: 6 lower-case hex digits, part of every name the run creates. @default random */
  runId?: string;
}

/**
 * A booted DUT owned by this process: QEMU, its node containers and the
 * sockets that share its console and QMP monitor with test workers.
 */
export interface StartedDut extends AsyncDisposable {
  readonly config: ResolvedDutConfig;
  readonly info: RunInfo;
  readonly qemu: QemuProcess;
  /** Stops QEMU, removes every container of the run and the private socket folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Returns a new random run id: 6 hex digits, short enough for tap names. */
export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

/**
 * Boots the DUT described by `input` (the `environmentOptions.alpy` value):
 * starts node containers and a paused QEMU, wires each link's tap into its
 * node's namespace, attaches the console, then starts the CPU and waits for
 * `boot.expect`. On failure everything created so far is released before the
 * error is thrown.
 */
export async function startDut(input: unknown, options: StartDutOptions = {}): Promise<StartedDut> {
  const config = await resolveDutConfig(input, options.root ?? process.cwd());
  const runId = options.runId ?? newRunId();
  if (!/^[0-9a-f]{6}$/.test(runId)) {
    throw new ConfigError([`runId: expected 6 lower-case hex digits, got ${JSON.stringify(runId)}`]);
  }
  const runDir = path.join(config.outputDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${runId}`);
  const links = planLinks(config, runId, runDir);
  const qemuBinary = await preflight(config, links);
  const docker = await connectDocker();
  sweepDeadRecords();
  await sweepDeadRuns(docker);

  const cleanup = new CleanupStack();
  const registration = RunRegistration.open(runId);
  cleanup.defer('run record', () => registration.close());
  // Vitest skips teardown on SIGINT and SIGTERM. signal-exit calls this
  // synchronously on exit and on those signals. A plain 'exit' listener is
  // not enough: signal-exit, loaded by execa, re-raises a signal once
  // Vitest's one-time listener is gone, so no 'exit' event follows.
  const removeExitHandler = onExit(() => {
    // Writes to stderr are synchronous for files, pipes and terminals on Linux.
    process.stderr.write(`alpy: process exiting; releasing run ${runId} (console log and pcaps are in ${runDir})\n`);
    registration.releaseNow();
  });
  cleanup.defer('exit handler', removeExitHandler);
  const context: BootContext = { runId, runDir, links, qemuBinary, docker, cleanup, registration };
  try {
    return await boot(config, context);
  } catch (error) {
    const reported = await explainQemuExit(error as Error, config, context.qemu);
    log.error(`boot of ${config.name} failed; releasing what was created. Its console log and pcaps are in ${runDir}`);
    await cleanup.run();
    throw reported;
  }
}

/**
 * Returns the error to report for a failed boot. QEMU started with -S
 * creates its sockets before it sets up the accelerator and devices, so a
 * bad `-device` or an unusable KVM shows up as a closed QMP or console
 * connection. QEMU's own exit status and error output explain the cause.
 */
async function explainQemuExit(error: Error, config: ResolvedDutConfig, qemu: QemuProcess | undefined): Promise<Error> {
  if (!qemu) {
    return error;
  }
  await withTimeout(qemu.exited, 1000);
  if (!qemu.exit) {
    return error;
  }
  const kvmHint =
    config.accel === 'kvm' && /kvm/i.test(qemu.errorOutput) ? ". The accelerator is KVM: set accel: 'tcg' (or ALPY_ACCEL=tcg) where KVM is unusable" : '';
  if (error instanceof QemuExitedError && kvmHint === '') {
    return error;
  }
  const exited = qemu.exitError(`QEMU exited during start${kvmHint}`);
  exited.cause = error;
  return exited;
}

interface BootContext {
  runId: string;
  runDir: string;
  links: LinkPlan[];
  qemuBinary: string;
  docker: Docker;
  cleanup: CleanupStack;
  registration: RunRegistration;
  /** The QEMU process once spawned, to explain a boot that failed because it exited. */
  qemu?: QemuProcess;
}

async function boot(config: ResolvedDutConfig, context: BootContext): Promise<StartedDut> {
  const { runId, runDir, links, docker, cleanup } = context;
  const run = { runId, ownerPid: process.pid };
  log.info(`starting run ${runId}: DUT ${config.name} with ${plural(links.length, 'link')}, accelerator ${config.accel}${accelNote(config)}`);

  await mkdir(runDir, { recursive: true });
  // tmp creates the folder with mode 0700, so only this user reaches the sockets.
  const privateDir = await tmpDir({ prefix: `alpy-${runId}-`, unsafeCleanup: true });
  context.registration.update({ privateDir: privateDir.path });
  cleanup.defer('socket folder', () => privateDir.cleanup());

  cleanup.defer('containers', () => removeRunContainers(docker, runId));
  // QEMU starts while Docker starts the node containers, which are needed
  // only once the taps are moved. The handler added here keeps a failure
  // from being reported as unhandled before it is awaited below.
  const nodesStarted = startNodes(docker, run, links, config.nodeImage ?? defaultNodeImage);
  nodesStarted.catch(() => undefined);
  try {
    return await bootQemu(config, context, privateDir.path, nodesStarted);
  } catch (error) {
    // Containers still being created would escape the release that follows.
    await nodesStarted.catch(() => undefined);
    throw error;
  }
}

/** Creates and starts the node container of every link, and waits for all of them to settle before it throws. */
async function startNodes(docker: Docker, run: RunRef, links: LinkPlan[], image: string): Promise<NodeContainer[]> {
  const nodeImage = await ensureNodeImage(docker, image);
  const results = await Promise.allSettled(links.map((link) => startNode(docker, run, link.index, nodeImage)));
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) {
    throw failure.reason;
  }
  const nodes = results.map((result) => (result as PromiseFulfilledResult<NodeContainer>).value);
  log.info(`started ${plural(nodes.length, 'node container')}`);
  return nodes;
}

async function bootQemu(config: ResolvedDutConfig, context: BootContext, privateDir: string, nodesStarted: Promise<NodeContainer[]>): Promise<StartedDut> {
  const { runId, runDir, links, cleanup } = context;
  const paths = {
    qmpSocket: path.join(privateDir, 'qmp.sock'),
    consoleSocket: path.join(privateDir, 'console.sock'),
    pidFile: path.join(privateDir, 'qemu.pid'),
  };
  const qemu = QemuProcess.spawn(context.qemuBinary, buildQemuArgs(config, runId, links, paths));
  context.qemu = qemu;
  context.registration.update({ qemuPid: qemu.pid });
  let qmp: QmpClient | undefined;
  let stopping = false;
  cleanup.defer('QEMU', () => {
    stopping = true;
    return qemu.stop(qmp);
  });
  void qemu.exited.then((exit) => {
    if (!stopping) {
      const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.exitCode}`;
      log.error(`QEMU of ${config.name} exited on its own (${how}); tests that use the DUT fail from now on`);
    }
  });
  await qemu.waitForFile(paths.qmpSocket);
  await qemu.waitForFile(paths.consoleSocket);
  log.info(`QEMU started paused (pid ${qemu.pid})`);

  qmp = await QmpClient.connect(paths.qmpSocket);
  const transcript = new ConsoleTranscript(path.join(runDir, 'console.raw'), path.join(runDir, 'console.log'));
  cleanup.defer('console transcript', () => transcript.close());
  const mux = await ConsoleMux.connect(paths.consoleSocket, transcript);
  cleanup.defer('console mux', () => mux.close());

  const nodes = await nodesStarted;
  await Promise.all(links.map((link, index) => moveTap(link.tap, nodes[index]!.pid)));
  log.info(`wired ${plural(links.length, 'link')}`);

  const bootConsole = new Console(mux.attach('boot'), { name: `${config.name} console` });
  await qmp.execute('cont');
  log.info(`${config.name} is running`);
  await waitForBoot(bootConsole, config, qemu);
  bootConsole.close();

  const info = await share(config, { runId, runDir, links, nodes, privateDir, qmp, mux, cleanup });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= releaseRun(config, info, cleanup));
  return { config, info, qemu, stop, [Symbol.asyncDispose]: stop };
}

interface ShareContext {
  runId: string;
  runDir: string;
  links: LinkPlan[];
  nodes: NodeContainer[];
  privateDir: string;
  qmp: QmpClient;
  mux: ConsoleMux;
  cleanup: CleanupStack;
}

/** Serves the console and QMP to test workers and returns what they need to connect. */
async function share(config: ResolvedDutConfig, context: ShareContext): Promise<RunInfo> {
  const consoleSocket = path.join(context.privateDir, 'console-mux.sock');
  await context.mux.listen(consoleSocket);
  const qmpSocket = path.join(context.privateDir, 'qmp-proxy.sock');
  const proxy = await QmpProxy.listen(qmpSocket, context.qmp);
  context.cleanup.defer('QMP proxy', () => proxy.close());
  return {
    runId: context.runId,
    ownerPid: process.pid,
    name: config.name,
    runDir: context.runDir,
    consoleSocket,
    qmpSocket,
    consoleLog: path.join(context.runDir, 'console.log'),
    links: context.links.map((link, index) => ({
      index: link.index,
      tap: link.tap,
      netdev: link.netdev,
      mac: link.mac,
      pcap: link.pcap,
      node: context.nodes[index]!,
    })),
  };
}

async function releaseRun(config: ResolvedDutConfig, info: RunInfo, cleanup: CleanupStack): Promise<void> {
  log.info(`stopping run ${info.runId}`);
  const errors = await cleanup.run();
  log.info(`run ${info.runId} stopped; pcaps and console logs are in ${info.runDir}`);
  if (errors.length > 0) {
    throw new AggregateError(errors, `Releasing run ${info.runId} of ${config.name} failed in ${errors.length} steps`);
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function accelNote(config: ResolvedDutConfig): string {
  return config.accel === 'tcg' ? " (software emulation; set accel: 'kvm' where /dev/kvm works)" : '';
}
