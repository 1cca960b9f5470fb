import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';

import { ConfigError } from './errors.ts';
import { suggestion } from './suggest.ts';

/** NIC models alpy supports, mapped to QEMU device names. */
export const nicModels = {
  virtio: 'virtio-net-pci',
  e1000: 'e1000',
  e1000e: 'e1000e',
  rtl8139: 'rtl8139',
} as const;

export type NicModel = keyof typeof nicModels;

/** QEMU accelerators alpy can select. */
export type Accelerator = 'tcg' | 'kvm';

/**
 * Description of the device under test, set in the Vitest config as
 * `test.environmentOptions.alpy`.
 *
 * @example
 * ```ts
 * environmentOptions: {
 *   alpy: { kernel: 'out/vmlinuz', initrd: 'out/initrd.img', links: 2, boot: { expect: 'login: ' } },
 * }
 * ```
 */
export interface DutConfig {
  /** Name of the DUT in logs and in QEMU's `-name`. @default 'dut' */
  name?: string;
  /** Kernel image for QEMU's `-kernel`. Relative paths start at the Vitest root. */
  kernel?: string;
  /** Initial RAM disk for `-initrd`; needs `kernel`. */
  initrd?: string;
  /** Kernel command line for `-append`; needs `kernel`. @default 'console=ttyS0' */
  append?: string;
  /** Disk image, opened with `snapshot=on` so the file itself is never written. */
  disk?: string;
  /** Format of `disk`. @default 'raw', or 'qcow2' for a `.qcow2` file */
  diskFormat?: 'raw' | 'qcow2';
  /** Number of network links, each a NIC of the DUT wired to its own node container. */
  links: number;
  /** NIC model of every link. @default 'virtio' */
  nic?: NicModel;
  /** Guest memory in MiB. @default 256 */
  memory?: number;
  /** Number of virtual CPUs. @default 1 */
  cpus?: number;
  /**
   * Accelerator. `tcg` is software emulation and works everywhere; `kvm`
   * needs a usable `/dev/kvm`. The `ALPY_ACCEL` environment variable overrides it.
   * @default 'tcg'
   */
  accel?: Accelerator;
  /** QEMU machine type. @default 'q35' */
  machine?: string;
  /** QEMU binary, a name looked up on PATH or a path. @default 'qemu-system-x86_64' */
  qemu?: string;
  /** Extra QEMU arguments, appended after the ones alpy builds. */
  qemuArgs?: string[];
  /** When the DUT counts as booted. */
  boot?: {
    /** Console output that marks the end of the boot, e.g. a login prompt. Without it, setup does not wait. */
    expect?: string | RegExp;
    /** Time limit for `expect` in milliseconds. @default 120000 */
    timeout?: number;
  };
  /** Packet capture of every link. */
  capture?: {
    /** Bytes kept of each frame; 0 keeps whole frames. @default 0 */
    snaplen?: number;
  };
  /** Folder for pcaps and console logs; each run gets its own subfolder. @default 'alpy-output' */
  outputDir?: string;
  /** Image of the node containers, which needs a `sleep` command. @default built from the host's static busybox */
  nodeImage?: string;
}

/** `DutConfig` with every default filled in and paths made absolute. */
export interface ResolvedDutConfig {
  name: string;
  kernel: string | undefined;
  initrd: string | undefined;
  append: string;
  disk: string | undefined;
  diskFormat: 'raw' | 'qcow2';
  links: number;
  nic: NicModel;
  memory: number;
  cpus: number;
  accel: Accelerator;
  machine: string;
  qemu: string;
  qemuArgs: string[];
  boot: { expect: string | RegExp | undefined; timeout: number };
  capture: { snaplen: number };
  outputDir: string;
  nodeImage: string | undefined;
}

const knownKeys = new Set([
  'name', 'kernel', 'initrd', 'append', 'disk', 'diskFormat', 'links', 'nic', 'memory', 'cpus', 'accel',
  'machine', 'qemu', 'qemuArgs', 'boot', 'capture', 'outputDir', 'nodeImage',
]);

/** Maximum number of links: link indexes must fit in a MAC address byte and a tap name. */
export const maxLinks = 64;

type Problems = string[];

