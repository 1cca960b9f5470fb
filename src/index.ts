/** alpy: test network appliances booted in QEMU, with Docker containers on their links. */

export { startDut, newRunId, type StartedDut, type StartDutOptions } from './dut.ts';
export { resolveDutConfig, nicModels, maxLinks, type DutConfig, type ResolvedDutConfig, type NicModel, type Accelerator } from './config.ts';
export type { RunInfo, LinkInfo } from './run-info.ts';
export { DutSession, LinkIndexError } from './session.ts';
export { Link, type ContainerTracker } from './link/link.ts';
export { AppContainer, ExecError, type ExecResult, type ExecOptions } from './docker/app-container.ts';
export type { RunOptions } from './docker/containers.ts';
export { Console, ConsoleClosedError, ConsoleTimeoutError, type ExpectMatch, type ExpectOptions, type ConsoleOptions, type Pattern } from './console/console.ts';
export { QmpClient, QmpCommandError, QmpClosedError, type QmpExecuteOptions, type QmpWaitOptions } from './qmp/client.ts';
export type { QmpCommands, QmpEvent, QmpGreeting } from './qmp/protocol.ts';
export { AlpyError, ConfigError, PrerequisiteError, TimeoutError, QemuExitedError, DockerError } from './errors.ts';
export { createLogger, type Logger } from './log.ts';
export { Shell, ShellCommandError, type ShellResult, type ShellOptions } from './console/shell.ts';
export { login, type LoginOptions } from './console/login.ts';
export * from './pcap/index.ts';
export { Traffic, TrafficAssertionError, type Mark, type CapturedFrame, type TrafficQueryOptions } from './traffic/traffic.ts';
export { matchesFilter, describeMatcher, checkFilter, InvalidFilterError, type FrameFilter, type FrameMatcher } from './traffic/filter.ts';
export { matchFilter, FilterError } from './traffic/bpf.ts';
