// The qcow2 format driver (versions 2 and 3) over a `file` node.
//
// Crash consistency. Metadata (L1, L2, refcounts) is cached in memory and written only by flush(),
// in dependency order with a host flush between the steps:
//   guest data and refcount blocks → refcount table (+ header if relocated) → L2 tables → L1 entries.
// A cluster is therefore never referenced on disk before its refcount is, and never before its data
// is; a crash at any point leaves at worst leaked clusters (what `qemu-img check` calls leaks), and
// loses only writes the guest had not flushed — the contract of a disk with a volatile write cache.
// (The order is "refcounts before references": writing references first, as one might read "data,
// then metadata, then refcounts", would leave a window in which a referenced cluster has refcount 0,
// which qemu-img check reports as corruption.) Steps within one flush may reach the disk in any
// order; see qcow2-refcount.ts for why new refcount blocks can be written side by side.
// test/block/crash-order.test.ts replays every crash point of recorded workloads against this.
//
// Not supported, refused with a clear error rather than misread: encryption, compressed clusters
// (at open when the first L2 tables have any, else when read), external data files, extended L2
// entries, zstd compression, and writing to images with internal snapshots or the dirty/corrupt
// bit set (they can still be opened read-only).

import * as path from 'node:path';
import type { BlockDriver } from './driver.ts';
import type { FileDriver } from './file.ts';
import {
  describeIncompatible, entryOffset, HI_COMPRESSED, HI_COPIED, INCOMPAT_CORRUPT, INCOMPAT_DIRTY,
  INCOMPAT_SUPPORTED, LO_ZERO, parseExtensions, parseHeader, setEntry, setU64,
  type Qcow2Extensions, type Qcow2Header,
} from './qcow2-format.ts';
import { Refcounts } from './qcow2-refcount.ts';
import { QmpError } from '../../shared/errors.ts';

export interface Qcow2OpenOptions {
  /** Name used in messages and to resolve a relative backing file name. */
  filename: string;
  readOnly?: boolean;
  /**
   * The layer below: a driver, null for none, or undefined to open the one the header names through
   * openBacking (supplied by open.ts, which knows every format).
   */
  backing?: BlockDriver | null;
  openBacking?: (filename: string, format: string | undefined) => BlockDriver;
}

interface L2 {
  data: Uint8Array;
  view: DataView;
  dirty: boolean;
}

/** L2 tables scanned for compressed clusters at open (32 GiB of guest disk with 64 KiB clusters). */
const OPEN_SCAN_L2_TABLES = 64;

/** Bytes of L2 tables kept in memory before clean ones are dropped. */
const L2_CACHE_BYTES = 64 * 1024 * 1024;

export class Qcow2Driver implements BlockDriver {
  readonly format = 'qcow2';
  readonly file: FileDriver;
  readonly header: Qcow2Header;
  readonly extensions: Qcow2Extensions;
  readonly filename: string;
  readonly readOnly: boolean;
  /** The backing file name as stored in the header, and the resolved name that was opened. */
  readonly backingFile: string | undefined;
  readonly backingFormat: string | undefined;
  readonly fullBackingFilename: string | undefined;
  backing: BlockDriver | null;
  private readonly clusterBits: number;
  private readonly clusterSize: number;
  private readonly l2Bits: number;
  private readonly l1: Uint8Array;
  private readonly l1View: DataView;
  private readonly dirtyL1 = new Set<number>();
  private readonly l2 = new Map<number, L2>();
  private readonly refcounts: Refcounts | null;
  private closed = false;

