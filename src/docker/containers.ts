import type Docker from 'dockerode';
import pRetry from 'p-retry';

import { DockerError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { AppContainer, toArgv } from './app-container.ts';
import { labels, requireImage, statusCode } from './client.ts';

const log = createLogger('docker');

/** A started node container: it keeps a link's network namespace alive for the run. */
export interface NodeContainer {
  id: string;
  name: string;
  /** Host process id of the node's main process; its network namespace is the link's. */
  pid: number;
}

/** The run a container belongs to. */
export interface RunRef {
  runId: string;
  /** Process id of the process that owns the run: the Vitest main process, not a worker. */
  ownerPid: number;
}

/** Returns the labels of a container of `run`. */
export function runLabels(run: RunRef, role: 'node' | 'app', link: number): Record<string, string> {
  return {
    [labels.run]: run.runId,
    [labels.role]: role,
    [labels.link]: String(link),
    [labels.ownerPid]: String(run.ownerPid),
  };
}

/** Creates and starts the node container of link `link`, with no network but its own namespace. */
export async function startNode(docker: Docker, run: RunRef, link: number, image: string): Promise<NodeContainer> {
  const name = `alpy-${run.runId}-node${link}`;
  const container = await docker.createContainer({
    name,
    Image: image,
    Hostname: `node${link}`,
    Labels: runLabels(run, 'node', link),
    HostConfig: { NetworkMode: 'none', CapDrop: ['ALL'] },
  });
  await container.start();
  const { State } = await container.inspect();
  if (!State.Running || !State.Pid) {
    await container.remove({ force: true }).catch(() => undefined);
    throw new DockerError(`Node container ${name} (${image}) is not running after start (exit code ${State.ExitCode})`);
  }
  log.debug(`started node container ${name} (pid ${State.Pid})`);
  return { id: container.id, name, pid: State.Pid };
}

/** Options of an app container. */
export interface RunOptions {
  /** Container name. @default `alpy-<run>-link<N>-<counter>` */
  name?: string;
  /** Environment variables, `NAME=value`. */
  env?: string[];
  /** Linux capabilities to add, e.g. `NET_ADMIN` to change addresses or routes. */
  capAdd?: string[];
  /** Replace the image's entrypoint. */
  entrypoint?: string[];
  /** User to run as. */
  user?: string;
  /** Working directory. */
  workdir?: string;
  /** Extra labels. */
  labels?: Record<string, string>;
  /** Bind mounts, `host-path:container-path[:ro]`. */
  binds?: string[];
  /**
   * Run Docker's init as PID 1, which forwards signals and reaps zombies. Without
   * it the command itself is PID 1 and ignores signals it has no handler for,
   * as with `docker run`. @default false
   */
  init?: boolean;
}

let counter = 0;

/**
 * Creates and starts an app container in the network namespace of `node`.
 * Errors name the image and the command; a container that failed to start is removed.
 */
export async function startApp(
  docker: Docker,
  run: RunRef,
  link: number,
  node: NodeContainer,
  image: string,
  command: string | string[] | undefined,
  options: RunOptions = {},
): Promise<AppContainer> {
  await requireImage(docker, image);
  const name = options.name ?? `alpy-${run.runId}-link${link}-${process.pid}-${++counter}`;
  const cmd = command === undefined ? undefined : toArgv(command);
  let container: Docker.Container;
  try {
    container = await docker.createContainer({
      name,
      Image: image,
      Cmd: cmd,
      Entrypoint: options.entrypoint,
      Env: options.env,
      User: options.user,
      WorkingDir: options.workdir,
      Labels: { ...options.labels, ...runLabels(run, 'app', link) },
      HostConfig: { NetworkMode: `container:${node.id}`, CapAdd: options.capAdd, Binds: options.binds, Init: options.init },
    });
  } catch (error) {
    throw new DockerError(`Cannot create app container ${name} from ${image} on link ${link}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    await container.start();
  } catch (error) {
    await container.remove({ force: true }).catch(() => undefined);
    const message = (error as Error).message;
    const hint = /executable file not found|no such file or directory/.test(message)
      ? ` The command ${JSON.stringify(cmd)} does not exist in image ${image}.`
      : '';
    throw new DockerError(`Cannot start app container ${name} from ${image} on link ${link}.${hint} Docker's error: ${message}`, {
      cause: error,
    });
  }
  log.debug(`started app container ${name} (${image}) on link ${link}`);
  return new AppContainer(docker, container.id, name, image, link, cmd);
}

/** Removes every container of run `runId` with `role`, or of any role. Returns how many were removed. */
export async function removeRunContainers(docker: Docker, runId: string, role?: 'node' | 'app'): Promise<number> {
  const filters = [`${labels.run}=${runId}`];
  if (role) {
    filters.push(`${labels.role}=${role}`);
  }
  const containers = await docker.listContainers({ all: true, filters: { label: filters } });
  await Promise.all(containers.map((info) => removeQuietly(docker, info.Id, info.Names[0] ?? info.Id)));
  return containers.length;
}

/**
 * Removes a container, treating "already gone" as success. A server error
 * (500, such as "device or resource busy" while Docker unmounts) is retried
 * twice; other failures are logged.
 */
export async function removeQuietly(docker: Docker, id: string, name: string): Promise<void> {
  try {
    await pRetry(() => docker.getContainer(id).remove({ force: true, v: true }), {
      retries: 2,
      minTimeout: 200,
      shouldRetry: ({ error }) => statusCode(error) === 500,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0 && statusCode(error) === 500) {
          log.warn(`removing container ${name} failed (attempt ${attemptNumber}): ${error.message}; retrying`);
        }
      },
    });
    log.debug(`removed container ${name}`);
  } catch (error) {
    const code = statusCode(error);
    // 404: gone already; 409: removal already in progress.
    if (code !== 404 && code !== 409) {
      log.error(`cannot remove container ${name}: ${(error as Error).message}`);
    }
  }
}
