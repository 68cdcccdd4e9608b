// The legacy command line parsed as QEMU 7.2's qemu_init parses it (softmmu/vl.c): a first pass that
// only rejects unknown options and finds -no-user-config, then one pass left to right that sorts
// every option into its group with QEMU's merge and duplicate rules (-readconfig files are read at
// their position). Nothing is created here: the result is plain data that the translation to
// commands processes in QEMU's fixed order.

import { keyvalMerge, keyvalParse, KeyvalError, newDict, type KeyvalDict, type KeyvalValue } from '../shared/keyval.ts';
import { QemuOptsError, QemuOptsList, type QemuOpts, type QemuOptsListSpec } from '../shared/qemu-opts.ts';
import { isJsonArg, parseJsonArg, JsonArgError, type JsonValue } from '../shared/json-arg.ts';
import { LegacyError, cmdlineLoc, type Loc, type LegacyWarning, type Report } from './errors.ts';
import { lookupOption, type OptionName } from './options.ts';
import * as G from './groups.ts';
import { parseChardevCompat, CompatChardevError } from './chardev-compat.ts';
import { readConfigFile, type ConfigSection } from './readconfig.ts';

/** One instance of a QemuOpts group: its id, its options (last value of a repeated key) and where. */
export interface OptsRecord {
  id?: string;
  opts: Record<string, string>;
  /**
   * Every option in the order given, repeats included, as QEMU keeps them. Only needed where QEMU's
   * own processing depends on repeats (-drive renames readonly → read-only so that the first of
   * several values wins).
   */
  all: [string, string][];
  loc: Loc;
}

/** An option given as keyval or JSON (-blockdev, -object, -netdev, JSON -device). */
export interface ArgsRecord {
  /** keyval: nested strings; json: typed JSON values. */
  args: { [key: string]: KeyvalValue | JsonValue };
  syntax: 'keyval' | 'json' | 'opts';
  loc: Loc;
}

/** Why parsing stopped before the end with a request QEMU answers and then exits. */
export type EarlyExit =
  | { kind: 'version' }
  | { kind: 'help' }
  /** -M help / -machine virt,help: list machines, or the properties of `type` if given. */
  | { kind: 'machine-help'; machine: KeyvalDict }
  /** -accel help (or an -accel without accel=): list accelerators. */
  | { kind: 'accel-help' }
  /** -display help. */
  | { kind: 'display-help' }
  /** -object help / -object TYPE,help. */
  | { kind: 'object-help'; type: string; loc: Loc }
  /** The help text of an option group, printed to stdout, then exit with `status`. */
  | { kind: 'opts-help'; text: string; status: number };