  constructor(file: FileDriver, opts: Qcow2OpenOptions) {
    this.file = file;
    this.filename = opts.filename;
    const name = opts.filename;
    const first = new Uint8Array(Math.min(file.size, 512));
    file.read(0, first);
    const probe = parseHeader(first, name);
    const headBuf = new Uint8Array(Math.min(file.size, 2 ** probe.clusterBits));
    file.read(0, headBuf);
    const h = parseHeader(headBuf, name);
    this.header = h;
    // QEMU's messages stay bare, as QEMU reports them; emu's own refusals name the file.
    const qemuFail = (why: string) => new QmpError(why, 'GenericError', { filename: name });
    const fail = (why: string) => new QmpError(`Could not open '${name}': ${why}`);
    if (h.cryptMethod !== 0) {
      throw fail(`the image is encrypted (qcow2 crypt_method ${h.cryptMethod === 1 ? 'aes' : h.cryptMethod === 2 ? 'luks' : h.cryptMethod}); emu does not support encrypted images`);
    }
    this.extensions = parseExtensions(headBuf, h, name);
    const unsupported = h.incompatibleFeatures & ~INCOMPAT_SUPPORTED;
    if (unsupported) throw qemuFail(`Unsupported qcow2 feature(s): ${describeIncompatible(unsupported, this.extensions)}`);
    let readOnly = (opts.readOnly ?? false) || file.readOnly;
    if (!readOnly && h.incompatibleFeatures & INCOMPAT_CORRUPT) throw qemuFail('qcow2: Image is corrupt; cannot be opened read/write');
    if (!readOnly && h.incompatibleFeatures & INCOMPAT_DIRTY) {
      throw fail("the image is marked dirty (its last writer stopped while using lazy refcounts); repair it with 'qemu-img check -r all' or open it read-only");
    }
    if (!readOnly && h.nbSnapshots > 0) {
      throw fail(`the image has ${h.nbSnapshots} internal snapshot(s); emu can only open such images read-only`);
    }
    this.readOnly = readOnly;
    this.clusterBits = h.clusterBits;
    this.clusterSize = 2 ** h.clusterBits;
    this.l2Bits = h.clusterBits - 3;
    const needL1 = Math.ceil(h.size / 2 ** (this.clusterBits + this.l2Bits));
    if (h.l1Size < needL1) throw qemuFail('L1 table is too small');
    if (h.l1TableOffset % this.clusterSize !== 0) throw qemuFail('Invalid L1 table offset');
    if (h.refcountTableOffset % this.clusterSize !== 0) throw qemuFail('Invalid reference count table offset');
    this.l1 = new Uint8Array(h.l1Size * 8);
    file.read(h.l1TableOffset, this.l1);
    this.l1View = new DataView(this.l1.buffer);

    if (h.backingFileOffset) {
      if (h.backingFileSize > 1023 || h.backingFileOffset + h.backingFileSize > headBuf.length) throw qemuFail('Backing file name too long');
      this.backingFile = new TextDecoder().decode(headBuf.subarray(h.backingFileOffset, h.backingFileOffset + h.backingFileSize));
      this.backingFormat = this.extensions.backingFormat;
      this.fullBackingFilename = resolveBacking(name, this.backingFile);
    }
    this.refcounts = readOnly
      ? null
      : new Refcounts(file, h.clusterBits, h.refcountOrder, h.refcountTableOffset, h.refcountTableClusters, (o, c) => this.setRefcountTable(o, c));
    this.refuseCompressed(name);
    if (opts.backing !== undefined) this.backing = opts.backing;
    else if (this.fullBackingFilename) {
      if (!opts.openBacking) throw fail('no way to open its backing file');
      this.backing = opts.openBacking(this.fullBackingFilename, this.backingFormat);
    } else this.backing = null;
    // Only once the open can no longer fail: autoclear bits vouch for structures (bitmaps, raw data
    // file) that emu does not keep up to date, so a writer must drop them.
    if (!readOnly && h.autoclearFeatures) {
      h.autoclearFeatures = 0;
      this.file.write(88, new Uint8Array(8));
      this.file.flush();
    }
  }

  get size(): number {
    return this.header.size;
  }

