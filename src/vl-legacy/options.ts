// The legacy option table: QEMU 7.2's option names and whether each takes an argument (HAS_ARG in
// qemu-options.hx). QEMU accepts `-opt` and `--opt` alike and never `-opt=arg`; an argument is always
// the next argv word, even when it starts with '-'.
//
// Options QEMU has but emu does not implement are listed too, so that their argument is consumed
// the way QEMU would and the user gets QEMU's "Option not supported in this build" rather than a
// misleading "invalid option".

export type OptionName =
  | 'M'
  | 'machine'
  | 'cpu'
  | 'smp'
  | 'm'
  | 'accel'
  | 'name'
  | 'uuid'
  | 'boot'
  | 'bios'
  | 'kernel'
  | 'initrd'
  | 'append'
  | 'dtb'
  | 'hda'
  | 'hdb'
  | 'hdc'
  | 'hdd'
  | 'cdrom'
  | 'drive'
  | 'blockdev'
  | 'device'
  | 'chardev'
  | 'serial'
  | 'monitor'
  | 'qmp'
  | 'qmp-pretty'
  | 'mon'
  | 'nographic'
  | 'display'
  | 'nodefaults'
  | 'no-user-config'
  | 'S'
  | 'no-reboot'
  | 'no-shutdown'
  | 'action'
  | 'readconfig'
  | 'global'
  | 'object'
  | 'netdev'
  | 'pidfile'
  | 'daemonize'
  | 'version'
  | 'h'
  | 'help'
  | 'snapshot'
  | 'print-config'
  | 'print-commands';

export interface OptionSpec {
  name: OptionName;
  hasArg: boolean;
  /** A one-line description for emu-legacy's -help. */
  help: string;
  /** emu-legacy's own option, not QEMU's. */
  emuOnly?: boolean;
}

const spec = (name: OptionName, hasArg: boolean, help: string, emuOnly = false): OptionSpec =>
  emuOnly ? { name, hasArg, help, emuOnly } : { name, hasArg, help };

/** The options emu-legacy implements, in -help order. */
export const OPTIONS: readonly OptionSpec[] = [
  spec('h', false, 'display this help and exit'),
  spec('help', false, 'display this help and exit'),
  spec('version', false, 'display version information and exit'),
  spec('machine', true, 'selects emulated machine (-machine help for a list)'),
  spec('M', true, 'same as -machine'),
  spec('cpu', true, 'select CPU (-cpu help for a list)'),
  spec('accel', true, 'select accelerator (tcg)'),
  spec('smp', true, 'set the number of CPUs'),
  spec('m', true, 'configure guest RAM ([size=]megs[,slots=n,maxmem=size])'),
  spec('name', true, 'set the name of the guest'),
  spec('uuid', true, 'specify machine UUID'),
  spec('boot', true, 'boot order and options'),
  spec('bios', true, 'set the filename for the BIOS'),
  spec('kernel', true, "use 'file' as kernel image"),
  spec('initrd', true, "use 'file' as initial ram disk"),
  spec('append', true, "use 'cmdline' as kernel command line"),
  spec('dtb', true, "use 'file' as device tree image"),
  spec('hda', true, "use 'file' as hard disk 0 image"),
  spec('hdb', true, "use 'file' as hard disk 1 image"),
  spec('hdc', true, "use 'file' as hard disk 2 image"),
  spec('hdd', true, "use 'file' as hard disk 3 image"),
  spec('cdrom', true, "use 'file' as CD-ROM image"),
  spec('drive', true, 'use a file as a drive image'),
  spec('blockdev', true, 'configure a block backend node'),
  spec('snapshot', false, 'write to temporary files instead of disk image files'),
  spec('device', true, 'add device (driver[,prop=value][,...])'),
  spec('global', true, 'set a global default for a device property'),
  spec('chardev', true, 'configure a character device backend'),
  spec('serial', true, "redirect the serial port to char device 'dev'"),
  spec('monitor', true, "redirect the monitor to char device 'dev'"),
  spec('qmp', true, "like -monitor but opens in 'control' mode"),
  spec('qmp-pretty', true, 'like -qmp but uses pretty JSON formatting'),
  spec('mon', true, 'configure a monitor on a chardev'),
  spec('netdev', true, 'configure a network backend'),
  spec('object', true, 'create a new object of type TYPENAME'),
  spec('display', true, 'select display backend type'),
  spec('nographic', false, 'disable graphical output and redirect serial I/Os to console'),
  spec('nodefaults', false, "don't create default devices"),
  spec('no-user-config', false, 'do not load default user-provided config files at startup'),
  spec('readconfig', true, 'read config file'),
  spec('S', false, 'freeze CPU at startup'),
  spec('no-reboot', false, 'exit instead of rebooting'),
  spec('no-shutdown', false, 'stop before shutdown'),
  spec('action', true, 'action when a guest event occurs'),
  spec('pidfile', true, 'write PID to file'),
  spec('daemonize', false, 'daemonize the process after initialization'),
  spec('print-config', false, 'print the equivalent emu configuration and exit', true),
  spec('print-commands', false, 'print the equivalent emu command stream and exit', true),
];