/** The parsed command line: every group, in QEMU's terms, ready to be processed in QEMU's order. */
export interface ParsedCommandLine {
  /**
   * QEMU's machine_opts_dict: keyval of all -M/-machine (key `type` is the machine), -smp under
   * `smp`, -boot under `boot`, and `kernel`, `initrd`, `append`, `dtb`, `firmware` (-bios),
   * `graphics` (-nographic), plus [machine] sections. -m is kept apart in `memory` (QEMU folds it in
   * after parsing: a suffix-less size gets "M" appended, maxmem → max-size).
   */
  machine: KeyvalDict;
  /** The merged -m / [memory]: keys size, slots, maxmem as typed. */
  memory?: OptsRecord;
  /** -cpu, last one wins. */
  cpu?: { model: string; loc: Loc };
  /** Each -accel, in order (QEMU tries them in order). */
  accel: OptsRecord[];
  /** The merged -name: guest, process, debug-threads. */
  name?: OptsRecord;
  /** -uuid, validated. */
  uuid?: string;
  /** -drive, -hda..-hdd, -cdrom, bare images and [drive] sections in order (see drives.ts). */
  drives: OptsRecord[];
  /** -blockdev in order (keyval or JSON). */
  blockdevs: ArgsRecord[];
  /** -device in QemuOpts syntax, in order. */
  devices: OptsRecord[];
  /** -device in JSON syntax, in order; QEMU creates these after all QemuOpts -device. */
  jsonDevices: ArgsRecord[];
  /** -chardev and the chardevs -monitor/-qmp create (ids compat_monitorN), in order. */
  chardevs: OptsRecord[];
  /** -mon and the monitors -monitor/-qmp/-qmp-pretty create (keys mode, chardev, pretty). */
  mons: OptsRecord[];
  /** Ids of the chardevs -monitor/-qmp/-qmp-pretty created for their monitor (compat_monitorN). */
  monitorChardevs: string[];
  /** -serial arguments in order ("none" included; QEMU skips it when creating). */
  serials: { arg: string; loc: Loc }[];
  /** -netdev: QemuOpts syntax (`opts`), or JSON. */
  netdevs: (OptsRecord | ArgsRecord)[];
  /** -object in order: QemuOpts syntax (strings, with qom-type and id), JSON, or [object] keyval. */
  objects: ArgsRecord[];
  /** -global in order. */
  globals: { driver: string; property: string; value: string; loc: Loc }[];
  /** The last -display, keyval with `type`. */
  display?: { args: KeyvalDict; loc: Loc };
  /** -nographic. */
  nographic: boolean;
  /** false after -nodefaults (QEMU's has_defaults). */
  defaults: boolean;
  /** Defaults the options themselves turned off (QEMU's default_serial etc. at parse time). */
  defaultsOff: { serial: boolean; monitor: boolean; net: boolean };
  /** false after -no-user-config. */
  userConfig: boolean;
  /** false after -S. */
  autostart: boolean;
  /** -snapshot. */
  snapshot: boolean;
  /** -action, -no-reboot (reboot=shutdown), -no-shutdown (shutdown=pause), merged. */
  action: Record<string, string>;
  pidfile?: string;
  daemonize: boolean;
  /** Files read by -readconfig, in order. */
  readconfig: string[];
  /** emu-legacy's --print-config / --print-commands. */
  printConfig: boolean;
  printCommands: boolean;
  /** Set when a help or version request ended parsing; later options were not read. */
  earlyExit?: EarlyExit;
  /** Warnings in the order QEMU prints them (also passed to onWarning as they happen). */
  warnings: LegacyWarning[];
}

export interface ParseOptions {
  /** Called for each warning when QEMU would print it (before any later error). */
  onWarning?: (w: LegacyWarning) => void;
  /** Reads a -readconfig file (default: the file system). */
  readFile?: (path: string) => string;
}

const isHelp = (s: string | undefined) => s === 'help' || s === '?';

/** qemu_uuid_is_valid: 8-4-4-4-12 hex digits. */
function uuidValid(s: string): boolean {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s);
}

/** QAPI DisplayOptions (7.2): the union's members per type, beyond the base ones. */
const DISPLAY_MEMBERS: Record<string, readonly string[]> = {
  default: [],
  none: [],
  gtk: ['grab-on-hover', 'zoom-to-fit', 'show-tabs', 'show-menubar'],
  sdl: ['grab-mod'],
  'egl-headless': ['rendernode'],
  curses: ['charset'],
  cocoa: ['left-command-key', 'full-grab', 'swap-opt-cmd', 'zoom-to-fit'],
  'spice-app': [],
  dbus: ['rendernode', 'addr', 'p2p', 'audiodev'],
};
const DISPLAY_BOOLS = ['full-screen', 'window-close', 'show-cursor'];
const DISPLAY_GL = ['off', 'on', 'core', 'es'];

function toRecord(o: QemuOpts, loc: Loc): OptsRecord {
  const opts: Record<string, string> = Object.create(null);
  for (const x of o.opts) opts[x.name] = x.str;
  const all = o.opts.map((x): [string, string] => [x.name, x.str]);
  return o.id === undefined ? { opts, all, loc } : { id: o.id, opts, all, loc };
}

