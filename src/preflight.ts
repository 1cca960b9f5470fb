import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { ResolvedDutConfig } from './config.ts';
import { PrerequisiteError } from './errors.ts';
import type { LinkPlan } from './qemu/args.ts';
import { findBinary } from './qemu/process.ts';

/**
 * Checks what booting needs from the host before anything is created: root
 * when the DUT has links (to create taps and enter namespaces), the
 * binaries, a usable accelerator and free tap names. Returns the QEMU
 * binary's path.
 */
export async function preflight(config: ResolvedDutConfig, links: LinkPlan[]): Promise<string> {
  if (links.length > 0 && process.getuid?.() !== 0) {
    throw new PrerequisiteError(
      'alpy must run as root: it creates tap devices and moves them into container network namespaces. Run the tests as root (for example with sudo)',
    );
  }
  const qemu = await findBinary(config.qemu, 'install qemu-system-x86 (apt-get install --no-install-recommends qemu-system-x86) or set qemu in the alpy config');
  if (links.length > 0) {
    await findBinary('ip', 'install iproute2 (apt-get install iproute2)');
    await findBinary('nsenter', 'install util-linux (apt-get install util-linux)');
  }
  if (config.accel === 'kvm') {
    try {
      await access('/dev/kvm', constants.R_OK | constants.W_OK);
    } catch (error) {
      throw new PrerequisiteError(
        `accel 'kvm' needs read and write access to /dev/kvm (${(error as NodeJS.ErrnoException).code}); set accel: 'tcg' (or ALPY_ACCEL=tcg) for software emulation`,
      );
    }
  }
  checkSocketPathLength();
  try {
    await makeDirectory(config.outputDir);
    await access(config.outputDir, constants.W_OK);
  } catch (error) {
    throw new PrerequisiteError(
      `outputDir ${config.outputDir} cannot be created or written (${(error as NodeJS.ErrnoException).code}); choose a writable folder`,
    );
  }
  for (const link of links) {
    try {
      await access(`/sys/class/net/${link.tap}`);
    } catch {
      continue;
    }
    throw new PrerequisiteError(
      `Tap ${link.tap} for link ${link.index} already exists on the host; another run uses it or left it behind. Remove it with \`ip link delete ${link.tap}\` if no run owns it`,
    );
  }
  return qemu;
}

/** Maximum unix socket path length on Linux: sun_path has room for 108 bytes with the terminating NUL. */
const maxSocketPath = 107;

/** Checks that the sockets alpy creates in the temp dir fit in a unix socket address. */
function checkSocketPathLength(): void {
  // The longest socket path alpy creates: <tmp>/alpy-<run id>--<pid>-<12 random>/console-mux.sock,
  // as tmp-promise 3 names folders, with the largest Linux pid.
  const longest = path.join(os.tmpdir(), 'alpy-000000--4194304-XXXXXXXXXXXX', 'console-mux.sock');
  if (Buffer.byteLength(longest) > maxSocketPath) {
    throw new PrerequisiteError(
      `The temp folder ${os.tmpdir()} is too long for unix socket paths (${Buffer.byteLength(longest)} of at most ${maxSocketPath} bytes); set TMPDIR to a shorter folder`,
    );
  }
}

/**
 * Creates `dir` and its missing parents, one level at a time. Node 20's
 * `mkdir(dir, { recursive: true })` loops forever under /proc, where mkdir
 * fails with ENOENT although the parent exists.
 */
async function makeDirectory(dir: string): Promise<void> {
  const parent = path.dirname(dir);
  if (parent !== dir) {
    try {
      await access(parent);
    } catch {
      await makeDirectory(parent);
    }
  }
  try {
    await mkdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
}