  /**
   * Compressed images (cloud images often are) should fail at open, not as an I/O error halfway
   * through a boot. The first L2 tables are scanned (and stay cached, warm for the guest); any
   * compressed cluster further out is still refused when read.
   */
  private refuseCompressed(name: string): void {
    let scanned = 0;
    for (let l1i = 0; l1i < this.header.l1Size && scanned < OPEN_SCAN_L2_TABLES; l1i++) {
      if (entryOffset(this.l1View, l1i * 8) === 0) continue;
      const t = this.table(l1i, false)!;
      scanned++;
      for (let i = 0; i < this.clusterSize / 8; i++) {
        if (t.view.getUint32(i * 8) & HI_COMPRESSED) {
          throw new QmpError(`Could not open '${name}': the image uses compressed clusters, which emu does not support; convert it first: qemu-img convert -O qcow2 '${name}' uncompressed.qcow2`);
        }
      }
    }
  }

  get clusterSizeBytes(): number {
    return this.clusterSize;
  }

  read(offset: number, buf: Uint8Array): void {
    this.checkRange(offset, buf.length);
    let pos = 0;
    while (pos < buf.length) {
      const g = offset + pos;
      const m = this.map(g);
      let n = Math.min(this.clusterSize - (g & (this.clusterSize - 1)), buf.length - pos);
      // Extend the run while the next clusters map the same way (contiguous on the host for data).
      while (pos + n < buf.length) {
        const next = this.map(offset + pos + n);
        if (next.kind !== m.kind || (m.kind === 'data' && next.host !== m.host + n)) break;
        n += Math.min(this.clusterSize, buf.length - pos - n);
      }
      const out = buf.subarray(pos, pos + n);
      if (m.kind === 'data') this.file.read(m.host, out);
      else if (m.kind === 'zero') out.fill(0);
      else this.readBacking(g, out);
      pos += n;
    }
  }

  write(offset: number, data: Uint8Array): void {
    if (this.readOnly || !this.refcounts) throw new QmpError(`Cannot write to '${this.filename}': the node is read-only`);
    this.checkRange(offset, data.length);
    let pos = 0;
    while (pos < data.length) {
      const g = offset + pos;
      const inCluster = g & (this.clusterSize - 1);
      const n = Math.min(this.clusterSize - inCluster, data.length - pos);
      const run = inCluster === 0 ? this.freshRun(g, Math.floor((data.length - pos) / this.clusterSize)) : 0;
      if (run > 1) {
        pos += this.writeFreshRun(g, run, data.subarray(pos, pos + run * this.clusterSize));
        continue;
      }
      this.writeCluster(g - inCluster, inCluster, data.subarray(pos, pos + n));
      pos += n;
    }
    this.trimCache();
  }

  flush(): void {
    if (this.closed) return;
    if (!this.readOnly) this.writeMetadata();
    this.file.flush();
  }

  close(): void {
    if (this.closed) return;
    try {
      if (!this.readOnly) this.flush();
    } finally {
      this.closed = true;
      this.file.close();
      this.backing?.close();
    }
  }

  /** Where a guest offset's bytes live: a host offset, zeros, or the backing chain. */
  private map(g: number): { kind: 'data' | 'zero' | 'backing'; host: number } {
    const l1i = Math.floor(g / 2 ** (this.clusterBits + this.l2Bits));
    const t = this.table(l1i, false);
    if (!t) return { kind: 'backing', host: 0 };
    const l2i = Math.floor(g / this.clusterSize) & ((1 << this.l2Bits) - 1);
    const hi = t.view.getUint32(l2i * 8);
    const lo = t.view.getUint32(l2i * 8 + 4);
    if (hi & HI_COMPRESSED) {
      throw new QmpError(`'${this.filename}' uses compressed clusters (guest offset 0x${g.toString(16)}); emu does not support compressed qcow2 images — convert it with 'qemu-img convert -O qcow2'`);
    }
    if (this.header.version === 3 && lo & LO_ZERO) return { kind: 'zero', host: 0 };
    const host = entryOffset(t.view, l2i * 8);
    if (host === 0) return { kind: 'backing', host: 0 };
    return { kind: 'data', host: host + (g & (this.clusterSize - 1)) };
  }