/** Parser state: QEMU's option lists plus the non-QemuOpts groups. */
class State {
  readonly lists = {
    drive: new QemuOptsList(G.DRIVE),
    device: new QemuOptsList(G.DEVICE),
    chardev: new QemuOptsList(G.CHARDEV),
    mon: new QemuOptsList(G.MON),
    netdev: new QemuOptsList(G.NETDEV),
    object: new QemuOptsList(G.OBJECT),
    memory: new QemuOptsList(G.MEMORY),
    name: new QemuOptsList(G.NAME),
    accel: new QemuOptsList(G.ACCEL),
    global: new QemuOptsList(G.GLOBAL),
    action: new QemuOptsList(G.ACTION),
  };
  /** Where each QemuOpts instance was created (QEMU's opts->loc). */
  readonly locs = new Map<QemuOpts, Loc>();
  /** Non-QemuOpts entries kept in their own order. */
  readonly blockdevs: ArgsRecord[] = [];
  readonly jsonDevices: ArgsRecord[] = [];
  readonly netdevJson: { rec: ArgsRecord; seq: number }[] = [];
  readonly objectsOther: { rec: ArgsRecord; seq: number }[] = [];
  readonly seq = new Map<QemuOpts, number>();
  private counter = 0;
  monitorIndex = 0;

  readonly result: ParsedCommandLine = {
    machine: newDict(),
    accel: [],
    drives: [],
    blockdevs: [],
    devices: [],
    jsonDevices: [],
    chardevs: [],
    mons: [],
    monitorChardevs: [],
    serials: [],
    netdevs: [],
    objects: [],
    globals: [],
    nographic: false,
    defaults: true,
    defaultsOff: { serial: false, monitor: false, net: false },
    userConfig: true,
    autostart: true,
    snapshot: false,
    action: Object.create(null),
    daemonize: false,
    readconfig: [],
    printConfig: false,
    printCommands: false,
    warnings: [],
  };

  constructor(private readonly options: ParseOptions) {}

  nextSeq(): number {
    return this.counter++;
  }

  warn(w: LegacyWarning): void {
    this.result.warnings.push(w);
    this.options.onWarning?.(w);
  }

  /** qemu_opts_parse_noisily, with QEMU's errors and warnings at loc. */
  parseOpts(list: QemuOptsList, arg: string, permitAbbrev: boolean, loc: Loc): QemuOpts {
    let o: QemuOpts;
    try {
      o = list.parse(arg, {
        permitAbbrev,
        warnOnFlag: true,
        allowHelp: true,
        onWarning: (w) => this.warn({ loc, message: w.message, ...(w.hint ? { hint: w.hint } : {}) }),
      });
    } catch (e) {
      throw asLegacy(e, loc);
    }
    if (o.helpWanted) throw new HelpExit({ kind: 'opts-help', text: G.optsHelpText(list.spec), status: 1 });
    this.remember(o, loc);
    return o;
  }

  remember(o: QemuOpts, loc: Loc): void {
    if (!this.locs.has(o)) {
      this.locs.set(o, loc);
      this.seq.set(o, this.nextSeq());
    }
  }

  keyval(arg: string, impliedKey: string | undefined, loc: Loc, allowHelp = false): { dict: KeyvalDict; help: boolean } {
    try {
      return keyvalParse(arg, { impliedKey, allowHelp });
    } catch (e) {
      throw asLegacy(e, loc);
    }
  }

  mergeMachine(src: KeyvalDict, loc: Loc): void {
    try {
      keyvalMerge(this.result.machine, src);
    } catch (e) {
      throw asLegacy(e, loc);
    }
  }
}

/** Thrown internally to stop at an option QEMU answers by exiting. */
class HelpExit {
  constructor(readonly exit: EarlyExit) {}
}

