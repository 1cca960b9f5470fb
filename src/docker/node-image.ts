import { open, readFile } from 'node:fs/promises';

import type Docker from 'dockerode';
import { pack } from 'tar-stream';

import { DockerError, PrerequisiteError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { imageExists } from './client.ts';

const log = createLogger('docker');

/** Name of the image alpy builds for node containers when the config names none. */
export const defaultNodeImage = 'alpy-node:1';

/** Static busybox of Debian's busybox-static package. */
const busyboxPath = '/bin/busybox';

/** Returns true when the ELF file at `file` has no program interpreter, that is, it is statically linked. */
export async function isStaticElf(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(64);
    await handle.read(header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) {
      return false;
    }
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    await handle.read(table, 0, table.length, phoff);
    for (let index = 0; index < phnum; index++) {
      // PT_INTERP (3) names the dynamic loader.
      if (table.readUInt32LE(index * phentsize) === 3) {
        return false;
      }
    }
    return true;
  } finally {
    await handle.close();
  }
}

/**
 * Makes sure the node image exists, building `alpy-node` from the host's
 * static busybox when it is missing. A node container only keeps its network
 * namespace alive, so `sleep` is all it runs.
 */
export async function ensureNodeImage(docker: Docker, name = defaultNodeImage): Promise<string> {
  if (await imageExists(docker, name)) {
    return name;
  }
  if (name !== defaultNodeImage) {
    throw new DockerError(`Node image ${name} (nodeImage in the alpy config) not found locally; build it or remove nodeImage to use ${defaultNodeImage}`);
  }
  const staticBusybox = await isStaticElf(busyboxPath).catch(() => false);
  if (!staticBusybox) {
    throw new PrerequisiteError(
      `${busyboxPath} is missing or not statically linked, so alpy cannot build the node image ${defaultNodeImage}: install busybox-static (apt-get install busybox-static) or set nodeImage`,
    );
  }
  log.info(`building node image ${name} from ${busyboxPath}`);
  const tar = pack();
  tar.entry({ name: 'bin/busybox', mode: 0o755 }, await readFile(busyboxPath));
  for (const applet of ['sh', 'sleep']) {
    tar.entry({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox' });
  }
  tar.finalize();
  const [repo, tag] = name.split(':');
  const stream = await docker.importImage(tar as unknown as NodeJS.ReadableStream, {
    repo,
    tag,
    changes: ['CMD ["/bin/sleep", "2147483647"]', 'LABEL alpy.role=node-image'],
  } as object);
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
      const failure = error?.message ?? output.find((entry) => entry.error)?.error;
      return failure ? reject(new DockerError(`Building node image ${name} failed: ${failure}`)) : resolve();
    }),
  );
  log.info(`built node image ${name}`);
  return name;
}
