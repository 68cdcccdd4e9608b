// qcow2 reference counts: the refcount table, its blocks, and cluster allocation.
//
// Allocation only ever moves forward from the end of the file as it was when the image was opened,
// so a freshly allocated cluster has never held data: it reads as zeros without being written, and a
// crash can at worst leak clusters, never hand one cluster to two owners. emu never frees a cluster in
// normal use (there is no discard), so refcounts only go up — except for the clusters of a relocated
// refcount table, released after the header stops pointing at them.
//
// Changes stay in memory until writeBlocks()/writeTable() are called by the driver's ordered flush,
// which puts every refcount increment on disk before any table references the cluster.

import type { FileDriver } from './file.ts';
import { entryOffset, getRefcount, setEntry, setRefcount } from './qcow2-format.ts';
import { QmpError } from '../../shared/errors.ts';

interface Block {
  data: Uint8Array;
  dirty: boolean;
}

export class Refcounts {
  /** Host offsets of the refcount blocks (0 = not allocated); may outgrow the on-disk table. */
  private table: number[];
  private readonly dirtyEntries = new Set<number>();
  private readonly blocks = new Map<number, Block>();
  private tableOffset: number;
  private tableClusters: number;
  private readonly clusterSize: number;
  private readonly order: number;
  /** Clusters covered by one refcount block. */
  readonly perBlock: number;
  /** The next cluster index to hand out. */
  private nextFree: number;

  constructor(
    private readonly file: FileDriver,
    clusterBits: number,
    order: number,
    tableOffset: number,
    tableClusters: number,
    /** Points the image header at a new refcount table; the caller writes and orders it. */
    private readonly setHeaderTable: (offset: number, clusters: number) => void,
  ) {
    this.clusterSize = 2 ** clusterBits;
    this.order = order;
    this.perBlock = (this.clusterSize * 8) >> order;
    this.tableOffset = tableOffset;
    this.tableClusters = tableClusters;
    const raw = new Uint8Array(tableClusters * this.clusterSize);
    file.read(tableOffset, raw);
    const v = new DataView(raw.buffer);
    this.table = [];
    for (let i = 0; i < raw.length / 8; i++) this.table.push(entryOffset(v, i * 8));
    this.nextFree = Math.ceil(file.size / this.clusterSize);
  }

  /** Refcount of the cluster at index c (host offset / cluster size). */
  get(c: number): number {
    const b = Math.floor(c / this.perBlock);
    if (b >= this.table.length || this.table[b] === 0) return 0;
    return getRefcount(this.block(b).data, this.order, c % this.perBlock);
  }

  /** The refcount table as stored, for consistency checks. */
  tableEntries(): readonly number[] {
    return this.table;
  }

  get tableLocation(): { offset: number; clusters: number } {
    return { offset: this.tableOffset, clusters: this.tableClusters };
  }

  /**
   * Allocates between 1 and max contiguous clusters, each with refcount 1. The run stops before a
   * cluster whose refcount block does not exist yet, so that every new refcount block is created
   * inside the range it describes and counts itself: its table entry can then reach the disk in any
   * order relative to other new blocks' entries without a referenced block ever reading as free.
   */
  allocateRun(max: number): { offset: number; count: number } {
    for (;;) {
      const start = this.nextFree;
      const b0 = Math.floor(start / this.perBlock);
      if (b0 >= this.table.length || this.table[b0] === 0) {
        this.addBlock(b0);
        continue;
      }
      if (this.get(start) !== 0) {
        // Refcounted beyond the end of the file: someone else's; step over it.
        this.nextFree = start + 1;
        continue;
      }
      let count = 1;
      while (count < max) {
        const c = start + count;
        const b = Math.floor(c / this.perBlock);
        if (b >= this.table.length || this.table[b] === 0 || this.get(c) !== 0) break;
        count++;
      }
      for (let c = start; c < start + count; c++) this.change(c, +1);
      this.nextFree = start + count;
      return { offset: start * this.clusterSize, count };
    }
  }

  /** Allocates exactly n contiguous clusters and returns the host offset of the first. */
  allocate(n: number): number {
    for (;;) {
      const r = this.allocateRun(n);
      if (r.count === n) return r.offset;
      // Too short (a refcount block had to start in between): give the run back. Its clusters
      // stay unused holes in the file, at most n - 1 of them, and only for multi-cluster tables.
      for (let i = 0; i < r.count; i++) this.release(r.offset + i * this.clusterSize);
    }
  }

