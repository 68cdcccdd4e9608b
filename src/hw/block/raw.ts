// The `raw` format driver: the child's bytes, optionally a window of them (`offset`, `size`).
//
// When the format was probed rather than given, writes that would make sector 0 look like another
// format are refused with EPERM, as QEMU does (see probe.ts). Sub-sector writes touching sector 0 are
// checked against the sector as it would be after the write, which is what QEMU's read-modify-write
// to 512-byte alignment amounts to.

import type { BlockDriver } from './driver.ts';
import { nonRawSignature, PROBE_BYTES } from './probe.ts';
import { QmpError } from '../../shared/errors.ts';

export interface RawOptions {
  /** Byte offset of the guest disk inside the child. */
  offset?: number;
  /** Guest disk size; defaults to the rest of the child. */
  size?: number;
  /** The format was guessed: guard sector 0. */
  probed?: boolean;
  readOnly?: boolean;
}

export class RawDriver implements BlockDriver {
  readonly format = 'raw';
  readonly child: BlockDriver;
  readonly readOnly: boolean;
  readonly probed: boolean;
  private readonly offset: number;
  private readonly fixedSize: number | undefined;
  private readonly name: string;

  constructor(child: BlockDriver, opts: RawOptions = {}, name = 'raw') {
    this.child = child;
    this.offset = opts.offset ?? 0;
    this.fixedSize = opts.size;
    this.probed = opts.probed ?? false;
    this.readOnly = (opts.readOnly ?? false) || child.readOnly;
    this.name = name;
    if (!Number.isSafeInteger(this.offset) || this.offset < 0) {
      throw new QmpError(`'${name}': offset must be a non-negative integer, got ${opts.offset}`);
    }
    if (this.offset > child.size) {
      throw new QmpError(`The sum of offset (${this.offset}) and size (0) has to be smaller or equal to the  actual size of the containing file (${child.size})`);
    }
    if (this.fixedSize !== undefined && this.offset + this.fixedSize > child.size) {
      throw new QmpError(`The sum of offset (${this.offset}) and size (${this.fixedSize}) has to be smaller or equal to the  actual size of the containing file (${child.size})`);
    }
  }

  get size(): number {
    return this.fixedSize ?? this.child.size - this.offset;
  }

  read(offset: number, buf: Uint8Array): void {
    this.check(offset, buf.length);
    this.child.read(this.offset + offset, buf);
  }

  write(offset: number, data: Uint8Array): void {
    if (this.readOnly) throw new QmpError(`Cannot write to '${this.name}': the node is read-only`);
    this.check(offset, data.length);
    if (this.probed && offset < PROBE_BYTES && data.length > 0) this.guardSectorZero(offset, data);
    this.child.write(this.offset + offset, data);
  }

  flush(): void {
    this.child.flush();
  }

  close(): void {
    this.child.close();
  }

  private guardSectorZero(offset: number, data: Uint8Array): void {
    const sector = new Uint8Array(Math.min(PROBE_BYTES, Math.max(this.size, offset + data.length)));
    this.child.read(this.offset, sector.subarray(0, Math.min(sector.length, this.size)));
    sector.set(data.subarray(0, Math.max(0, sector.length - offset)), offset);
    const other = nonRawSignature(sector);
    if (other !== null) {
      throw new QmpError(`Operation not permitted: write to sector 0 of '${this.name}' would make its probed raw format look like ${other}; specify format=raw explicitly`, 'GenericError', { errno: 'EPERM', format: other });
    }
  }

  private check(offset: number, length: number): void {
    if (offset < 0 || offset + length > this.size) {
      throw new QmpError(`'${this.name}': request [${offset}, ${offset + length}) is beyond the end of the disk (${this.size} bytes)`);
    }
  }
}