function asLegacy(e: unknown, loc: Loc): unknown {
  if (e instanceof QemuOptsError) return new LegacyError(e.message, loc, e.hint);
  if (e instanceof KeyvalError || e instanceof JsonArgError) return new LegacyError(e.message, loc);
  return e;
}

/** First pass: every word starting with '-' must be a known option (with its argument present). */
function firstPass(args: readonly string[], st: State): void {
  for (let i = 0; i < args.length; ) {
    const word = args[i];
    if (word[0] !== '-') {
      i++;
      continue;
    }
    const r = lookupOption(word);
    if (r.kind === 'invalid') throw new LegacyError('invalid option', cmdlineLoc(word));
    const hasArg = r.kind === 'option' ? r.spec.hasArg : r.hasArg;
    if (hasArg && i + 1 >= args.length) throw new LegacyError('requires an argument', cmdlineLoc(word));
    if (r.kind === 'option' && r.spec.name === 'no-user-config') st.result.userConfig = false;
    i += hasArg ? 2 : 1;
  }
}

/** drive_add: a drive from a shorthand, options in QEMU's order (media, if, index, file). */
function driveAdd(st: State, type: string | undefined, index: number | undefined, file: string, optstr: string, loc: Loc): void {
  const o = st.parseOpts(st.lists.drive, optstr, false, loc);
  if (type !== undefined) o.set('if', type);
  if (index !== undefined) o.set('index', String(index));
  o.set('file', file);
}

/** monitor_parse: -monitor / -qmp / -qmp-pretty. */
function monitorParse(st: State, arg: string, mode: 'readline' | 'control', pretty: boolean, loc: Loc): void {
  let label: string;
  if (arg.startsWith('chardev:')) {
    label = arg.slice('chardev:'.length);
  } else {
    label = `compat_monitor${st.monitorIndex}`;
    try {
      const c = parseChardevCompat(st.lists.chardev, label, arg, true);
      st.remember(c, loc);
      st.result.monitorChardevs.push(label);
    } catch (e) {
      const before: Report[] = [];
      if (e instanceof CompatChardevError) {
        if (e.report) before.push({ message: e.report, loc });
      } else if (e instanceof QemuOptsError) {
        before.push({ message: e.message, loc, ...(e.hint ? { hint: e.hint } : {}) });
      } else {
        throw e;
      }
      throw new LegacyError(`parse error: ${arg}`, loc, undefined, before);
    }
  }
  let m: QemuOpts;
  try {
    m = st.lists.mon.create(label);
  } catch (e) {
    // QEMU creates this with &error_fatal, which drops hint lines.
    if (e instanceof QemuOptsError) throw new LegacyError(e.message, loc);
    throw e;
  }
  st.remember(m, loc);
  m.set('mode', mode);
  m.set('chardev', label);
  if (mode === 'control') m.set('pretty', pretty ? 'on' : 'off');
  st.monitorIndex++;
}

/** -object and [object]: the checks QEMU makes before creating anything. */
function checkObjectArgs(args: { [k: string]: unknown }, loc: Loc): void {
  if (typeof args['qom-type'] !== 'string') throw new LegacyError("Parameter 'qom-type' is missing", loc);
  if (typeof args.id !== 'string') throw new LegacyError("Parameter 'id' is missing", loc);
}

function parseObject(st: State, arg: string, loc: Loc): void {
  if (isJsonArg(arg)) {
    let args: { [key: string]: JsonValue };
    try {
      args = parseJsonArg(arg);
    } catch (e) {
      throw asLegacy(e, loc);
    }
    checkObjectArgs(args, loc);
    st.objectsOther.push({ rec: { args, syntax: 'json', loc }, seq: st.nextSeq() });
    return;
  }
  const o = st.parseOpts(st.lists.object, arg, true, loc);
  const type = o.get('qom-type');
  if (type === undefined) throw new LegacyError("Parameter 'qom-type' is missing", loc);
  if (isHelp(type)) throw new HelpExit({ kind: 'object-help', type: '', loc });
  if (o.has('help') || o.has('?')) throw new HelpExit({ kind: 'object-help', type, loc });
  if (o.id === undefined) throw new LegacyError("Parameter 'id' is missing", loc);
}