/**
 * QEMU 7.2 options emu does not implement, with HAS_ARG as observed on qemu-system-riscv64 7.2
 * (true = takes an argument).
 */
export const UNSUPPORTED_QEMU_OPTIONS: ReadonlyMap<string, boolean> = new Map([
  ['preconfig', false], ['D', true], ['L', true], ['add-fd', true], ['async-teardown', false],
  ['audio', true], ['audio-help', false], ['audiodev', true], ['chroot', true], ['compat', true],
  ['d', true], ['debugcon', true], ['dfilter', true], ['dump-vmstate', true], ['echr', true],
  ['enable-kvm', false], ['enable-sync-profile', false], ['fda', true], ['fdb', true], ['fsdev', true],
  ['full-screen', false], ['fw_cfg', true], ['gdb', true], ['icount', true], ['incoming', true],
  ['iscsi', true], ['k', true], ['loadvm', true], ['mem-path', true], ['mem-prealloc', false],
  ['msg', true], ['mtdblock', true], ['net', true], ['nic', true], ['numa', true],
  ['only-migratable', false], ['option-rom', true], ['overcommit', true], ['parallel', true],
  ['pflash', true], ['plugin', true], ['portrait', false], ['rotate', true], ['rtc', true],
  ['runas', true], ['s', false], ['sandbox', true], ['sd', true], ['seed', true], ['semihosting', false],
  ['semihosting-config', true], ['set', true], ['singlestep', false], ['spice', true], ['tpmdev', true],
  ['trace', true], ['usb', false], ['usbdevice', true], ['vga', true], ['virtfs', true], ['vnc', true],
  ['watchdog-action', true], ['qtest', true], ['qtest-log', true], ['perfmap', false], ['jitdump', false],
]);

/**
 * The -help text: QEMU's layout (version, usage line, one line per option), listing the options
 * emu-legacy implements.
 */
export function helpText(prog: string, versionLine: string): string {
  const lines = OPTIONS.filter((o) => o.name !== 'help').map((o) => {
    const flag = `${o.emuOnly ? '--' : '-'}${o.name}${o.hasArg ? ' ...' : ''}`;
    return `${flag.padEnd(24)}${o.help}\n`;
  });
  return `${versionLine}\nusage: ${prog} [options] [disk_image]\n\n'disk_image' is a raw hard disk image for hard disk 0\n\n${lines.join('')}`;
}

const BY_NAME: ReadonlyMap<string, OptionSpec> = new Map(OPTIONS.map((o) => [o.name, o]));

export type LookupResult =
  | { kind: 'option'; spec: OptionSpec }
  | { kind: 'unsupported'; name: string; hasArg: boolean }
  | { kind: 'invalid' };

/**
 * lookup_opt: the option named by an argv word that starts with '-'. `--foo` means `-foo`; the
 * word must match a name exactly (so `-m=512` is invalid, as in QEMU).
 */
export function lookupOption(word: string): LookupResult {
  const name = word[1] === '-' ? word.slice(2) : word.slice(1);
  const spec = BY_NAME.get(name);
  if (spec) return { kind: 'option', spec };
  const hasArg = UNSUPPORTED_QEMU_OPTIONS.get(name);
  if (hasArg !== undefined) return { kind: 'unsupported', name, hasArg };
  return { kind: 'invalid' };
}
