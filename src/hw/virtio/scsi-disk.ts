// What scsi-hd and scsi-cd share: a logical unit on a SCSI bus executing command descriptor blocks
// against a block node (SPC-4 / SBC-3 / MMC-6 subsets), with sense data and unit attentions. The
// transport (virtio-scsi) hands in a CDB and the data-out bytes and gets back status, sense and
// data-in; commands that must wait (a tray moving) return a promise.

import type { BlockDriver } from '../block/driver.ts';
import type { Device } from '../qom/device.ts';

export const GOOD = 0;
export const CHECK_CONDITION = 2;

export interface Sense {
  key: number;
  asc: number;
  ascq: number;
}

export const SENSE = {
  NO_SENSE: { key: 0, asc: 0, ascq: 0 },
  NO_MEDIUM: { key: 2, asc: 0x3a, ascq: 0x00 },
  NO_MEDIUM_TRAY_CLOSED: { key: 2, asc: 0x3a, ascq: 0x01 },
  NO_MEDIUM_TRAY_OPEN: { key: 2, asc: 0x3a, ascq: 0x02 },
  INVALID_OPCODE: { key: 5, asc: 0x20, ascq: 0 },
  LBA_OUT_OF_RANGE: { key: 5, asc: 0x21, ascq: 0 },
  INVALID_FIELD: { key: 5, asc: 0x24, ascq: 0 },
  LUN_NOT_SUPPORTED: { key: 5, asc: 0x25, ascq: 0 },
  SAVING_PARAMS_NOT_SUPPORTED: { key: 5, asc: 0x39, ascq: 0 },
  INCOMPATIBLE_FORMAT: { key: 5, asc: 0x30, ascq: 0 },
  MEDIUM_REMOVAL_PREVENTED: { key: 5, asc: 0x53, ascq: 0x02 },
  MEDIUM_CHANGED: { key: 6, asc: 0x28, ascq: 0 },
  WRITE_PROTECTED: { key: 7, asc: 0x27, ascq: 0 },
  IO_ERROR: { key: 3, asc: 0x11, ascq: 0 }, // unrecovered read error
  WRITE_ERROR: { key: 3, asc: 0x0c, ascq: 0 },
} as const satisfies Record<string, Sense>;

export interface ScsiReply {
  status: number;
  sense?: Sense;
  data?: Uint8Array;
}

/** What a logical unit needs from the machine: its medium, and the durable tray operations. */
export interface ScsiHost {
  medium(dev: Device): BlockDriver | undefined;
  trayMove(dev: Device, open: boolean): Promise<void>;
  trayLock(dev: Device, locked: boolean): void;
}

/** Fixed-format sense data (SPC-4 §4.5.3), 18 bytes. */
export function senseBytes(s: Sense): Uint8Array {
  const b = new Uint8Array(18);
  b[0] = 0x70;
  b[2] = s.key;
  b[7] = 10;
  b[12] = s.asc;
  b[13] = s.ascq;
  return b;
}

export function check(sense: Sense): ScsiReply {
  return { status: CHECK_CONDITION, sense };
}

export function good(data?: Uint8Array, alloc?: number): ScsiReply {
  if (data && alloc !== undefined && data.length > alloc) data = data.subarray(0, alloc);
  return data ? { status: GOOD, data } : { status: GOOD };
}

export const be16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
export const be32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
export const be64 = (b: Uint8Array, o: number) => be32(b, o) * 0x100000000 + be32(b, o + 4);
export function put16(b: Uint8Array, o: number, v: number): void { b[o] = v >>> 8; b[o + 1] = v; }
export function put32(b: Uint8Array, o: number, v: number): void { b[o] = v >>> 24; b[o + 1] = v >>> 16; b[o + 2] = v >>> 8; b[o + 3] = v; }
export function put64(b: Uint8Array, o: number, v: number): void { put32(b, o, Math.floor(v / 0x100000000)); put32(b, o + 4, v % 0x100000000); }

/** The largest single transfer, in bytes (max_sectors of 512-byte sectors, as virtio-scsi's config says). */
export const MAX_TRANSFER = 0xffff * 512;

/** Commands that neither report nor clear a pending unit attention (SPC-4 §5.14, MMC-6 §4.1.6.1). */
const UA_EXEMPT = new Set([0x12, 0xa0, 0x03, 0x4a, 0x46]);

export abstract class ScsiDisk {
  /** A unit attention waiting for the next command. */
  protected unitAttention: Sense | null = null;
  abstract readonly blockSize: number;
  abstract readonly peripheralType: number;
  abstract readonly productName: string;

