import path from 'node:path';

import { nicModels, type ResolvedDutConfig } from '../config.ts';

/** Host-side names and files of one link, fixed before QEMU starts. */
export interface LinkPlan {
  index: number;
  /** Tap device name, unique to the run and at most 15 characters. */
  tap: string;
  /** QEMU netdev id, used by `set_link` and `filter-dump`. */
  netdev: string;
  /** MAC address of the DUT's NIC on this link. */
  mac: string;
  /** Capture file written by QEMU's `filter-dump`. */
  pcap: string;
}

/** Paths QEMU is started with. */
export interface QemuPaths {
  qmpSocket: string;
  consoleSocket: string;
  pidFile: string;
}

/** Returns the tap name of link `index` in run `runId`: `alpy` + run id + `t` + index, 15 characters at most. */
export function tapName(runId: string, index: number): string {
  return `alpy${runId}t${index}`;
}

/** Returns the MAC address of the DUT's NIC on link `index`: locally administered by QEMU's 52:54:00 prefix. */
export function linkMac(index: number): string {
  return `52:54:00:a1:00:${index.toString(16).padStart(2, '0')}`;
}

/** Plans the names and files of every link of a run. */
export function planLinks(config: ResolvedDutConfig, runId: string, runDir: string): LinkPlan[] {
  return Array.from({ length: config.links }, (_, index) => ({
    index,
    tap: tapName(runId, index),
    netdev: `link${index}`,
    mac: linkMac(index),
    pcap: path.join(runDir, `link${index}.pcap`),
  }));
}

/**
 * Builds QEMU's command line. The VM starts paused (`-S`) so that links are
 * wired and the console is attached before the guest runs its first
 * instruction; QMP and the serial console are unix sockets.
 */
export function buildQemuArgs(config: ResolvedDutConfig, runId: string, links: LinkPlan[], paths: QemuPaths): string[] {
  const args = [
    '-name', `${config.name},process=alpy-${runId}`,
    '-S',
    '-machine', `${config.machine},accel=${config.accel}`,
    '-nodefaults', '-no-user-config', '-display', 'none',
    '-m', String(config.memory),
    '-smp', String(config.cpus),
    '-pidfile', paths.pidFile,
    '-chardev', `socket,id=serial0,path=${paths.consoleSocket},server=on,wait=off`,
    '-serial', 'chardev:serial0',
    '-chardev', `socket,id=qmp,path=${paths.qmpSocket},server=on,wait=off`,
    '-mon', 'chardev=qmp,mode=control',
  ];
  if (config.kernel !== undefined) {
    args.push('-kernel', config.kernel, '-append', config.append);
    if (config.initrd !== undefined) {
      args.push('-initrd', config.initrd);
    }
  }
  if (config.disk !== undefined) {
    args.push('-drive', `file=${escapeOption(config.disk)},if=virtio,format=${config.diskFormat},snapshot=on`);
  }
  for (const link of links) {
    args.push(...linkArgs(config, link));
  }
  args.push(...config.qemuArgs);
  return args;
}

function linkArgs(config: ResolvedDutConfig, link: LinkPlan): string[] {
  // vnet_hdr=off: with a virtio-net header on the tap, filter-dump writes
  // frames shifted by the header and the pcap is unreadable.
  const dump = [`filter-dump,id=dump${link.index},netdev=${link.netdev},file=${escapeOption(link.pcap)}`];
  if (config.capture.snaplen > 0) {
    dump.push(`maxlen=${config.capture.snaplen}`);
  }
  return [
    '-netdev', `tap,id=${link.netdev},ifname=${link.tap},script=no,downscript=no,vnet_hdr=off`,
    '-device', `${nicModels[config.nic]},netdev=${link.netdev},mac=${link.mac}`,
    '-object', dump.join(','),
  ];
}

/** Escapes commas in a QEMU option value by doubling them, as QEMU's option parser expects. */
function escapeOption(value: string): string {
  return value.replaceAll(',', ',,');
}
