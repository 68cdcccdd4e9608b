// -drive semantics of QEMU 7.2 (drive_new in blockdev.c): option renames, cache modes, media, the
// interface, index → bus/unit mapping ("that mapping is ABI"), the first free unit, automatic ids,
// and the checks with QEMU's messages. Machine-specific facts (default interface, units per bus,
// which interfaces the board attaches) are data, so emu's virt board and QEMU's boards differ only
// in a table.

import { parseBool, parseU64 } from '../shared/qemu-opts.ts';
import { LegacyError, NO_LOC, type Loc, type Report } from './errors.ts';

export type BlockInterface = 'none' | 'ide' | 'scsi' | 'floppy' | 'pflash' | 'mtd' | 'sd' | 'virtio' | 'xen';

/** QEMU's if_name[] order. */
export const INTERFACES: readonly BlockInterface[] = ['none', 'ide', 'scsi', 'floppy', 'pflash', 'mtd', 'sd', 'virtio', 'xen'];

/** if_max_devs (blockdev.c): units per bus; 0 means one bus with unlimited units. */
const IF_MAX_DEVS: Readonly<Record<BlockInterface, number>> = {
  none: 0, ide: 2, scsi: 7, floppy: 0, pflash: 0, mtd: 0, sd: 0, virtio: 0, xen: 0,
};

/** What a machine type contributes to drive handling. */
export interface MachineBlockFacts {
  machine: string;
  /** block_default_type: the interface of a drive given without if=. */
  defaultInterface: BlockInterface;
  /**
   * emu's addition: the interface of a drive given without if= but with media=cdrom (-cdrom). QEMU
   * has no such notion; emu's virt uses it to put removable media on SCSI, where a tray exists.
   */
  defaultCdromInterface?: BlockInterface;
  /** units_per_default_bus: overrides the units per bus of the default interface (q35: 1). */
  unitsPerDefaultBus?: number;
  /** Interfaces whose drives the board creates a device for; drives on others are orphans. */
  attachable: readonly BlockInterface[];
  /** Buses the board has per attachable interface; a drive on a higher bus is an orphan. */
  buses?: Partial<Record<BlockInterface, number>>;
  /** Machine flags no_cdrom / no_floppy / no_sdcard: no default drive of that kind. */
  noCdrom?: boolean;
  noFloppy?: boolean;
  noSdcard?: boolean;
}

/**
 * emu's riscv virt: disks are virtio-blk on virtio-mmio, removable media scsi-cd on an automatic
 * virtio-scsi controller (deliberate differences from QEMU 7.2, whose riscv virt leaves such drives
 * unattached). No floppy or SD card hardware, so no such default drives.
 */
export const EMU_VIRT_BLOCK: MachineBlockFacts = {
  machine: 'virt',
  defaultInterface: 'virtio',
  defaultCdromInterface: 'scsi',
  attachable: ['virtio', 'scsi'],
  buses: { scsi: 1 },
  noFloppy: true,
  noSdcard: true,
};

/** QEMU 7.2 riscv64 virt, for comparison and tests: every -hda/-cdrom drive is if=none. */
export const QEMU_RISCV_VIRT_BLOCK: MachineBlockFacts = {
  machine: 'virt',
  defaultInterface: 'none',
  attachable: ['virtio'],
};

/**
 * QEMU 7.2 x86 pc (i440fx), for tests of the catalogue entries that need IDE. if=scsi drives stay
 * unattached without a SCSI controller (observed).
 */
export const QEMU_PC_BLOCK: MachineBlockFacts = {
  machine: 'pc',
  defaultInterface: 'ide',
  attachable: ['ide', 'floppy', 'virtio'],
  buses: { ide: 2, floppy: 1 },
};

/** One -drive (or -hda, -cdrom, bare image, [drive] section) as parsed: its options in order. */
export interface DriveInput {
  /** The QemuOpts id, if the user gave one. */
  id?: string | undefined;
  /** Options in the order given; a repeated key keeps its last value. */
  opts: Record<string, string>;
  /** Every option in order with repeats, when known (QEMU's renames make the first value win). */
  all?: [string, string][];
  loc: Loc;
}

export type DriveMedia = 'disk' | 'cdrom';

