import Docker from 'dockerode';

import { DockerError, PrerequisiteError } from '../errors.ts';

/** Label keys alpy puts on every container it creates. */
export const labels = {
  /** Id of the run that owns the container. */
  run: 'alpy.run',
  /** `node` or `app`. */
  role: 'alpy.role',
  /** Link index the container is attached to. */
  link: 'alpy.link',
  /** Process id of the Node.js process that owns the run, to find runs whose owner died. */
  ownerPid: 'alpy.owner-pid',
} as const;

/** Returns where dockerode connects, for messages: DOCKER_HOST or the default socket. */
export function dockerAddress(): string {
  return process.env.DOCKER_HOST ?? '/var/run/docker.sock';
}

/** Connects to the Docker engine and pings it; throws a `PrerequisiteError` naming the fix. */
export async function connectDocker(): Promise<Docker> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const fix =
      code === 'EACCES'
        ? 'permission denied on the socket: run as root or as a member of the docker group'
        : 'no Docker daemon responds there: start it (for example `dockerd &` or `systemctl start docker`) or set DOCKER_HOST';
    throw new PrerequisiteError(`Cannot reach the Docker engine at ${dockerAddress()} (${code ?? (error as Error).message}): ${fix}`, {
      cause: error,
    });
  }
  return docker;
}

/** Status code of a dockerode error, such as 404 for a missing image or container. */
export function statusCode(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** Returns true when image `name` exists locally. */
export async function imageExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch (error) {
    if (statusCode(error) === 404) {
      return false;
    }
    throw new DockerError(`Cannot inspect image ${name}: ${(error as Error).message}`, { cause: error });
  }
}

/** Throws a `DockerError` naming the fix when image `name` is not present locally; alpy never pulls images. */
export async function requireImage(docker: Docker, name: string): Promise<void> {
  if (!(await imageExists(docker, name))) {
    throw new DockerError(
      `Docker image ${name} not found locally. alpy never pulls images: build or import it first (\`docker images\` lists the local ones)`,
    );
  }
}