function parseBlockdev(st: State, arg: string, loc: Loc): void {
  let args: { [key: string]: KeyvalValue | JsonValue };
  let syntax: 'keyval' | 'json';
  if (isJsonArg(arg)) {
    try {
      args = parseJsonArg(arg);
    } catch (e) {
      throw asLegacy(e, loc);
    }
    syntax = 'json';
  } else {
    args = st.keyval(arg, 'driver', loc).dict;
    syntax = 'keyval';
  }
  if (args.driver === undefined) throw new LegacyError("Parameter 'driver' is missing", loc);
  st.blockdevs.push({ args, syntax, loc });
}

function parseDisplay(st: State, arg: string, loc: Loc): void {
  if (isHelp(arg)) throw new HelpExit({ kind: 'display-help' });
  if (arg.startsWith('vnc')) {
    if (arg[3] !== '=') throw new LegacyError('VNC requires a display argument vnc=<display>', loc);
    const args = newDict();
    args.type = 'vnc';
    args.display = arg.slice(4);
    st.result.display = { args, loc };
    return;
  }
  const { dict } = st.keyval(arg, 'type', loc);
  const type = dict.type;
  if (type === undefined) throw new LegacyError("Parameter 'type' is missing", loc);
  if (typeof type !== 'string' || !Object.hasOwn(DISPLAY_MEMBERS, type)) {
    throw new LegacyError(`Parameter 'type' does not accept value '${String(type)}'`, loc);
  }
  // The QAPI visitor checks the base members in order, then refuses what is left over.
  for (const k of DISPLAY_BOOLS) {
    const v = dict[k];
    if (v !== undefined && !['on', 'yes', 'true', 'y', 'off', 'no', 'false', 'n'].includes(String(v))) {
      throw new LegacyError(`Parameter '${k}' expects 'on' or 'off'`, loc);
    }
  }
  if (dict.gl !== undefined && !DISPLAY_GL.includes(String(dict.gl))) {
    throw new LegacyError(`Parameter 'gl' does not accept value '${String(dict.gl)}'`, loc);
  }
  const allowed = ['type', 'gl', ...DISPLAY_BOOLS, ...DISPLAY_MEMBERS[type]];
  for (const k of Object.keys(dict)) {
    if (!allowed.includes(k)) throw new LegacyError(`Parameter '${k}' is unexpected`, loc);
  }
  st.result.display = { args: dict, loc };
}

function parseGlobal(st: State, arg: string, loc: Loc): void {
  // "driver.property=value" (sscanf "%63[^.=].%63[^=]%n" then '='), else QemuOpts syntax.
  const m = /^([^.=]{1,63})\.([^=]{1,63})=/.exec(arg);
  if (m) {
    const o = st.lists.global.create(undefined);
    st.remember(o, loc);
    o.set('driver', m[1]);
    o.set('property', m[2]);
    o.set('value', arg.slice(m[0].length));
    return;
  }
  const o = st.parseOpts(st.lists.global, arg, false, loc);
  if (o.get('driver') === undefined || o.get('property') === undefined || o.get('value') === undefined) {
    throw new LegacyError("options 'driver', 'property', and 'value' are required", loc);
  }
}