/** A drive after QEMU's -drive rules: where it sits and what the block layer is to open. */
export interface DriveConfig {
  /** The BlockBackend name: the user's id or the automatic one. */
  id: string;
  autoId: boolean;
  interface: BlockInterface;
  bus: number;
  unit: number;
  /** index= as given, or -1 (QEMU prints it in the "exists" message). */
  index: number;
  media: DriveMedia;
  readOnly: boolean;
  copyOnRead: boolean;
  /** file=, absent for an empty drive. */
  file?: string;
  werror?: string;
  rerror?: string;
  /**
   * Everything else for the block layer, as strings, QEMU's renames applied: format, snapshot,
   * node-name, cache.writeback/direct/no-flush, aio, discard, throttling.*, ...
   */
  blockOptions: Record<string, string>;
  /** A default drive (created unless -nodefaults), which is never an orphan. */
  isDefault: boolean;
  loc: Loc;
}

const RENAMES: readonly (readonly [string, string])[] = [
  ['iops', 'throttling.iops-total'], ['iops_rd', 'throttling.iops-read'], ['iops_wr', 'throttling.iops-write'],
  ['bps', 'throttling.bps-total'], ['bps_rd', 'throttling.bps-read'], ['bps_wr', 'throttling.bps-write'],
  ['iops_max', 'throttling.iops-total-max'], ['iops_rd_max', 'throttling.iops-read-max'],
  ['iops_wr_max', 'throttling.iops-write-max'], ['bps_max', 'throttling.bps-total-max'],
  ['bps_rd_max', 'throttling.bps-read-max'], ['bps_wr_max', 'throttling.bps-write-max'],
  ['iops_size', 'throttling.iops-size'], ['group', 'throttling.group'], ['readonly', 'read-only'],
];

/** bdrv_parse_cache_mode. */
function parseCacheMode(mode: string): { writethrough: boolean; nocache: boolean; noFlush: boolean } | undefined {
  switch (mode) {
    case 'off':
    case 'none':
      return { writethrough: false, nocache: true, noFlush: false };
    case 'directsync':
      return { writethrough: true, nocache: true, noFlush: false };
    case 'writeback':
      return { writethrough: false, nocache: false, noFlush: false };
    case 'unsafe':
      return { writethrough: false, nocache: false, noFlush: true };
    case 'writethrough':
      return { writethrough: true, nocache: false, noFlush: false };
    default:
      return undefined;
  }
}

const onOff = (b: boolean) => (b ? 'on' : 'off');

/** A number option the way QEMU reads it into a C int (so -1 or 2^64-1 both mean "unset"). */
function intOpt(name: string, value: string | undefined, def: number, loc: Loc): number {
  if (value === undefined) return def;
  const r = parseU64(value);
  if (!r.ok) {
    throw new LegacyError(
      r.range ? `Value '${value}' is too large for parameter '${name}'` : `Parameter '${name}' expects a number`,
      loc,
    );
  }
  return Number(BigInt.asIntN(32, r.value));
}

function boolOpt(name: string, value: string | undefined, loc: Loc): boolean {
  if (value === undefined) return false;
  try {
    return parseBool(name, value);
  } catch (e) {
    throw new LegacyError((e as Error).message, loc);
  }
}

/**
 * Assigns bus, unit and id to drives in order, as configure_blockdev → drive_new does. QEMU opens
 * each drive's image right after its checks, before the next drive: to report errors in QEMU's
 * order, call add(), then open the image (block-layer errors such as "Block format 'raw' does not
 * support the option 'x'"), then checkName(), drive by drive.
 */
export class DriveTable {
  readonly facts: MachineBlockFacts;
  readonly drives: DriveConfig[] = [];
  /** Warnings QEMU printed while adding drives (copy-on-read on a read-only drive). */
  readonly warnings: Report[] = [];

  private readonly onWarning: ((w: Report) => void) | undefined;

  /** onWarning is called as QEMU prints each warning (before a later drive's error). */
  constructor(facts: MachineBlockFacts, onWarning?: (w: Report) => void) {
    this.facts = facts;
    this.onWarning = onWarning;
  }

  maxDevs(type: BlockInterface): number {
    if (type === this.facts.defaultInterface && this.facts.unitsPerDefaultBus) return this.facts.unitsPerDefaultBus;
    return IF_MAX_DEVS[type];
  }

  get(type: BlockInterface, bus: number, unit: number): DriveConfig | undefined {
    return this.drives.find((d) => d.interface === type && d.bus === bus && d.unit === unit);
  }

  getByIndex(type: BlockInterface, index: number): DriveConfig | undefined {
    const max = this.maxDevs(type);
    return this.get(type, max ? Math.trunc(index / max) : 0, max ? index % max : index);
  }