  private readBacking(g: number, out: Uint8Array): void {
    const b = this.backing;
    const inside = b ? Math.max(0, Math.min(out.length, b.size - g)) : 0;
    if (b && inside > 0) b.read(g, out.subarray(0, inside));
    out.fill(0, inside);
  }

  private writeCluster(clusterStart: number, inCluster: number, data: Uint8Array): void {
    const l1i = Math.floor(clusterStart / 2 ** (this.clusterBits + this.l2Bits));
    const t = this.table(l1i, true)!;
    const l2i = (clusterStart / this.clusterSize) & ((1 << this.l2Bits) - 1);
    const hi = t.view.getUint32(l2i * 8);
    const lo = t.view.getUint32(l2i * 8 + 4);
    if (hi & HI_COMPRESSED) {
      throw new QmpError(`'${this.filename}' uses compressed clusters (guest offset 0x${clusterStart.toString(16)}); emu does not support compressed qcow2 images`);
    }
    const zero = this.header.version === 3 && (lo & LO_ZERO) !== 0;
    const host = entryOffset(t.view, l2i * 8);
    const whole = inCluster === 0 && data.length === this.clusterSize;
    if (host !== 0 && !zero) {
      this.file.write(host + inCluster, data);
      if (!(hi & HI_COPIED)) this.setL2(t, l2i, host);
      return;
    }
    if (host !== 0) {
      // A preallocated zero cluster: old bytes are on disk, so the rest must be zeroed explicitly.
      // Until the L2 entry drops the zero flag the cluster still reads as zeros, so a crash is harmless.
      const full = new Uint8Array(this.clusterSize);
      full.set(data, inCluster);
      this.file.write(host, full);
      this.setL2(t, l2i, host);
      return;
    }
    const fresh = this.refcounts!.allocate(1);
    if (whole || zero || !this.backing) {
      // Fresh clusters have never been written, so they already read as zeros.
      this.file.write(fresh + inCluster, data);
    } else {
      const full = new Uint8Array(this.clusterSize);
      this.readBacking(clusterStart, full);
      full.set(data, inCluster);
      this.file.write(fresh, full);
    }
    this.setL2(t, l2i, fresh);
  }

  /**
   * How many whole clusters from g on (at most `max`, within one L2 table) are unallocated, so a
   * large write can take them as one contiguous host extent with a single pwrite.
   */
  private freshRun(g: number, max: number): number {
    if (max < 2) return 0;
    const perTable = 1 << this.l2Bits;
    const l2i = (g / this.clusterSize) & (perTable - 1);
    const t = this.table(Math.floor(g / 2 ** (this.clusterBits + this.l2Bits)), true)!;
    const limit = Math.min(max, perTable - l2i, 1024);
    let k = 0;
    while (k < limit && t.view.getUint32((l2i + k) * 8) === 0 && t.view.getUint32((l2i + k) * 8 + 4) === 0) k++;
    return k;
  }

  /** Writes up to k fresh clusters as one host extent; returns the bytes written (may be fewer). */
  private writeFreshRun(g: number, k: number, data: Uint8Array): number {
    const t = this.table(Math.floor(g / 2 ** (this.clusterBits + this.l2Bits)), true)!;
    const l2i = (g / this.clusterSize) & ((1 << this.l2Bits) - 1);
    const { offset: host, count } = this.refcounts!.allocateRun(k);
    const bytes = count * this.clusterSize;
    this.file.write(host, data.subarray(0, bytes));
    for (let i = 0; i < count; i++) this.setL2(t, l2i + i, host + i * this.clusterSize);
    return bytes;
  }

  private setL2(t: L2, l2i: number, host: number): void {
    setEntry(t.view, l2i * 8, host, HI_COPIED, 0);
    t.dirty = true;
  }

