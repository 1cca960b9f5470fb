import { setTimeout as sleep } from 'node:timers/promises';

import type Docker from 'dockerode';

import type { AppContainer } from '../docker/app-container.ts';
import { startApp, type RunOptions, type RunRef } from '../docker/containers.ts';
import { TimeoutError } from '../errors.ts';
import type { QmpClient } from '../qmp/client.ts';
import type { LinkInfo } from '../run-info.ts';
import type { Traffic } from '../traffic/traffic.ts';
import { ipInNetns } from './netns.ts';
import { listeningPorts } from './ports.ts';

/** Receives every app container a link starts, so that its owner can remove them. */
export type ContainerTracker = (container: AppContainer) => void;

/**
 * One network link of the DUT, seen from the containers' side: the network
 * namespace of its node container, whose `eth0` is wired to the DUT's NIC.
 */
export class Link {
  constructor(
    readonly info: LinkInfo,
    private readonly docker: Docker,
    private readonly runRef: RunRef,
    private readonly qmp: QmpClient,
    /** Frames captured on this link: marks, waits, counts and assertions on them. */
    readonly traffic: Traffic,
    private readonly track: ContainerTracker = () => {},
  ) {}

  /** Index of the link: the DUT's NIC number, counting from 0. */
  get index(): number {
    return this.info.index;
  }

  /** MAC address of the DUT's NIC on this link. */
  get dutMac(): string {
    return this.info.mac;
  }

  /** Capture file of this link, written by QEMU while the DUT runs. */
  get pcap(): string {
    return this.info.pcap;
  }

  /**
   * Starts an app container from a local `image` in this link's network
   * namespace. A string `command` runs with `sh -c`; without one, the image's
   * default command runs. The container is removed when its test ends.
   *
   * @example
   * ```ts
   * const server = await link(1).run('rabbit-tools', 'busybox httpd -f -p 80');
   * ```
   */
  async run(image: string, command?: string | string[], options: RunOptions = {}): Promise<AppContainer> {
    const app = await startApp(this.docker, this.runRef, this.index, this.info.node, image, command, options);
    this.track(app);
    return app;
  }

  /**
   * Runs `ip` with `args` in this link's namespace from the host and returns
   * its output, e.g. `link.ip('addr', 'add', '198.18.0.2/24', 'dev', 'eth0')`.
   */
  ip(...args: string[]): Promise<string> {
    return ipInNetns(this.info.node.pid, args);
  }

  /** Waits until a socket in this link's namespace listens on `port`, e.g. a server in an app container. */
  async waitForPort(port: number, options: { protocol?: 'tcp' | 'udp'; timeout?: number } = {}): Promise<void> {
    const protocol = options.protocol ?? 'tcp';
    const timeout = options.timeout ?? 30_000;
    const deadline = Date.now() + timeout;
    while (!(await listeningPorts(this.info.node.pid, protocol)).has(port)) {
      if (Date.now() > deadline) {
        throw new TimeoutError(`Nothing listens on ${protocol} port ${port} on link ${this.index} after ${timeout} ms`);
      }
      await sleep(50);
    }
  }

  /** Sets the DUT's NIC on this link down (cable unplugged) or up, with QMP `set_link`. */
  async setCarrier(up: boolean): Promise<void> {
    await this.qmp.execute('set_link', { name: this.info.netdev, up });
  }

  /** Removes addresses, routes and neighbours that tests added to `eth0`, and sets it up again. */
  async reset(): Promise<void> {
    await ipInNetns(this.info.node.pid, ['-batch', '-'], 'addr flush dev eth0 scope global\nroute flush dev eth0\nneigh flush dev eth0\nlink set dev eth0 up\n');
  }
}