  constructor(readonly dev: Device, protected readonly host: ScsiHost) {}

  get target(): number { return this.dev.get('scsi-id') as number; }
  get lun(): number { return this.dev.get('lun') as number; }

  protected get removable(): boolean { return false; }

  /** The medium, when the unit can read it now. */
  protected abstract ready(): BlockDriver | undefined;
  /** Why the unit is not ready (called when ready() is undefined). */
  protected notReadySense(): Sense { return SENSE.NO_MEDIUM; }

  /** Device reset from the transport. */
  reset(): void {}

  execute(cdb: Uint8Array, dataOut: Uint8Array): ScsiReply | Promise<ScsiReply> {
    const op = cdb[0];
    if (this.unitAttention && !UA_EXEMPT.has(op)) {
      const ua = this.unitAttention;
      this.unitAttention = null;
      return check(ua);
    }
    try {
      return this.command(op, cdb, dataOut);
    } catch {
      return check(SENSE.IO_ERROR);
    }
  }

  /** Commands common to disks and CD-ROMs; subclasses add theirs and fall back to this. */
  protected command(op: number, cdb: Uint8Array, dataOut: Uint8Array): ScsiReply | Promise<ScsiReply> {
    switch (op) {
      case 0x00: { // TEST UNIT READY
        return this.ready() ? good() : check(this.notReadySense());
      }
      case 0x03: { // REQUEST SENSE
        let s: Sense = SENSE.NO_SENSE;
        if (this.unitAttention) { s = this.unitAttention; this.unitAttention = null; }
        else if (!this.ready()) s = this.notReadySense();
        return good(senseBytes(s), cdb[4]);
      }
      case 0x12: return this.inquiry(cdb);
      case 0x1b: return this.startStop(cdb);
      case 0x1e: return this.preventAllow(cdb);
      case 0x1a: case 0x5a: return this.modeSense(op === 0x5a, cdb);
      case 0x25: { // READ CAPACITY(10)
        const d = this.ready();
        if (!d) return check(this.notReadySense());
        const b = new Uint8Array(8);
        const blocks = Math.floor(d.size / this.blockSize);
        put32(b, 0, blocks === 0 ? 0 : Math.min(blocks - 1, 0xffffffff));
        put32(b, 4, this.blockSize);
        return good(b);
      }
      case 0x9e: { // SERVICE ACTION IN(16)
        if ((cdb[1] & 0x1f) !== 0x10) return check(SENSE.INVALID_FIELD);
        const d = this.ready();
        if (!d) return check(this.notReadySense());
        const b = new Uint8Array(32);
        const blocks = Math.floor(d.size / this.blockSize);
        put64(b, 0, blocks === 0 ? 0 : blocks - 1);
        put32(b, 8, this.blockSize);
        return good(b, be32(cdb, 10));
      }
      case 0x08: return this.rw(false, ((cdb[1] & 0x1f) << 16) | (cdb[2] << 8) | cdb[3], cdb[4] === 0 ? 256 : cdb[4], dataOut);
      case 0x28: return this.rw(false, be32(cdb, 2), be16(cdb, 7), dataOut);
      case 0xa8: return this.rw(false, be32(cdb, 2), be32(cdb, 6), dataOut);
      case 0x88: return this.rw(false, be64(cdb, 2), be32(cdb, 10), dataOut);
      case 0x35: case 0x91: { // SYNCHRONIZE CACHE(10/16)
        const d = this.ready();
        if (!d) return check(this.notReadySense());
        d.flush();
        return good();
      }
      default:
        return check(SENSE.INVALID_OPCODE);
    }
  }

  /** READ or WRITE of `count` blocks at `lba`. */
  protected rw(write: boolean, lba: number, count: number, dataOut: Uint8Array): ScsiReply {
    const d = this.ready();
    if (!d) return check(this.notReadySense());
    const bs = this.blockSize;
    const blocks = Math.floor(d.size / bs);
    if (lba > blocks || count > blocks - lba) return check(SENSE.LBA_OUT_OF_RANGE);
    const bytes = count * bs;
    if (bytes > MAX_TRANSFER) return check(SENSE.INVALID_FIELD);
    if (write) {
      if (d.readOnly) return check(SENSE.WRITE_PROTECTED);
      if (dataOut.length < bytes) return check(SENSE.INVALID_FIELD);
      try { d.write(lba * bs, dataOut.subarray(0, bytes)); } catch { return check(SENSE.WRITE_ERROR); }
      return good();
    }
    const buf = new Uint8Array(bytes);
    try { d.read(lba * bs, buf); } catch { return check(SENSE.IO_ERROR); }
    return good(buf);
  }