function checkString(problems: Problems, config: Record<string, unknown>, key: string): string | undefined {
  const value = config[key];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || value === '') {
    problems.push(`${key}: expected a non-empty string, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value;
}

function checkInteger(problems: Problems, config: Record<string, unknown>, key: string, min: number, max: number, prefix = ''): number | undefined {
  const value = config[key];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${prefix}${key}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value;
}

function checkChoice<T extends string>(problems: Problems, key: string, value: unknown, choices: readonly T[]): T | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    problems.push(`${key}: expected one of ${choices.map((choice) => `'${choice}'`).join(', ')}, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value as T;
}

function checkObject(problems: Problems, config: Record<string, unknown>, key: string, keys: string[]): Record<string, unknown> {
  const value = config[key];
  if (value === undefined) {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${key}: expected an object, got ${JSON.stringify(value)}`);
    return {};
  }
  for (const inner of Object.keys(value)) {
    if (!keys.includes(inner)) {
      problems.push(`${key}.${inner}: unknown key${suggestion(inner, keys)}; known keys are ${keys.join(', ')}`);
    }
  }
  return value as Record<string, unknown>;
}

/**
 * Validates `input` (the value of `environmentOptions.alpy`) and fills in
 * defaults. Every problem found is reported at once in one `ConfigError`.
 * `root` is the folder relative paths start from.
 */
export async function resolveDutConfig(input: unknown, root: string): Promise<ResolvedDutConfig> {
  const problems: Problems = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError([
      `environmentOptions.alpy: expected an object describing the DUT (at least { links, kernel or disk }), got ${JSON.stringify(input)}`,
    ]);
  }
  const config = input as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!knownKeys.has(key)) {
      problems.push(`${key}: unknown key${suggestion(key, [...knownKeys])}; known keys are ${[...knownKeys].join(', ')}`);
    }
  }

  const absolute = (file: string | undefined): string | undefined => (file === undefined ? undefined : path.resolve(root, file));
  const kernel = absolute(checkString(problems, config, 'kernel'));
  const initrd = absolute(checkString(problems, config, 'initrd'));
  const append = checkString(problems, config, 'append');
  const disk = absolute(checkString(problems, config, 'disk'));
  const diskFormat = checkChoice(problems, 'diskFormat', config.diskFormat, ['raw', 'qcow2'] as const);
  const links = checkInteger(problems, config, 'links', 0, maxLinks);
  if (config.links === undefined) {
    problems.push(`links: missing; set the number of network links of the DUT, from 0 to ${maxLinks}`);
  }
  const nic = checkChoice(problems, 'nic', config.nic, Object.keys(nicModels) as NicModel[]);
  const memory = checkInteger(problems, config, 'memory', 16, 1024 * 1024);
  const cpus = checkInteger(problems, config, 'cpus', 1, 256);
  const envAccel = process.env.ALPY_ACCEL;
  const accel =
    envAccel !== undefined && envAccel !== ''
      ? checkChoice(problems, 'ALPY_ACCEL (environment variable)', envAccel, ['tcg', 'kvm'] as const)
      : checkChoice(problems, 'accel', config.accel, ['tcg', 'kvm'] as const);
  const machine = checkString(problems, config, 'machine');
  const qemu = checkString(problems, config, 'qemu');
  const name = checkString(problems, config, 'name');
  if (name !== undefined && !/^[A-Za-z0-9_.-]{1,32}$/.test(name)) {
    problems.push(`name: expected 1 to 32 letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  }
  const outputDir = absolute(checkString(problems, config, 'outputDir'));
  const nodeImage = checkString(problems, config, 'nodeImage');

  const qemuArgs = config.qemuArgs;
  if (qemuArgs !== undefined && (!Array.isArray(qemuArgs) || !qemuArgs.every((arg) => typeof arg === 'string'))) {
    problems.push(`qemuArgs: expected an array of strings, got ${JSON.stringify(qemuArgs)}`);
  }

  const boot = checkObject(problems, config, 'boot', ['expect', 'timeout']);
  if (boot.expect !== undefined && !(typeof boot.expect === 'string' && boot.expect !== '') && !(boot.expect instanceof RegExp)) {
    problems.push(`boot.expect: expected a non-empty string or a RegExp, got ${JSON.stringify(boot.expect)}`);
  }
  const bootTimeout = checkInteger(problems, boot, 'timeout', 1, 24 * 3600 * 1000, 'boot.');
  const capture = checkObject(problems, config, 'capture', ['snaplen']);
  const snaplen = checkInteger(problems, capture, 'snaplen', 0, 262144, 'capture.');

  if (kernel === undefined && disk === undefined && config.kernel === undefined && config.disk === undefined) {
    problems.push('kernel or disk: missing; set kernel (with optional initrd and append) or disk, or both');
  }
  if (config.kernel === undefined && (config.initrd !== undefined || config.append !== undefined)) {
    problems.push('initrd and append: need kernel; QEMU passes them only together with -kernel');
  }
  await checkReadable(problems, { kernel, initrd, disk });

  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return {
    name: name ?? 'dut',
    kernel,
    initrd,
    append: append ?? 'console=ttyS0',
    disk,
    diskFormat: diskFormat ?? (disk?.endsWith('.qcow2') ? 'qcow2' : 'raw'),
    links: links ?? 0,
    nic: nic ?? 'virtio',
    memory: memory ?? 256,
    cpus: cpus ?? 1,
    accel: accel ?? 'tcg',
    machine: machine ?? 'q35',
    qemu: qemu ?? 'qemu-system-x86_64',
    qemuArgs: (qemuArgs as string[] | undefined) ?? [],
    boot: { expect: boot.expect as string | RegExp | undefined, timeout: bootTimeout ?? 120_000 },
    capture: { snaplen: snaplen ?? 0 },
    outputDir: outputDir ?? path.resolve(root, 'alpy-output'),
    nodeImage,
  };
}

async function checkReadable(problems: Problems, files: Record<string, string | undefined>): Promise<void> {
  for (const [key, file] of Object.entries(files)) {
    if (file === undefined) {
      continue;
    }
    try {
      await access(file, constants.R_OK);
      if (!(await stat(file)).isFile()) {
        problems.push(`${key}: ${file} is not a regular file`);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'does not exist' : `is not readable (${code})`;
      problems.push(`${key}: ${file} ${reason}; build it or fix the path (relative paths start at the Vitest root)`);
    }
  }
}