/** One option of the second pass. */
function handle(st: State, name: OptionName, arg: string, loc: Loc, opt: ParseOptions): void {
  const r = st.result;
  switch (name) {
    case 'h':
    case 'help':
      throw new HelpExit({ kind: 'help' });
    case 'version':
      throw new HelpExit({ kind: 'version' });
    case 'M':
    case 'machine': {
      let help: boolean;
      try {
        help = keyvalParse(arg, { impliedKey: 'type', allowHelp: true, into: r.machine }).help;
      } catch (e) {
        throw asLegacy(e, loc);
      }
      if (help) throw new HelpExit({ kind: 'machine-help', machine: r.machine });
      return;
    }
    case 'smp':
    case 'boot': {
      const spec = name === 'smp' ? G.SMP_OPTS : G.BOOT_OPTS;
      const { dict, help } = st.keyval(arg, spec.impliedOptName, loc, true);
      if (help) throw new HelpExit({ kind: 'opts-help', text: G.optsHelpText(spec), status: 0 });
      const wrap = newDict();
      wrap[name] = dict;
      st.mergeMachine(wrap, loc);
      return;
    }
    case 'kernel':
    case 'initrd':
    case 'append':
    case 'dtb':
      r.machine[name] = arg;
      return;
    case 'bios':
      r.machine.firmware = arg;
      return;
    case 'nographic':
      r.machine.graphics = 'off';
      r.nographic = true;
      r.display = { args: Object.assign(newDict(), { type: 'none' }), loc };
      return;
    case 'm':
      st.parseOpts(st.lists.memory, arg, true, loc);
      return;
    case 'cpu':
      r.cpu = { model: arg, loc };
      return;
    case 'accel': {
      const o = st.parseOpts(st.lists.accel, arg, true, loc);
      const a = o.get('accel');
      if (a === undefined || isHelp(a)) throw new HelpExit({ kind: 'accel-help' });
      return;
    }
    case 'name':
      st.parseOpts(st.lists.name, arg, true, loc);
      return;
    case 'uuid':
      if (!uuidValid(arg)) throw new LegacyError('failed to parse UUID string: wrong format', loc);
      r.uuid = arg;
      return;
    case 'hda':
    case 'hdb':
    case 'hdc':
    case 'hdd':
      driveAdd(st, undefined, ['hda', 'hdb', 'hdc', 'hdd'].indexOf(name), arg, 'media=disk', loc);
      return;
    case 'cdrom':
      driveAdd(st, undefined, 2, arg, 'media=cdrom', loc);
      return;
    case 'drive':
      st.parseOpts(st.lists.drive, arg, false, loc);
      return;
    case 'blockdev':
      parseBlockdev(st, arg, loc);
      return;
    case 'snapshot':
      r.snapshot = true;
      return;
    case 'device':
      if (isJsonArg(arg)) {
        let args: { [key: string]: JsonValue };
        try {
          args = parseJsonArg(arg);
        } catch (e) {
          throw asLegacy(e, loc);
        }
        st.jsonDevices.push({ args, syntax: 'json', loc });
      } else {
        st.parseOpts(st.lists.device, arg, true, loc);
      }
      return;
    case 'global':
      parseGlobal(st, arg, loc);
      return;
    case 'chardev':
      st.parseOpts(st.lists.chardev, arg, true, loc);
      return;
    case 'serial':
      r.serials.push({ arg, loc });
      r.defaultsOff.serial = true;
      if (arg.startsWith('mon:')) r.defaultsOff.monitor = true;
      return;
    case 'monitor':
      r.defaultsOff.monitor = true;
      if (!arg.startsWith('none')) monitorParse(st, arg, 'readline', false, loc);
      return;
    case 'qmp':
    case 'qmp-pretty':
      monitorParse(st, arg, 'control', name === 'qmp-pretty', loc);
      r.defaultsOff.monitor = true;
      return;
    case 'mon':
      st.parseOpts(st.lists.mon, arg, true, loc);
      r.defaultsOff.monitor = true;
      return;
    case 'netdev':
      r.defaultsOff.net = true;
      if (isJsonArg(arg)) {
        let args: { [key: string]: JsonValue };
        try {
          args = parseJsonArg(arg);
        } catch (e) {
          throw asLegacy(e, loc);
        }
        st.netdevJson.push({ rec: { args, syntax: 'json', loc }, seq: st.nextSeq() });
      } else {
        st.parseOpts(st.lists.netdev, arg, true, loc);
      }
      return;
    case 'object':
      parseObject(st, arg, loc);
      return;
    case 'display':
      parseDisplay(st, arg, loc);
      return;
    case 'nodefaults':
      r.defaults = false;
      return;
    case 'no-user-config':
      return;
    case 'S':
      r.autostart = false;
      return;
    case 'no-reboot':
      st.parseOpts(st.lists.action, 'reboot=shutdown', false, loc);
      return;
    case 'no-shutdown':
      st.parseOpts(st.lists.action, 'shutdown=pause', false, loc);
      return;
    case 'action':
      st.parseOpts(st.lists.action, arg, false, loc);
      return;
    case 'readconfig':
      r.readconfig.push(arg);
      readConfigFile(arg, loc, (s) => applySection(st, s), opt.readFile);
      return;
    case 'pidfile':
      r.pidfile = arg;
      return;
    case 'daemonize':
      r.daemonize = true;
      return;
    case 'print-config':
      r.printConfig = true;
      return;
    case 'print-commands':
      r.printCommands = true;
      return;
  }
}

