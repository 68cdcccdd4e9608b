// Consistency check of a qcow2 image, as `qemu-img check` does it: rebuild every reference count from
// the metadata that points at clusters (header, L1/L2 tables of the image and of its internal
// snapshots, snapshot table, refcount table and blocks) and compare with the stored refcounts.
// A stored count above the computed one is a leak (wasted space); below it, or a misaligned table,
// is a corruption (data at risk). Counters and messages follow qemu-img so tools can rely on them.

import { FileDriver } from './file.ts';
import {
  entryOffset, getRefcount, HI_COMPRESSED, HI_COPIED, parseHeader, type Qcow2Header,
} from './qcow2-format.ts';
import { readSnapshotTable } from './qcow2-snapshots.ts';

export interface CheckResult {
  filename: string;
  format: 'qcow2';
  corruptions: number;
  leaks: number;
  checkErrors: number;
  /** Guest clusters of the disk, and how many of them this image allocates. */
  totalClusters: number;
  allocatedClusters: number;
  fragmentedClusters: number;
  compressedClusters: number;
  imageEndOffset: number;
  /** One line per problem, worded as qemu-img prints them. */
  messages: string[];
}

/** What the checker reads: a host file, or (in tests) an image held in memory. */
export interface ImageBytes {
  readonly size: number;
  read(offset: number, buf: Uint8Array): void;
}

/** onProgress is called as L1 entries are walked (the bulk of the work on large images). */
export function checkQcow2(filename: string, onProgress?: (done: number, total: number) => void): CheckResult {
  const file = new FileDriver({ filename, readOnly: true });
  try {
    return new Checker(file, filename, onProgress).run();
  } finally {
    file.close();
  }
}

export function checkQcow2Bytes(image: ImageBytes, filename: string): CheckResult {
  return new Checker(image, filename).run();
}

class Checker {
  private readonly h: Qcow2Header;
  private readonly cs: number;
  private readonly refs: number[] = [];
  private readonly res: CheckResult;
  private nextContiguous = 0;

  constructor(
    private readonly file: ImageBytes,
    filename: string,
    private readonly onProgress?: (done: number, total: number) => void,
  ) {
    const first = this.readAt(0, Math.min(file.size, 512));
    const probe = parseHeader(first, filename);
    this.h = parseHeader(this.readAt(0, Math.min(file.size, 2 ** probe.clusterBits)), filename);
    this.cs = 2 ** this.h.clusterBits;
    this.res = {
      filename, format: 'qcow2', corruptions: 0, leaks: 0, checkErrors: 0,
      totalClusters: Math.ceil(this.h.size / this.cs), allocatedClusters: 0, fragmentedClusters: 0,
      compressedClusters: 0, imageEndOffset: 0, messages: [],
    };
  }

  run(): CheckResult {
    const { h, cs } = this;
    this.inc(0, cs);
    this.walkL1(h.l1TableOffset, h.l1Size, true);
    this.snapshots();
    this.inc(h.refcountTableOffset, h.refcountTableClusters * cs);
    const table = this.readAt(h.refcountTableOffset, h.refcountTableClusters * cs);
    const tv = view(table);
    const blocks: number[] = [];
    const nbClusters = Math.ceil(this.file.size / cs);
    for (let i = 0; i < table.length / 8; i++) {
      const off = entryOffset(tv, i * 8);
      blocks.push(off);
      if (!off) continue;
      if (off % cs) {
        this.error(`ERROR refcount block ${i} is not cluster aligned; refcount table entry corrupted`);
        continue;
      }
      if (off / cs >= nbClusters) {
        this.error(`ERROR refcount block ${i} is outside image`);
        continue;
      }
      this.inc(off, cs);
    }
    const perBlock = (cs * 8) >> h.refcountOrder;
    const blockCache = new Map<number, Uint8Array>();
    const stored = (c: number): number => {
      const b = Math.floor(c / perBlock);
      const off = blocks[b];
      if (!off || off % cs || off / cs >= nbClusters) return 0;
      let blk = blockCache.get(b);
      if (!blk) blockCache.set(b, (blk = this.readAt(off, cs)));
      return getRefcount(blk, h.refcountOrder, c % perBlock);
    };
    let highest = -1;
    const n = Math.max(nbClusters, this.refs.length);
    for (let c = 0; c < n; c++) {
      const want = this.refs[c] ?? 0;
      const have = c < nbClusters ? stored(c) : 0;
      if (have > 0 || want > 0) highest = c;
      if (have === want) continue;
      if (have < want) this.error(`ERROR cluster ${c} refcount=${have} reference=${want}`);
      else {
        this.res.leaks++;
        this.res.messages.push(`Leaked cluster ${c} refcount=${have} reference=${want}`);
      }
    }
    this.copiedFlags(stored);
    this.res.imageEndOffset = (highest + 1) * cs;
    return this.res;
  }