  /**
   * drive_new: validates one drive and adds it. Throws LegacyError with QEMU's message at the
   * drive's location. `snapshot` is -snapshot (adds snapshot=on unless the drive says otherwise).
   */
  add(input: DriveInput, opts: { snapshot?: boolean; isDefault?: boolean } = {}): DriveConfig {
    const loc = input.loc;
    // QEMU works on the option list (repeats kept) until it makes a dictionary of it.
    const list: [string, string][] = (input.all ?? Object.entries(input.opts)).map(([k, v]) => [k, v]);
    const lastIndex = (k: string) => {
      for (let i = list.length - 1; i >= 0; i--) if (list[i][0] === k) return i;
      return -1;
    };
    const lastValue = (k: string) => {
      const i = lastIndex(k);
      return i < 0 ? undefined : list[i][1];
    };
    if (opts.snapshot && lastValue('snapshot') === undefined) list.push(['snapshot', 'on']);

    // qemu_opt_rename moves the last value first, so of repeated values the first one ends up last.
    for (const [from, to] of RENAMES) {
      if (lastValue(from) === undefined) continue;
      if (lastValue(to) !== undefined) throw new LegacyError(`'${to}' and its alias '${from}' can't be used at the same time`, loc);
      for (let i = lastIndex(from); i >= 0; i = lastIndex(from)) {
        list.push([to, list[i][1]]);
        list.splice(i, 1);
      }
    }

    const cache = lastValue('cache');
    if (cache !== undefined) {
      const c = parseCacheMode(cache);
      if (!c) throw new LegacyError('invalid cache option', loc);
      if (lastValue('cache.writeback') === undefined) list.push(['cache.writeback', onOff(!c.writethrough)]);
      if (lastValue('cache.direct') === undefined) list.push(['cache.direct', onOff(c.nocache)]);
      if (lastValue('cache.no-flush') === undefined) list.push(['cache.no-flush', onOff(c.noFlush)]);
      // Only the last cache= is removed; earlier ones reach the block layer, which rejects them.
      list.splice(lastIndex('cache'), 1);
    }

    const all: Record<string, string> = Object.create(null);
    for (const [k, v] of list) all[k] = v;

    // The legacy options are taken out and checked against their types first.
    const take = (k: string) => {
      const v = all[k];
      delete all[k];
      return v;
    };
    const busText = take('bus');
    const unitText = take('unit');
    const indexText = take('index');
    let busId = intOpt('bus', busText, 0, loc);
    let unitId = intOpt('unit', unitText, -1, loc);
    const index = intOpt('index', indexText, -1, loc);
    const mediaText = take('media');
    const ifText = take('if');
    const file = take('file');
    const readOnlyText = take('read-only');
    const rerror = take('rerror');
    const werror = take('werror');
    const corText = take('copy-on-read');
    let readOnly = boolOpt('read-only', readOnlyText, loc);
    let copyOnRead = boolOpt('copy-on-read', corText, loc);

    let media: DriveMedia = 'disk';
    if (mediaText !== undefined) {
      if (mediaText === 'disk') media = 'disk';
      else if (mediaText === 'cdrom') media = 'cdrom';
      else throw new LegacyError(`'${mediaText}' invalid media`, loc);
    }
    if (media === 'cdrom') readOnly = true;
    if (readOnly && copyOnRead) {
      const w = { message: 'disabling copy-on-read on read-only drive', loc };
      this.warnings.push(w);
      this.onWarning?.(w);
      copyOnRead = false;
    }

    let type: BlockInterface;
    if (ifText !== undefined) {
      if (!(INTERFACES as readonly string[]).includes(ifText)) throw new LegacyError(`unsupported bus type '${ifText}'`, loc);
      type = ifText as BlockInterface;
    } else if (media === 'cdrom' && this.facts.defaultCdromInterface) {
      type = this.facts.defaultCdromInterface;
    } else {
      type = this.facts.defaultInterface;
    }

    const maxDevs = this.maxDevs(type);
    if (index !== -1) {
      if (busId !== 0 || unitId !== -1) throw new LegacyError('index cannot be used with bus and unit', loc);
      busId = maxDevs ? Math.trunc(index / maxDevs) : 0;
      unitId = maxDevs ? index % maxDevs : index;
    }
    if (unitId === -1) {
      unitId = 0;
      while (this.get(type, busId, unitId)) {
        unitId++;
        if (maxDevs && unitId >= maxDevs) {
          unitId -= maxDevs;
          busId++;
        }
      }
    }
    if (maxDevs && unitId >= maxDevs) throw new LegacyError(`unit ${unitId} too big (max is ${maxDevs - 1})`, loc);
    if (this.get(type, busId, unitId)) {
      throw new LegacyError(`drive with bus=${busId}, unit=${unitId} (index=${index}) exists`, loc);
    }

    let id = input.id;
    const autoId = id === undefined;
    if (id === undefined) {
      const mediaStr = type === 'ide' || type === 'scsi' ? (media === 'cdrom' ? '-cd' : '-hd') : '';
      id = maxDevs ? `${type}${busId}${mediaStr}${unitId}` : `${type}${mediaStr}${unitId}`;
    }

    if (werror !== undefined && !['ide', 'scsi', 'virtio', 'none'].includes(type)) {
      throw new LegacyError('werror is not supported by this bus type', loc);
    }
    if (rerror !== undefined && !['ide', 'scsi', 'virtio', 'none'].includes(type)) {
      throw new LegacyError('rerror is not supported by this bus type', loc);
    }

    const config: DriveConfig = {
      id,
      autoId,
      interface: type,
      bus: busId,
      unit: unitId,
      index,
      media,
      readOnly,
      copyOnRead,
      blockOptions: all,
      isDefault: opts.isDefault === true,
      loc,
    };
    if (file !== undefined) config.file = file;
    if (werror !== undefined) config.werror = werror;
    if (rerror !== undefined) config.rerror = rerror;
    this.drives.push(config);
    return config;
  }