/** qdict_crumple for a config section: dotted keys nest, all-numeric levels become lists. */
function crumple(dict: Record<string, string>, loc: Loc): KeyvalDict {
  const out = newDict();
  for (const [key, value] of Object.entries(dict)) {
    const parts = key.split('.');
    let cur: KeyvalDict = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i];
      const next = cur[p];
      if (next === undefined) cur[p] = newDict();
      else if (typeof next === 'string') throw new LegacyError(`Cannot mix scalar and non-scalar keys`, loc);
      cur = cur[p] as KeyvalDict;
    }
    const last = parts[parts.length - 1];
    if (typeof cur[last] === 'object') throw new LegacyError(`Cannot mix scalar and non-scalar keys`, loc);
    cur[last] = value;
  }
  const listify = (d: KeyvalDict): KeyvalValue => {
    const keys = Object.keys(d);
    for (const k of keys) {
      const v = d[k];
      if (typeof v === 'object' && !Array.isArray(v)) d[k] = listify(v);
    }
    const numeric = keys.filter((k) => /^(0|[1-9][0-9]*)$/.test(k));
    if (numeric.length === 0) return d;
    if (numeric.length !== keys.length) throw new LegacyError('Cannot mix list and non-list keys', loc);
    const list: KeyvalValue[] = [];
    for (let i = 0; i < keys.length; i++) {
      if (d[String(i)] === undefined) throw new LegacyError('Gap in list', loc);
      list.push(d[String(i)]);
    }
    return list;
  };
  for (const k of Object.keys(out)) {
    const v = out[k];
    if (typeof v === 'object' && !Array.isArray(v)) out[k] = listify(v);
  }
  return out;
}

/** qemu_parse_config_group: one -readconfig section into its group. */
function applySection(st: State, s: ConfigSection): void {
  const { group, dict, loc } = s;
  switch (group) {
    case 'machine':
      st.mergeMachine(crumple(dict, loc), loc);
      return;
    case 'smp-opts':
    case 'boot-opts': {
      const wrap = newDict();
      wrap[group === 'smp-opts' ? 'smp' : 'boot'] = crumple(dict, loc);
      st.mergeMachine(wrap, loc);
      return;
    }
    case 'object': {
      const args = crumple(dict, loc);
      checkObjectArgs(args, loc);
      st.objectsOther.push({ rec: { args, syntax: 'keyval', loc }, seq: st.nextSeq() });
      return;
    }
  }
  const lists = st.lists as Record<string, QemuOptsList>;
  const spec: QemuOptsListSpec | undefined = G.CONFIG_QEMUOPTS_GROUPS.find((g) => g.name === group);
  const list = spec ? Object.values(lists).find((l) => l.spec === spec) : undefined;
  if (!list) throw new LegacyError(`There is no option group '${group}'`, loc);
  try {
    const o = list.fromDict(dict);
    st.remember(o, loc);
  } catch (e) {
    // QEMU loses the hint lines of errors raised while reading a config file.
    if (e instanceof QemuOptsError) throw new LegacyError(e.message, loc);
    throw e;
  }
}

