// The parsed legacy command line turned into commands of the shared schema, in QEMU 7.2's fixed
// processing order (qemu_init): objects, chardevs, -blockdev then -drive, the machine, the
// accelerator, serial ports, then devices (the drives' devices first, then -device in QemuOpts
// syntax, then JSON -device). Monitors are process setup, not commands: they are returned apart.
// Nothing is built here; the dispatcher runs the commands.

import { openSync, readSync, closeSync } from 'node:fs';
import { chardevFromOpts, type ChardevAddArgs } from '../shared/chardev-opts.ts';
import { QemuOptsList } from '../shared/qemu-opts.ts';
import type { KeyvalDict } from '../shared/keyval.ts';
import { probeFormat, probedRawWarning, PROBE_BYTES } from '../hw/block/probe.ts';
import { schema } from '../qmp/schema/index.ts';
import { Validator } from '../qmp/schema/validate.ts';
import { parseChardevCompat } from './chardev-compat.ts';
import { defaultConsoles, defaultFlags } from './defaults.ts';
import { type DriveConfig, DriveTable, EMU_VIRT_BLOCK } from './drives.ts';
import { LegacyError, NO_LOC, type Loc, type LegacyWarning } from './errors.ts';
import * as G from './groups.ts';
import { machineWithMemory } from './memory.ts';
import type { ParsedCommandLine } from './parse.ts';
import { checkAccelOptions, selectMachine, validateBootDevices, validateOptions } from './validate.ts';
import { strerror } from '../shared/errno.ts';

export interface LegacyCommand {
  execute: string;
  arguments: Record<string, unknown>;
  mode: 'json' | 'keyval';
  /** The option the command came from, for QEMU-style messages. */
  loc: Loc;
}

export interface LegacyMonitor {
  chardev: string;
  mode: 'readline' | 'control';
  pretty: boolean;
}

/** Something printed to stderr while translating, in QEMU's forms. */
export type Notice =
  /** A warn_report: `prog: LOC: warning: message`. */
  | { warning: LegacyWarning }
  /** An error_report that does not stop start-up: `prog: message`. */
  | { report: string }
  /** Text printed as it is (the probed-raw banner). */
  | { text: string };

export interface Translation {
  commands: LegacyCommand[];
  monitors: LegacyMonitor[];
  /** -S */
  paused: boolean;
  /** -machine dumpdtb=FILE: build the machine, write its DTB there, exit. */
  dumpdtb?: string;
  /**
   * The chardevs QEMU creates for a -qmp/-qmp-pretty shorthand (compat_monitorN): part of the
   * monitor, which is process setup, so not of the machine document.
   */
  monitorChardevs: string[];
}

/** emu's virt machine: the QEMU machine properties it accepts, and those it accepts but ignores. */
const MACHINE_KEYS = new Set(['type', 'memory', 'memory-backend', 'smp', 'boot', 'kernel', 'initrd', 'append', 'dtb', 'firmware', 'dumpdtb', 'accel', 'graphics']);
const IGNORED_MACHINE_KEYS = new Set(['usb', 'dump-guest-core', 'mem-merge']);
const CPU_MODELS = ['rv64', 'max', 'any'];

