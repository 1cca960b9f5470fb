import type { ResolvedDutConfig } from './config.ts';
import { ConsoleClosedError, ConsoleTimeoutError, describePatterns, type Console } from './console/console.ts';
import { TimeoutError } from './errors.ts';
import { createLogger } from './log.ts';
import type { QemuProcess } from './qemu/process.ts';

const log = createLogger('dut');
const progressInterval = 10_000;

/**
 * Waits for `boot.expect` on the console, logging the latest console line
 * every 10 s so that a slow boot shows progress. Errors state why the wait
 * ended: a timeout (with the last console lines) or QEMU's exit.
 */
export async function waitForBoot(console: Console, config: ResolvedDutConfig, qemu: QemuProcess): Promise<void> {
  const { expect: pattern, timeout } = config.boot;
  if (pattern === undefined) {
    log.info('boot.expect is not set, so tests start without waiting for the DUT to boot');
    return;
  }
  const started = Date.now();
  log.info(`waiting up to ${timeout / 1000} s for ${describePatterns([pattern])} on the console`);
  let lastLine = '';
  console.on('data', (text) => {
    const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
    lastLine = lines.at(-1) ?? lastLine;
  });
  const progress = setInterval(() => {
    log.info(`still booting after ${Math.round((Date.now() - started) / 1000)} s; last console line: ${lastLine.trim()}`);
  }, progressInterval);
  try {
    await console.expect(pattern, { timeout });
  } catch (error) {
    throw await explainBootFailure(error as Error, config, qemu);
  } finally {
    clearInterval(progress);
  }
  log.info(`${config.name} booted in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function explainBootFailure(error: Error, config: ResolvedDutConfig, qemu: QemuProcess): Promise<Error> {
  if (error instanceof ConsoleClosedError) {
    await Promise.race([qemu.exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
    if (qemu.exit) {
      return qemu.exitError(`QEMU exited while ${config.name} was booting; see the console log for the guest's last words`);
    }
    return error;
  }
  if (error instanceof ConsoleTimeoutError && config.accel === 'kvm') {
    return new TimeoutError(`${error.message}\nThe guest runs under KVM; where KVM guests hang, set accel: 'tcg' (or ALPY_ACCEL=tcg).`);
  }
  return error;
}
