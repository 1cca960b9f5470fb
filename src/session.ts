import type Docker from 'dockerode';

import { Console, type ConsoleOptions } from './console/console.ts';
import { connectDocker } from './docker/client.ts';
import type { AppContainer } from './docker/app-container.ts';
import { AlpyError } from './errors.ts';
import { Link, type ContainerTracker } from './link/link.ts';
import { QmpClient } from './qmp/client.ts';
import type { RunInfo } from './run-info.ts';
import { Traffic } from './traffic/traffic.ts';

/** A link index outside the DUT's links. */
export class LinkIndexError extends AlpyError {
  override name = 'LinkIndexError';
}

/**
 * A connection to a booted DUT from a test process: the shared console and
 * QMP monitor, Docker, and the links. `close` ends the connections but leaves
 * the DUT running.
 */
export class DutSession {
  private readonly traffics = new Map<number, Traffic>();

  private constructor(
    readonly info: RunInfo,
    readonly docker: Docker,
    /** The DUT's serial console, shared with every other session of the run. */
    readonly console: Console,
    /** The DUT's QMP monitor; commands and events pass through the run's proxy. */
    readonly qmp: QmpClient,
  ) {}

  /** Connects to the run described by `info`, as provided by alpy's global setup. */
  static async connect(info: RunInfo, consoleOptions: ConsoleOptions = {}): Promise<DutSession> {
    const docker = await connectDocker();
    const qmp = await QmpClient.connect(info.qmpSocket);
    try {
      const console = await Console.connect(info.consoleSocket, { name: `${info.name} console`, ...consoleOptions });
      return new DutSession(info, docker, console, qmp);
    } catch (error) {
      qmp.close();
      throw error;
    }
  }

  /** Returns link `index`; app containers it starts are passed to `track`. */
  link(index: number, track?: ContainerTracker): Link {
    const info = this.info.links[index];
    if (!Number.isInteger(index) || info === undefined) {
      const count = this.info.links.length;
      throw new LinkIndexError(
        `Link ${index} does not exist: ${this.info.name} has ${count} links (${count === 0 ? 'none' : `0 to ${count - 1}`}). Raise links in the alpy config to add more`,
      );
    }
    return new Link(info, this.docker, { runId: this.info.runId, ownerPid: this.info.ownerPid }, this.qmp, this.traffic(index), track);
  }

  /** Returns the frames of link `index`'s capture, one reader per session and link. */
  traffic(index: number): Traffic {
    let traffic = this.traffics.get(index);
    if (!traffic) {
      const info = this.info.links[index];
      if (!info) {
        throw new LinkIndexError(`Link ${index} does not exist: ${this.info.name} has ${this.info.links.length} links`);
      }
      traffic = new Traffic(info.pcap, `link ${index}`);
      this.traffics.set(index, traffic);
    }
    return traffic;
  }

  /**
   * Resets the DUT like its reset button (QMP `system_reset`) and waits for
   * QEMU's RESET event. The guest reboots; wait on the console for its prompt.
   */
  async reset(timeout = 10_000): Promise<void> {
    const reset = this.qmp.waitForEvent('RESET', { timeout });
    await this.qmp.execute('system_reset');
    await reset;
  }

  /**
   * Presses the DUT's power button (ACPI, QMP `system_powerdown`) and waits
   * until the guest shuts down. QEMU then exits, so the rest of the run has
   * no DUT; use it in the last test of a run or with a DUT of its own.
   */
  async powerdown(timeout = 60_000): Promise<void> {
    const shutdown = this.qmp.waitForEvent('SHUTDOWN', { timeout });
    await this.qmp.execute('system_powerdown');
    await shutdown;
  }

  /** QEMU's run state of the DUT, e.g. `running` or `paused`. */
  async status(): Promise<string> {
    return (await this.qmp.execute('query-status')).status;
  }

  /** Closes the console and QMP connections. Safe to call twice. */
  close(): void {
    this.console.close();
    this.qmp.close();
  }
}

export type { AppContainer };