  /** Walks an L1 table and its L2 tables, counting references; `active` for the live image. */
  private walkL1(offset: number, size: number, active: boolean): void {
    const { cs } = this;
    this.inc(offset, size * 8);
    const l1 = view(this.readAt(offset, size * 8));
    for (let i = 0; i < size; i++) {
      if (active) this.onProgress?.(i, size);
      const l2off = entryOffset(l1, i * 8);
      if (!l2off) continue;
      if (l2off % cs) {
        this.error(`ERROR l2_offset=${hex(l2off)}: Table is not cluster aligned; L1 entry corrupted`);
        continue;
      }
      this.inc(l2off, cs);
      const l2 = view(this.readAt(l2off, cs));
      // Fragmentation is judged within one L2 table, as qemu-img does.
      this.nextContiguous = 0;
      for (let j = 0; j < cs / 8; j++) {
        const hi = l2.getUint32(j * 8);
        if (hi & HI_COMPRESSED) {
          const lo = l2.getUint32(j * 8 + 4);
          // Compressed descriptor: offset in bits 0..(61-(cluster_bits-8)), sector count above it.
          const x = BigInt(62 - (this.h.clusterBits - 8));
          const whole = (BigInt(hi & 0x3fffffff) << 32n) | BigInt(lo);
          const off = Number(whole & ((1n << x) - 1n));
          const sectors = Number(whole >> x) + 1;
          const start = off - (off % 512);
          if (active) {
            this.res.allocatedClusters++;
            this.res.compressedClusters++;
            // Compressed clusters always count as fragmented (qemu-img's convention).
            this.res.fragmentedClusters++;
          }
          this.inc(start, sectors * 512);
          continue;
        }
        const host = entryOffset(l2, j * 8);
        if (!host) continue;
        if (host % cs) {
          this.error(`ERROR offset=${hex(host)}: Cluster is not properly aligned; L2 entry corrupted`);
          continue;
        }
        if (active) {
          this.res.allocatedClusters++;
          this.fragment(host);
        }
        this.inc(host, cs);
      }
    }
  }

  private fragment(host: number): void {
    if (this.nextContiguous && host !== this.nextContiguous) this.res.fragmentedClusters++;
    this.nextContiguous = host + this.cs;
  }

  /** Internal snapshots hold references too: their table and each one's L1 and L2 tables. */
  private snapshots(): void {
    const { h } = this;
    if (!h.nbSnapshots) return;
    let bytes = 0;
    for (const snap of readSnapshotTable(this.file, h)) {
      bytes += snap.entryBytes;
      this.walkL1(snap.l1TableOffset, snap.l1Size, false);
    }
    this.inc(h.snapshotsOffset, bytes);
  }

  /** Active clusters with refcount 1 must carry the COPIED flag, and only those. */
  private copiedFlags(stored: (c: number) => number): void {
    const { h, cs } = this;
    const l1 = view(this.readAt(h.l1TableOffset, h.l1Size * 8));
    for (let i = 0; i < h.l1Size; i++) {
      const l2off = entryOffset(l1, i * 8);
      if (!l2off || l2off % cs) continue;
      const rc = stored(l2off / cs);
      const copied = (l1.getUint32(i * 8) & HI_COPIED) !== 0;
      if ((rc === 1) !== copied) {
        this.error(`ERROR OFLAG_COPIED L2 cluster: l1_index=${i} l1_entry=${hex64(l1, i * 8)} refcount=${rc}`);
      }
      const l2 = view(this.readAt(l2off, cs));
      for (let j = 0; j < cs / 8; j++) {
        const hi = l2.getUint32(j * 8);
        if (hi & HI_COMPRESSED) continue;
        const host = entryOffset(l2, j * 8);
        if (!host || host % cs) continue;
        const rcd = stored(host / cs);
        if ((rcd === 1) !== ((hi & HI_COPIED) !== 0)) {
          this.error(`ERROR OFLAG_COPIED data cluster: l2_entry=${hex64(l2, j * 8)} refcount=${rcd}`);
        }
      }
    }
  }

  private inc(offset: number, size: number): void {
    if (size <= 0) return;
    const first = Math.floor(offset / this.cs);
    const last = Math.floor((offset + size - 1) / this.cs);
    for (let c = first; c <= last; c++) this.refs[c] = (this.refs[c] ?? 0) + 1;
  }

  private error(msg: string): void {
    this.res.corruptions++;
    this.res.messages.push(msg);
  }

  private readAt(offset: number, len: number): Uint8Array {
    const b = new Uint8Array(len);
    this.file.read(offset, b);
    return b;
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function hex(n: number): string {
  return n.toString(16);
}

function hex64(v: DataView, o: number): string {
  return v.getBigUint64(o).toString(16);
}