  /** Drops one reference from the cluster at host offset `offset`. */
  release(offset: number): void {
    this.change(offset / this.clusterSize, -1);
  }

  /** Host offset just past the last allocated cluster. */
  get end(): number {
    return this.nextFree * this.clusterSize;
  }

  get dirty(): boolean {
    return this.dirtyEntries.size > 0 || [...this.blocks.values()].some((b) => b.dirty) || this.table.length * 8 > this.tableClusters * this.clusterSize;
  }

  /** Writes modified refcount blocks. Returns whether anything was written. */
  writeBlocks(): boolean {
    let wrote = false;
    for (const [b, blk] of this.blocks) {
      if (!blk.dirty) continue;
      this.file.write(this.table[b], blk.data);
      blk.dirty = false;
      wrote = true;
    }
    return wrote;
  }

  /**
   * Makes the on-disk refcount table point at every block. Call after writeBlocks() and a flush.
   * Returns whether anything was written (the caller flushes before referencing new clusters).
   */
  writeTable(): boolean {
    if (this.table.length * 8 > this.tableClusters * this.clusterSize) {
      this.relocateTable();
      return true;
    }
    if (this.dirtyEntries.size === 0) return false;
    const e = new Uint8Array(8);
    const v = new DataView(e.buffer);
    for (const b of [...this.dirtyEntries].sort((x, y) => x - y)) {
      setEntry(v, 0, this.table[b], 0, 0);
      this.file.write(this.tableOffset + b * 8, e);
    }
    this.dirtyEntries.clear();
    return true;
  }

  private relocateTable(): void {
    let offset = 0;
    let clusters = 0;
    // Allocating the new table may itself add blocks (and entries): size it with room to spare and
    // retry in the pathological case that it still does not fit (the first attempt then leaks).
    do {
      clusters = Math.ceil(((this.table.length + 1) * 2 * 8) / this.clusterSize);
      offset = this.allocate(clusters);
    } while (this.table.length * 8 > clusters * this.clusterSize);
    this.writeBlocks();
    this.file.flush();
    const raw = new Uint8Array(clusters * this.clusterSize);
    const v = new DataView(raw.buffer);
    this.table.forEach((o, i) => setEntry(v, i * 8, o, 0, 0));
    this.file.write(offset, raw);
    this.file.flush();
    const old = { offset: this.tableOffset, clusters: this.tableClusters };
    this.setHeaderTable(offset, clusters);
    this.file.flush();
    this.tableOffset = offset;
    this.tableClusters = clusters;
    this.dirtyEntries.clear();
    // Only now is the old table unreferenced; losing this decrement in a crash is a mere leak.
    for (let i = 0; i < old.clusters; i++) this.release(old.offset + i * this.clusterSize);
    this.writeBlocks();
  }

  /** Creates refcount block b in the first free cluster, which lies in b's own range: it counts itself. */
  private addBlock(b: number): void {
    const at = this.nextFree;
    if (Math.floor(at / this.perBlock) !== b) {
      throw new QmpError(`qcow2: internal error: refcount block ${b} would not describe its own cluster ${at}`);
    }
    while (this.table.length <= b) this.table.push(0);
    this.table[b] = at * this.clusterSize;
    this.dirtyEntries.add(b);
    this.blocks.set(b, { data: new Uint8Array(this.clusterSize), dirty: true });
    this.nextFree = at + 1;
    this.change(at, +1);
  }

  private change(c: number, delta: number): void {
    const b = Math.floor(c / this.perBlock);
    const blk = this.block(b);
    const i = c % this.perBlock;
    const n = getRefcount(blk.data, this.order, i) + delta;
    if (n < 0) throw new QmpError(`qcow2: refcount of cluster ${c} would drop below zero`);
    setRefcount(blk.data, this.order, i, n);
    blk.dirty = true;
  }

  private block(b: number): Block {
    let blk = this.blocks.get(b);
    if (!blk) {
      const offset = this.table[b];
      if (!offset) throw new QmpError(`qcow2: refcount block ${b} is not allocated`);
      if (offset % this.clusterSize !== 0) throw new QmpError(`qcow2: refcount block ${b} at offset 0x${offset.toString(16)} is not cluster-aligned; the image is corrupt`);
      blk = { data: new Uint8Array(this.clusterSize), dirty: false };
      this.file.read(offset, blk.data);
      this.blocks.set(b, blk);
    }
    return blk;
  }
}