/** Reads a file's first sector to choose its format, as QEMU's probing does. */
function probeFile(filename: string, loc: Loc): 'raw' | 'qcow2' {
  let fd: number;
  try {
    fd = openSync(filename, 'r');
  } catch (e) {
    const reason = strerror(e);
    throw new LegacyError(`Could not open '${filename}': ${reason}`, loc);
  }
  try {
    const head = new Uint8Array(PROBE_BYTES);
    const n = readSync(fd, head, 0, PROBE_BYTES, 0);
    return probeFormat(head.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function translate(parsed: ParsedCommandLine, notify: (n: Notice) => void): Translation {
  validateOptions(parsed);
  checkAccelOptions(parsed);
  const out: LegacyCommand[] = [];
  const push = (execute: string, args: Record<string, unknown>, loc: Loc, mode: 'json' | 'keyval' = 'keyval') =>
    out.push({ execute, arguments: args, mode, loc });

  // -object: QEMU checks each object's properties against its type while parsing (errors name the
  // option), creates it later (errors from creation name nothing), and creates memory backends after
  // the chardevs (so that allocating RAM cannot delay a monitor socket).
  const objectValidator = new Validator(schema());
  const objectArgs = schema().argTypeOf(schema().command('object-add'))!;
  const lateObjects: typeof out = [];
  for (const o of parsed.objects) {
    const mode = o.syntax === 'json' ? 'json' : 'keyval';
    try {
      // QemuOpts syntax reports as QEMU's options visitor does ('opts').
      objectValidator.value(objectArgs, o.args, '', o.syntax === 'opts' ? 'opts' : mode);
    } catch (e) {
      throw new LegacyError((e as Error).message, o.loc);
    }
    const cmd: LegacyCommand = { execute: 'object-add', arguments: o.args as Record<string, unknown>, mode, loc: NO_LOC };
    if (String(o.args['qom-type']).startsWith('memory-backend-')) lateObjects.push(cmd);
    else out.push(cmd);
  }
  if (parsed.netdevs.length) throw new LegacyError('emu has no network devices', parsed.netdevs[0].loc);

  // Chardevs: -chardev and those -monitor/-qmp created, then the serial ports' (QEMU creates the
  // serial chardevs later, but nothing can refer to them before: the order of the stream is free).
  const chardevs = (backend: string | undefined, opts: Record<string, string>, loc: Loc): ChardevAddArgs[] => {
    const { backend: _b, ...rest } = opts;
    void _b;
    // emu has no display: a virtual console ('vc') discards output, as QEMU's does without a display.
    const b = backend === 'vc' ? 'null' : backend ?? '';
    const clean = b === 'null' ? Object.fromEntries(Object.entries(rest).filter(([k]) => ['id', 'mux', 'logfile', 'logappend'].includes(k))) : rest;
    try {
      return chardevFromOpts(b, clean);
    } catch (e) {
      throw new LegacyError((e as Error).message, loc);
    }
  };
  for (const c of parsed.chardevs) {
    for (const a of chardevs(c.opts.backend, { ...c.opts, ...(c.id !== undefined ? { id: c.id } : {}) }, c.loc)) {
      push('chardev-add', a as unknown as Record<string, unknown>, c.loc, 'json');
    }
  }
  const flags = defaultFlags(parsed, { noParallel: true });
  const consoles = defaultConsoles(parsed, flags);
  const compatList = new QemuOptsList(G.CHARDEV);
  const monitors: LegacyMonitor[] = [];
  const monitorChardevs = [...parsed.monitorChardevs];
  for (const m of parsed.mons) {
    const mode = m.opts.mode ?? 'readline';
    if (mode !== 'readline' && mode !== 'control') throw new LegacyError(`Parameter 'mode' does not accept value '${mode}'`, m.loc);
    const chardev = m.opts.chardev;
    if (chardev === undefined) throw new LegacyError('Parameter \'chardev\' is missing', m.loc);
    if (!out.some((c) => c.execute === 'chardev-add' && c.arguments.id === chardev)) {
      throw new LegacyError(`chardev "${chardev}" not found`, m.loc);
    }
    if (mode === 'readline' && m.opts.pretty === 'on') throw new LegacyError("'pretty' is not compatible with HMP monitors", m.loc);
    monitors.push({ chardev, mode, pretty: m.opts.pretty === 'on' });
  }
  // emu has no display: the virtual consoles QEMU gives the default serial port and monitor without
  // -nographic ('vc') would show nothing, so emu creates neither (the UART is left unconnected).
  const isVc = (a: string) => a === 'vc' || a.startsWith('vc:');
  const serials = [...parsed.serials.map((s) => ({ arg: s.arg, loc: s.loc })), ...consoles.serials.map((arg) => ({ arg, loc: NO_LOC }))]
    .filter((s) => s.arg !== 'none' && !(isVc(s.arg) && s.loc === NO_LOC));
  let serialId: string | undefined;
  serials.forEach((s, i) => {
    const label = `serial${i}`;
    // "chardev:ID" uses a chardev given with -chardev instead of creating one.
    if (s.arg.startsWith('chardev:')) {
      const id = s.arg.slice('chardev:'.length);
      if (!out.some((c) => c.execute === 'chardev-add' && c.arguments.id === id)) {
        throw new LegacyError(`could not connect serial device to character backend '${s.arg}'`, s.loc);
      }
      if (i === 0) serialId = id;
      return;
    }
    let opts;
    try {
      opts = parseChardevCompat(compatList, label, s.arg, true);
    } catch (e) {
      throw new LegacyError(`could not connect serial device to character backend '${s.arg}'`, s.loc);
    }
    const rec: Record<string, string> = { id: label };
    for (const o of opts.opts) rec[o.name] = o.str;
    for (const a of chardevs(rec.backend, rec, s.loc)) push('chardev-add', a as unknown as Record<string, unknown>, s.loc, 'json');
    // "mon:" puts a monitor on the same (muxed) chardev.
    if (rec.mux === 'on' && s.arg.startsWith('mon:')) monitors.push({ chardev: label, mode: 'readline', pretty: false });
    if (i === 0) serialId = label;
  });
  consoles.monitors.filter((text) => !isVc(text)).forEach((text, i) => {
    const label = `compat_monitor${i}`;
    const opts = parseChardevCompat(compatList, label, text, true);
    const rec: Record<string, string> = { id: label };
    for (const o of opts.opts) rec[o.name] = o.str;
    for (const a of chardevs(rec.backend, rec, NO_LOC)) push('chardev-add', a as unknown as Record<string, unknown>, NO_LOC, 'json');
    monitors.push({ chardev: label, mode: 'readline', pretty: false });
  });

  out.push(...lateObjects);

  // Block: all -blockdev (in order), then all -drive.
  const nodeNames = new Set<string>();
  for (const b of parsed.blockdevs) {
    push('blockdev-add', b.args as Record<string, unknown>, b.loc, b.syntax === 'json' ? 'json' : 'keyval');
    const n = b.args['node-name'];
    if (typeof n === 'string') nodeNames.add(n);
  }
  const table = new DriveTable(EMU_VIRT_BLOCK, (w) => notify({ warning: w }));
  // QEMU opens each drive's image right after that drive's checks, then checks its name: errors come
  // in QEMU's order.
  const addDrive = (d: DriveConfig) => {
    if (d.file === undefined) {
      table.checkName(d, nodeNames);
      return;
    }
    const bo = d.blockOptions;
    let format = bo.format;
    if (format === undefined) {
      format = probeFile(d.file, d.loc);
      if (format === 'raw') notify({ text: `${probedRawWarning(d.file)}\n` });
    }
    if (format !== 'raw' && format !== 'qcow2') throw new LegacyError(`Unknown driver '${format}'`, d.loc);
    if (format === 'qcow2') {
      const head = probeFile(d.file, d.loc);
      if (head !== 'qcow2') throw new LegacyError('Image is not in qcow2 format', d.loc);
    }
    const known = new Set(['format', 'cache.writeback', 'cache.direct', 'cache.no-flush', 'node-name', 'snapshot', 'aio', 'discard', 'detect-zeroes']);
    for (const k of Object.keys(bo)) {
      if (!known.has(k)) throw new LegacyError(`Block format '${format}' does not support the option '${k}'`, d.loc);
    }
    const args: Record<string, unknown> = {
      driver: format,
      'node-name': bo['node-name'] ?? d.id,
      ...(d.readOnly ? { 'read-only': true } : {}),
      ...(bo.snapshot === 'on' ? { snapshot: true } : {}),
      ...(bo['cache.direct'] === 'on' || bo['cache.no-flush'] === 'on'
        ? { cache: { ...(bo['cache.direct'] === 'on' ? { direct: true } : {}), ...(bo['cache.no-flush'] === 'on' ? { 'no-flush': true } : {}) } }
        : {}),
      file: { driver: 'file', filename: d.file },
    };
    table.checkName(d, nodeNames);
    nodeNames.add(args['node-name'] as string);
    push('blockdev-add', args, d.loc, 'json');
  };
  for (const dr of parsed.drives) addDrive(table.add(dr, { snapshot: parsed.snapshot }));
  for (const d of table.addDefaults({ cdrom: flags.cdrom, floppy: flags.floppy, sdcard: flags.sdcard }, parsed.snapshot)) addDrive(d);
  table.checkOrphans();

  // The machine.
  const machine = machineWithMemory(parsed);
  const args: Record<string, unknown> = { type: selectMachine(parsed, [{ name: 'virt', isDefault: true }, { name: 'none' }]) };
  let dumpdtb: string | undefined;
  for (const [k, v] of Object.entries(machine)) {
    if (IGNORED_MACHINE_KEYS.has(k)) continue;
    if (!MACHINE_KEYS.has(k)) throw new LegacyError(`Property '${String(args.type)}-machine.${k}' not found`);
    switch (k) {
      case 'type': case 'accel': case 'graphics': break;
      case 'memory': {
        const size = (v as KeyvalDict).size;
        if (size !== undefined) args.memory = size;
        for (const extra of Object.keys(v as KeyvalDict)) {
          if (extra !== 'size') throw new LegacyError(`emu does not support memory hot-plug ('${extra}')`);
        }
        break;
      }
      case 'smp': args.smp = v; break;
      case 'boot': {
        const boot = v as KeyvalDict;
        if (typeof boot.order === 'string') validateBootDevices(boot.order);
        if (typeof boot.once === 'string') validateBootDevices(boot.once);
        args.boot = boot;
        break;
      }
      case 'firmware': args.bios = v; break;
      case 'dumpdtb': dumpdtb = str(v); break;
      default: args[k] = v;
    }
  }
  if (parsed.name?.opts.guest !== undefined) args.name = parsed.name.opts.guest;
  if (parsed.uuid !== undefined) args.uuid = parsed.uuid;
  if (serialId !== undefined) args.serial = serialId;
  if (parsed.cpu && !CPU_MODELS.includes(parsed.cpu.model)) throw new LegacyError(`unable to find CPU model '${parsed.cpu.model}'`);
  const actions = parsed.action;
  if (Object.keys(actions).length) push('set-action', { ...actions }, NO_LOC);
  push('machine-set', args, NO_LOC);

  // The accelerator: -accel, or -machine accel= ("kvm:tcg" tries each in turn, as QEMU does).
  const accelNames = parsed.accel.length ? parsed.accel.map((a) => a.opts.accel ?? '') : (str(machine.accel) ?? 'tcg').split(':');
  let chosen: string | undefined;
  for (const a of accelNames) {
    if (a === 'tcg') {
      chosen = 'tcg';
      break;
    }
    notify({ report: `invalid accelerator ${a}` });
  }
  if (!chosen) throw new LegacyError('no accelerator found');
  if (accelNames[0] !== 'tcg') notify({ report: 'falling back to tcg' });
  push('accel-set', { accel: chosen }, NO_LOC, 'json');

  // Devices: the drives' devices first (as drive_new queues them), then -device, then JSON -device.
  const globals = parsed.globals;
  const withGlobals = (a: Record<string, unknown>): Record<string, unknown> => {
    const g = globals.filter((x) => x.driver === a.driver);
    const out2 = { ...a };
    for (const x of g) if (!(x.property in out2)) out2[x.property] = x.value;
    return out2;
  };
  let scsiBus: string | undefined;
  for (const d of table.drives) {
    const node = d.file !== undefined ? (d.blockOptions['node-name'] ?? d.id) : undefined;
    if (d.interface === 'virtio') {
      if (node === undefined) throw new LegacyError('Device needs media, but drive is empty', d.loc);
      push('device_add', withGlobals({ driver: 'virtio-blk-device', drive: node }), d.loc);
    } else if (d.interface === 'scsi') {
      if (!scsiBus) {
        push('device_add', withGlobals({ driver: 'virtio-scsi-device' }), d.loc);
        scsiBus = 'scsi.0';
      }
      push('device_add', withGlobals({
        driver: d.media === 'cdrom' ? 'scsi-cd' : 'scsi-hd', bus: scsiBus, 'scsi-id': String(d.unit), ...(node ? { drive: node } : {}),
      }), d.loc);
    }
  }
  const autoConnected = new Set(table.drives.filter((d) => d.interface !== 'none').map((d) => d.blockOptions['node-name'] ?? d.id));
  const checkDrive = (drive: unknown, loc: Loc) => {
    if (typeof drive === 'string' && autoConnected.has(drive)) {
      throw new LegacyError(`Drive '${drive}' is already in use because it has been automatically connected to another device (did you need 'if=none' in the drive options?)`, loc);
    }
  };
  // An empty -drive (no file=) is a BlockBackend without a medium in QEMU, and `-device
  // scsi-cd,drive=ID` gives an empty CD-ROM drive. emu has no backend without a node: such a device
  // is created without drive=, which is the same empty drive (a medium is inserted by device id).
  const emptyDrives = new Set(table.drives.filter((d) => d.interface === 'none' && d.file === undefined).map((d) => d.id));
  const withoutEmptyDrive = (a: Record<string, unknown>): Record<string, unknown> => {
    if (typeof a.drive !== 'string' || !emptyDrives.has(a.drive)) return a;
    const { drive: _drive, ...rest } = a;
    void _drive;
    return rest;
  };
  for (const d of parsed.devices) {
    checkDrive(d.opts.drive, d.loc);
    push('device_add', withoutEmptyDrive(withGlobals({ ...d.opts, ...(d.id !== undefined ? { id: d.id } : {}) })), d.loc);
  }
  for (const d of parsed.jsonDevices) {
    checkDrive(d.args.drive, d.loc);
    push('device_add', withoutEmptyDrive(d.args as Record<string, unknown>), d.loc, 'json');
  }
  // Only a QMP monitor's chardev is left out: emu has QMP monitors of its own (--qmp-*), but no form
  // yet for a human monitor on a chardev, so that chardev stays as the nearest equivalent. Either
  // stays when something else uses it (-serial chardev:ID).
  const qmpChardevs = new Set(monitors.filter((m) => m.mode === 'control').map((m) => m.chardev));
  const reused = new Set([serialId, ...out.flatMap((c) => [c.arguments.chardev, (c.arguments.backend as { data?: { chardev?: unknown } } | undefined)?.data?.chardev])]);
  return {
    commands: out, monitors, paused: !parsed.autostart, ...(dumpdtb !== undefined ? { dumpdtb } : {}),
    monitorChardevs: monitorChardevs.filter((id) => qmpChardevs.has(id) && !reused.has(id)),
  };
}