  protected inquiry(cdb: Uint8Array): ScsiReply {
    const alloc = be16(cdb, 3);
    const serial = (this.dev.get('serial') as string | undefined) ?? '';
    if (cdb[1] & 1) { // vital product data
      const page = cdb[2];
      const body: number[] = [];
      if (page === 0x00) body.push(0x00, ...(serial ? [0x80] : []), 0x83);
      else if (page === 0x80 && serial) body.push(...ascii(serial, serial.length));
      else if (page === 0x83) {
        const id = (this.dev.get('device_id') as string | undefined) ?? (serial || this.dev.label);
        const desig = [...ascii('QEMU', 8), ...ascii(id, Math.min(id.length, 200))];
        body.push(0x02, 0x01, 0x00, desig.length, ...desig); // ASCII, T10 vendor ID based
      } else return check(SENSE.INVALID_FIELD);
      const b = new Uint8Array(4 + body.length);
      b[0] = this.peripheralType;
      b[1] = page;
      put16(b, 2, body.length);
      b.set(body, 4);
      return good(b, alloc);
    }
    if (cdb[2] !== 0) return check(SENSE.INVALID_FIELD);
    const b = new Uint8Array(36);
    b[0] = this.peripheralType;
    b[1] = this.removable ? 0x80 : 0;
    b[2] = 5; // SPC-3
    b[3] = 0x02 | 0x10; // response data format 2, HiSup
    b[4] = 36 - 5;
    b[7] = 0x02; // CmdQue
    b.set(ascii((this.dev.get('vendor') as string | undefined) ?? 'QEMU', 8), 8);
    b.set(ascii((this.dev.get('product') as string | undefined) ?? this.productName, 16), 16);
    b.set(ascii((this.dev.get('ver') as string | undefined) ?? '2.5+', 4), 32);
    return good(b, alloc);
  }

  protected startStop(_cdb: Uint8Array): ScsiReply | Promise<ScsiReply> {
    return good();
  }

  protected preventAllow(_cdb: Uint8Array): ScsiReply {
    return good();
  }

  /** Mode pages this unit has, by page code, as they read now. */
  protected abstract modePages(): Map<number, Uint8Array>;
  /** The device-specific parameter of the mode header (WP for disks). */
  protected modeDeviceSpecific(): number { return 0; }
  protected blockDescriptor(): Uint8Array | null { return null; }

  protected modeSense(ten: boolean, cdb: Uint8Array): ScsiReply {
    const pc = cdb[2] >> 6;
    const code = cdb[2] & 0x3f;
    if (pc === 3) return check(SENSE.SAVING_PARAMS_NOT_SUPPORTED);
    if (cdb[3] !== 0 && cdb[3] !== 0xff) return check(SENSE.INVALID_FIELD); // no subpages
    const pages = this.modePages();
    const chosen: Uint8Array[] = [];
    if (code === 0x3f) for (const [, p] of [...pages].sort((a, b) => a[0] - b[0])) chosen.push(p);
    else {
      const p = pages.get(code);
      if (!p) return check(SENSE.INVALID_FIELD);
      chosen.push(p);
    }
    // Changeable values: nothing can be changed, so every bit after the page header is zero.
    const body = chosen.map((p) => pc === 1 ? Uint8Array.from(p, (v, i) => (i < 2 ? v : 0)) : p);
    const bd = cdb[1] & 0x08 ? null : this.blockDescriptor();
    const hdr = ten ? 8 : 4;
    const total = hdr + (bd?.length ?? 0) + body.reduce((n, p) => n + p.length, 0);
    const b = new Uint8Array(total);
    if (ten) {
      put16(b, 0, total - 2);
      b[3] = this.modeDeviceSpecific();
      put16(b, 6, bd?.length ?? 0);
    } else {
      b[0] = Math.min(total - 1, 0xff);
      b[2] = this.modeDeviceSpecific();
      b[3] = bd?.length ?? 0;
    }
    let o = hdr;
    if (bd) { b.set(bd, o); o += bd.length; }
    for (const p of body) { b.set(p, o); o += p.length; }
    return good(b, ten ? be16(cdb, 7) : cdb[4]);
  }
}

/** Space-padded ASCII of exactly `n` bytes, as INQUIRY's fixed fields. */
export function ascii(s: string, n: number): number[] {
  const out = new Array<number>(n).fill(0x20);
  for (let i = 0; i < Math.min(n, s.length); i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}
