// A virtio-mmio driver written in TypeScript for tests: it lays rings and buffers out in guest RAM
// and talks to a transport through its registers, as a guest kernel would, without a CPU.

import { AddressSpace, RAM_BASE } from '../../src/hw/memory/address-space.ts';
import type { MmioDevice } from '../../src/hw/memory/address-space.ts';

export const F_VERSION_1 = 32;
export const F_INDIRECT = 28;
export const F_EVENT_IDX = 29;

export interface Buf { addr: number; len: number; write?: boolean }

export class TestIrq {
  level = false;
  raised = 0;
  set(l: boolean): void { if (l && !this.level) this.raised++; this.level = l; }
}

export class QueueLayout {
  lastUsed = 0;
  availIdx = 0;
  constructor(readonly index: number, readonly num: number, readonly desc: number, readonly avail: number, readonly used: number) {}
}

/** Guest RAM helpers on an AddressSpace. */
export class Ram {
  readonly view: DataView;
  constructor(readonly as: AddressSpace) { this.view = new DataView(as.ram.buffer, as.ram.byteOffset, as.ram.byteLength); }
  off(pa: number): number { return pa - RAM_BASE; }
  u8(pa: number): number { return this.as.ram[this.off(pa)]; }
  u16(pa: number): number { return this.view.getUint16(this.off(pa), true); }
  u32(pa: number): number { return this.view.getUint32(this.off(pa), true); }
  set8(pa: number, v: number): void { this.as.ram[this.off(pa)] = v; }
  set16(pa: number, v: number): void { this.view.setUint16(this.off(pa), v, true); }
  set32(pa: number, v: number): void { this.view.setUint32(this.off(pa), v >>> 0, true); }
  set64(pa: number, v: number): void { this.set32(pa, v % 0x100000000); this.set32(pa + 4, Math.floor(v / 0x100000000)); }
  bytes(pa: number, n: number): Uint8Array { return this.as.ram.subarray(this.off(pa), this.off(pa) + n); }
  put(pa: number, b: Uint8Array): void { this.as.ram.set(b, this.off(pa)); }
}

export class TestDriver {
  readonly ram: Ram;
  readonly queues: QueueLayout[] = [];
  constructor(readonly mmio: MmioDevice, as: AddressSpace) { this.ram = new Ram(as); }

  r(off: number): number { return this.mmio.read(off, 4); }
  w(off: number, v: number): void { this.mmio.write(off, 4, v >>> 0); }
  get status(): number { return this.r(0x70); }

  /** Reset and negotiate; returns whether FEATURES_OK stuck. */
  init(want: bigint = (1n << 64n) - 1n): boolean {
    this.w(0x70, 0);
    this.w(0x70, 1);
    this.w(0x70, 3);
    this.w(0x14, 0);
    const lo = BigInt(this.r(0x10));
    this.w(0x14, 1);
    const hi = BigInt(this.r(0x10));
    const f = ((hi << 32n) | lo) & want;
    this.w(0x24, 0); this.w(0x20, Number(f & 0xffffffffn));
    this.w(0x24, 1); this.w(0x20, Number(f >> 32n));
    this.w(0x70, 3 | 8);
    return (this.status & 8) !== 0;
  }

  /** Sets up queue `i` of `num` entries at `base` (needs 16*num + 6+2*num + 6+8*num bytes, 4 KiB aligned parts). */
  queue(i: number, num: number, base: number): QueueLayout {
    const q = new QueueLayout(i, num, base, base + 0x1000, base + 0x2000);
    // Fresh rings, as a driver allocates them: stale indexes would read as pending work.
    this.ram.bytes(q.desc, 16 * num).fill(0);
    this.ram.bytes(q.avail, 6 + 2 * num).fill(0);
    this.ram.bytes(q.used, 6 + 8 * num).fill(0);
    this.w(0x30, i);
    this.w(0x38, num);
    this.w(0x80, q.desc); this.w(0x84, 0);
    this.w(0x90, q.avail); this.w(0x94, 0);
    this.w(0xa0, q.used); this.w(0xa4, 0);
    this.w(0x44, 1);
    this.queues[i] = q;
    return q;
  }

  ok(): void { this.w(0x70, this.status | 4); }

  /** Writes a descriptor chain at table index `first` and makes it available. */
  submit(q: QueueLayout, bufs: Buf[], opts: { first?: number; indirectAt?: number; notify?: boolean } = {}): void {
    const first = opts.first ?? 0;
    const writeDesc = (table: number, i: number, b: Buf, next: number | null) => {
      const d = table + 16 * i;
      this.ram.set64(d, b.addr);
      this.ram.set32(d + 8, b.len);
      this.ram.set16(d + 12, (b.write ? 2 : 0) | (next !== null ? 1 : 0));
      this.ram.set16(d + 14, next ?? 0);
    };
    if (opts.indirectAt !== undefined) {
      bufs.forEach((b, i) => writeDesc(opts.indirectAt!, i, b, i + 1 < bufs.length ? i + 1 : null));
      const d = q.desc + 16 * first;
      this.ram.set64(d, opts.indirectAt);
      this.ram.set32(d + 8, 16 * bufs.length);
      this.ram.set16(d + 12, 4);
      this.ram.set16(d + 14, 0);
    } else {
      bufs.forEach((b, i) => writeDesc(q.desc, (first + i) % q.num, b, i + 1 < bufs.length ? (first + i + 1) % q.num : null));
    }
    this.ram.set16(q.avail + 4 + 2 * (q.availIdx % q.num), first);
    q.availIdx = (q.availIdx + 1) & 0xffff;
    this.ram.set16(q.avail + 2, q.availIdx);
    if (opts.notify !== false) this.w(0x50, q.index);
  }

  /** Used elements returned since the last call. */
  used(q: QueueLayout): { id: number; len: number }[] {
    const out: { id: number; len: number }[] = [];
    const idx = this.ram.u16(q.used + 2);
    while (q.lastUsed !== idx) {
      const e = q.used + 4 + 8 * (q.lastUsed % q.num);
      out.push({ id: this.ram.u32(e), len: this.ram.u32(e + 4) });
      q.lastUsed = (q.lastUsed + 1) & 0xffff;
    }
    return out;
  }
}

export function makeRam(mib = 4): AddressSpace {
  return new AddressSpace(mib << 20);
}
