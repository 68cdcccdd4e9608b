// Which default devices QEMU 7.2 creates (qemu_disable_default_devices and
// qemu_create_default_devices in vl.c): -nodefaults turns all off; a -serial, -monitor/-qmp/-mon,
// -netdev turns off its own default; a -device or -global naming a driver of QEMU's default_list
// turns off the matching default; machine flags (no_serial, no_cdrom ...) turn off the rest. The
// consoles then go to stdio under -nographic (serial and monitor muxed as "mon:stdio" when both are
// defaults) and to a virtual console otherwise.

import { LegacyError } from './errors.ts';
import type { ParsedCommandLine } from './parse.ts';

export interface DefaultFlags {
  serial: boolean;
  parallel: boolean;
  monitor: boolean;
  floppy: boolean;
  cdrom: boolean;
  sdcard: boolean;
  vga: boolean;
  net: boolean;
}

/** Machine class flags that suppress defaults. */
export interface MachineDefaultFacts {
  noSerial?: boolean;
  noParallel?: boolean;
  noFloppy?: boolean;
  noCdrom?: boolean;
  noSdcard?: boolean;
}

/** QEMU's default_list: drivers that replace a default device. */
const DEFAULT_LIST: Readonly<Record<string, keyof DefaultFlags>> = {
  'isa-serial': 'serial',
  'isa-parallel': 'parallel',
  'isa-fdc': 'floppy',
  floppy: 'floppy',
  'ide-cd': 'cdrom',
  'ide-hd': 'cdrom',
  'scsi-cd': 'cdrom',
  'scsi-hd': 'cdrom',
  VGA: 'vga',
  'isa-vga': 'vga',
  'cirrus-vga': 'vga',
  'isa-cirrus-vga': 'vga',
  'vmware-svga': 'vga',
  'qxl-vga': 'vga',
  'virtio-vga': 'vga',
  'ati-vga': 'vga',
  'vhost-user-vga': 'vga',
  'virtio-vga-gl': 'vga',
};

/** The default_* flags after parsing, the -device/-global check and the machine flags. */
export function defaultFlags(parsed: ParsedCommandLine, machine: MachineDefaultFacts = {}): DefaultFlags {
  const f: DefaultFlags = {
    serial: !parsed.defaultsOff.serial,
    parallel: true,
    monitor: !parsed.defaultsOff.monitor,
    floppy: true,
    cdrom: true,
    sdcard: true,
    vga: true,
    net: !parsed.defaultsOff.net,
  };
  const drivers = [
    ...parsed.jsonDevices.map((d) => d.args.driver),
    ...parsed.devices.map((d) => d.opts.driver),
    ...parsed.globals.map((g) => g.driver),
  ];
  for (const d of drivers) {
    if (typeof d === 'string' && Object.hasOwn(DEFAULT_LIST, d)) f[DEFAULT_LIST[d]] = false;
  }
  const off = !parsed.defaults;
  if (off || machine.noSerial) f.serial = false;
  if (off || machine.noParallel) f.parallel = false;
  if (off || machine.noFloppy) f.floppy = false;
  if (off || machine.noCdrom) f.cdrom = false;
  if (off || machine.noSdcard) f.sdcard = false;
  if (off) {
    f.monitor = false;
    f.net = false;
    f.vga = false;
  }
  return f;
}

/** The default consoles in QEMU's compat chardev syntax (see chardev-compat.ts). */
export interface DefaultConsoles {
  /** Added after the user's -serial options. */
  serials: string[];
  parallels: string[];
  /** Each is a monitor_parse(text, "readline") (a compat_monitorN chardev and monitor). */
  monitors: string[];
}

/**
 * qemu_create_default_devices for the consoles. Throws QEMU's error for -nographic with
 * -daemonize when a default console would need stdio.
 */
export function defaultConsoles(parsed: ParsedCommandLine, f: DefaultFlags): DefaultConsoles {
  const out: DefaultConsoles = { serials: [], parallels: [], monitors: [] };
  if (parsed.daemonize && parsed.nographic && (f.parallel || f.serial || f.monitor)) {
    throw new LegacyError('-nographic cannot be used with -daemonize');
  }
  if (parsed.nographic) {
    if (f.parallel) out.parallels.push('null');
    if (f.serial && f.monitor) {
      out.serials.push('mon:stdio');
    } else {
      if (f.serial) out.serials.push('stdio');
      if (f.monitor) out.monitors.push('stdio');
    }
  } else {
    if (f.serial) out.serials.push('vc:80Cx24C');
    if (f.parallel) out.parallels.push('vc:80Cx24C');
    if (f.monitor) out.monitors.push('vc:80Cx24C');
  }
  return out;
}