  /**
   * monitor_add_blk's checks on a drive's name, which QEMU makes after the block layer has opened
   * the drive (so an image error of this drive comes first): the name must be unique among the
   * drives added before it, and no block node (-blockdev node-name) may carry it. Automatic ids can
   * collide: the id of an interface with unlimited units ignores the bus (`none0` for bus=1 too).
   */
  checkName(config: DriveConfig, nodeNames: ReadonlySet<string> = new Set()): void {
    const earlier = this.drives.slice(0, Math.max(0, this.drives.indexOf(config)));
    if (earlier.some((d) => d.id === config.id)) throw new LegacyError(`Device with id '${config.id}' already exists`, config.loc);
    if (nodeNames.has(config.id)) {
      throw new LegacyError(`Device name '${config.id}' conflicts with an existing node name`, config.loc);
    }
  }

  /**
   * The default drives of configure_blockdev: an empty CD-ROM at index 2 of the (CD-ROM) default
   * interface, floppy 0 and SD card 0, each unless disabled, unless the machine lacks it, and unless
   * a drive already sits there. `enabled` carries default_cdrom / default_floppy / default_sdcard
   * after -nodefaults and the -device checks.
   */
  addDefaults(enabled: { cdrom: boolean; floppy: boolean; sdcard: boolean }, snapshot = false): DriveConfig[] {
    const added: DriveConfig[] = [];
    const one = (on: boolean, type: BlockInterface, index: number, media?: DriveMedia) => {
      if (!on || this.getByIndex(type, index)) return;
      const opts: Record<string, string> = Object.create(null);
      if (media) opts.media = media;
      opts.if = type;
      opts.index = String(index);
      added.push(this.add({ opts, loc: NO_LOC }, { snapshot, isDefault: true }));
    };
    const cdType = this.facts.defaultCdromInterface ?? this.facts.defaultInterface;
    one(enabled.cdrom && !this.facts.noCdrom, cdType, 2, 'cdrom');
    one(enabled.floppy && !this.facts.noFloppy, 'floppy', 0);
    one(enabled.sdcard && !this.facts.noSdcard, 'sd', 0);
    return added;
  }

  /**
   * drive_check_orphaned: drives the board leaves without a device. QEMU reports every orphan and
   * then exits; this throws one LegacyError carrying all reports (the earlier ones in `before`).
   */
  checkOrphans(): void {
    const reports: Report[] = [];
    for (const d of this.drives) {
      if (d.isDefault || d.interface === 'none') continue;
      const buses = this.facts.buses?.[d.interface];
      const attached = this.facts.attachable.includes(d.interface) && (buses === undefined || d.bus < buses);
      if (!attached) {
        reports.push({ message: `machine type does not support if=${d.interface},bus=${d.bus},unit=${d.unit}`, loc: d.loc });
      }
    }
    if (reports.length > 0) {
      const last = reports[reports.length - 1];
      throw new LegacyError(last.message, last.loc, undefined, reports.slice(0, -1));
    }
  }
}
