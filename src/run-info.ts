/**
 * Connection details of a booted DUT for test workers. The global setup provides it
 * to tests (Vitest's `provide`/`inject`), so every field is serializable.
 */
export interface RunInfo {
  /** Id of the run: part of every container and tap name, and the `alpy.run` label. */
  runId: string;
  /** Process id of the Vitest main process, which owns the run. */
  ownerPid: number;
  /** Name of the DUT. */
  name: string;
  /** Folder of this run's pcaps and console logs. */
  runDir: string;
  /** Unix socket that shares the DUT's serial console. */
  consoleSocket: string;
  /** Unix socket that shares the DUT's QMP monitor. */
  qmpSocket: string;
  /** Escaped text log of the console. */
  consoleLog: string;
  links: LinkInfo[];
}

/** One link of the DUT as seen from the host. */
export interface LinkInfo {
  index: number;
  /** Tap device, now `eth0` in the node's network namespace. */
  tap: string;
  /** QEMU netdev id, for QMP `set_link`. */
  netdev: string;
  /** MAC address of the DUT's NIC on this link. */
  mac: string;
  /** Capture file of this link. */
  pcap: string;
  node: { id: string; name: string; pid: number };
}