function collect(st: State): ParsedCommandLine {
  const r = st.result;
  const loc = (o: QemuOpts) => st.locs.get(o)!;
  const recs = (l: QemuOptsList) => l.instances.map((o) => toRecord(o, loc(o)));
  r.drives = recs(st.lists.drive);
  r.devices = recs(st.lists.device);
  r.chardevs = recs(st.lists.chardev);
  r.mons = recs(st.lists.mon);
  r.accel = recs(st.lists.accel);
  r.blockdevs = st.blockdevs;
  r.jsonDevices = st.jsonDevices;
  const mem = st.lists.memory.instances[0];
  if (mem) r.memory = toRecord(mem, loc(mem));
  const name = st.lists.name.instances[0];
  if (name) r.name = toRecord(name, loc(name));
  const action = st.lists.action.instances[0];
  if (action) r.action = toRecord(action, loc(action)).opts;
  r.globals = st.lists.global.instances.map((o) => ({
    driver: o.get('driver')!,
    property: o.get('property')!,
    value: o.get('value')!,
    loc: loc(o),
  }));
  // Objects and netdevs keep the order of the command line across both syntaxes.
  const objects = [
    ...st.lists.object.instances.map((o) => {
      const rec = toRecord(o, loc(o));
      const args: { [k: string]: string } = Object.create(null);
      if (rec.id !== undefined) args.id = rec.id;
      Object.assign(args, rec.opts);
      return { rec: { args, syntax: 'opts' as const, loc: rec.loc }, seq: st.seq.get(o)! };
    }),
    ...st.objectsOther,
  ].sort((a, b) => a.seq - b.seq);
  r.objects = objects.map((x) => x.rec);
  const netdevs: { rec: OptsRecord | ArgsRecord; seq: number }[] = [
    ...st.lists.netdev.instances.map((o) => ({ rec: toRecord(o, loc(o)), seq: st.seq.get(o)! })),
    ...st.netdevJson,
  ].sort((a, b) => a.seq - b.seq);
  r.netdevs = netdevs.map((x) => x.rec);
  return r;
}

/**
 * Parses emu-legacy's arguments (without argv[0]) as QEMU 7.2 does. Throws LegacyError (print with
 * formatError, exit with its status). A help or version request ends parsing with `earlyExit` set;
 * groups parsed before it are filled in.
 */
export function parseCommandLine(args: readonly string[], options: ParseOptions = {}): ParsedCommandLine {
  const st = new State(options);
  firstPass(args, st);
  try {
    for (let i = 0; i < args.length; ) {
      const word = args[i];
      if (word[0] !== '-') {
        driveAdd(st, undefined, 0, word, 'media=disk', cmdlineLoc(word));
        i++;
        continue;
      }
      const r = lookupOption(word);
      if (r.kind === 'invalid') throw new LegacyError('invalid option', cmdlineLoc(word));
      const hasArg = r.kind === 'option' ? r.spec.hasArg : r.hasArg;
      const arg = hasArg ? args[i + 1] : '';
      const loc = hasArg ? cmdlineLoc(word, arg) : cmdlineLoc(word);
      i += hasArg ? 2 : 1;
      if (r.kind === 'unsupported') throw new LegacyError('Option not supported in this build', loc);
      handle(st, r.spec.name, arg, loc, options);
    }
  } catch (e) {
    if (e instanceof HelpExit) {
      const r = collect(st);
      r.earlyExit = e.exit;
      return r;
    }
    throw e;
  }
  return collect(st);
}