  /** The L2 table for L1 index l1i, read or (when allocate) created on demand. */
  private table(l1i: number, allocate: boolean): L2 | null {
    const cached = this.l2.get(l1i);
    if (cached) {
      // Refresh the entry's place in insertion order, so trimCache drops the least recently used.
      this.l2.delete(l1i);
      this.l2.set(l1i, cached);
      return cached;
    }
    if (l1i >= this.header.l1Size) throw new QmpError(`'${this.filename}': L1 index ${l1i} out of range`);
    const offset = entryOffset(this.l1View, l1i * 8);
    let t: L2;
    if (offset === 0) {
      if (!allocate) return null;
      const at = this.refcounts!.allocate(1);
      t = { data: new Uint8Array(this.clusterSize), view: new DataView(new ArrayBuffer(0)), dirty: true };
      t.view = new DataView(t.data.buffer);
      setEntry(this.l1View, l1i * 8, at, HI_COPIED, 0);
      this.dirtyL1.add(l1i);
    } else {
      if (offset % this.clusterSize !== 0) {
        throw new QmpError(`'${this.filename}': L2 table offset 0x${offset.toString(16)} unaligned (L1 index: ${l1i}); the image is corrupt`);
      }
      const data = new Uint8Array(this.clusterSize);
      this.file.read(offset, data);
      t = { data, view: new DataView(data.buffer), dirty: false };
      if (!this.readOnly && !(this.l1View.getUint32(l1i * 8) & HI_COPIED)) {
        setEntry(this.l1View, l1i * 8, offset, HI_COPIED, 0);
        this.dirtyL1.add(l1i);
      }
    }
    this.l2.set(l1i, t);
    return t;
  }

  private trimCache(): void {
    if (this.l2.size * this.clusterSize <= L2_CACHE_BYTES) return;
    this.writeMetadata();
    for (const [k, t] of this.l2) {
      if (this.l2.size * this.clusterSize <= L2_CACHE_BYTES / 2) break;
      if (!t.dirty) this.l2.delete(k);
    }
  }

  /** Writes cached metadata in dependency order; see the comment at the top of the file. */
  private writeMetadata(): void {
    const rc = this.refcounts!;
    const dirtyL2 = [...this.l2.entries()].filter(([, t]) => t.dirty);
    if (!rc.dirty && dirtyL2.length === 0 && this.dirtyL1.size === 0) return;
    // Allocated clusters that were never written (e.g. the tail of a fresh data cluster) must exist
    // in the file before anything points at them.
    if (this.file.size < rc.end) this.file.truncate(rc.end);
    rc.writeBlocks();
    this.file.flush();
    if (rc.writeTable()) this.file.flush();
    if (dirtyL2.length) {
      for (const [l1i, t] of dirtyL2) {
        this.file.write(entryOffset(this.l1View, l1i * 8), t.data);
        t.dirty = false;
      }
      this.file.flush();
    }
    if (this.dirtyL1.size) {
      for (const l1i of [...this.dirtyL1].sort((a, b) => a - b)) {
        this.file.write(this.header.l1TableOffset + l1i * 8, this.l1.subarray(l1i * 8, l1i * 8 + 8));
      }
      this.dirtyL1.clear();
      this.file.flush();
    }
  }

  private setRefcountTable(offset: number, clusters: number): void {
    const b = new Uint8Array(12);
    const v = new DataView(b.buffer);
    setU64(v, 0, offset);
    v.setUint32(8, clusters);
    this.file.write(48, b);
    this.header.refcountTableOffset = offset;
    this.header.refcountTableClusters = clusters;
  }

  private checkRange(offset: number, length: number): void {
    if (this.closed) throw new QmpError(`'${this.filename}' is closed`);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.header.size) {
      throw new QmpError(`'${this.filename}': request [${offset}, ${offset + length}) is beyond the end of the disk (${this.header.size} bytes)`);
    }
  }
}

/**
 * QEMU's rule (path_combine): a relative backing file name is relative to the folder of the image
 * naming it, joined textually — `sub/o.qcow2` + `../a.qcow2` is `sub/../a.qcow2`, as qemu-img shows.
 */
export function resolveBacking(imageFilename: string, backing: string): string {
  if (path.isAbsolute(backing)) return backing;
  return imageFilename.slice(0, imageFilename.lastIndexOf('/') + 1) + backing;
}
