// Device access to guest RAM (DMA) for virtio. Every address a driver hands a device is checked
// against RAM here, so a hostile guest can at worst make its own requests fail: devices only ever
// touch `ram` through offsets this class has validated.

import { type AddressSpace, RAM_BASE } from '../memory/address-space.ts';

export class GuestRam {
  readonly ram: Uint8Array;
  private readonly view: DataView;
  private readonly size: number;
  private readonly invalidate: ((pa: number, len: number) => void) | undefined;

  constructor(readonly as: AddressSpace) {
    this.ram = as.ram;
    this.view = new DataView(as.ram.buffer, as.ram.byteOffset, as.ram.byteLength);
    this.size = as.ramSize;
    this.invalidate = (as as unknown as { invalidateCode?: (pa: number, len: number) => void }).invalidateCode;
  }

  /** RAM offset of [pa, pa + len), or -1 when any of it lies outside RAM. */
  offset(pa: number, len: number): number {
    const off = pa - RAM_BASE;
    // pa comes from 64-bit guest values assembled as doubles: huge values lose precision but can
    // never round into the RAM window, so these comparisons are safe.
    if (!(off >= 0) || len < 0 || off + len > this.size) return -1;
    return off;
  }

  u16(off: number): number { return this.view.getUint16(off, true); }
  u32(off: number): number { return this.view.getUint32(off, true); }
  /** A 64-bit little-endian value as a double (exact below 2^53, which covers every RAM address). */
  u64(off: number): number { return this.view.getUint32(off + 4, true) * 0x100000000 + this.view.getUint32(off, true); }
  set16(off: number, v: number): void { this.view.setUint16(off, v, true); }
  set32(off: number, v: number): void { this.view.setUint32(off, v >>> 0, true); }

  /**
   * After a device wrote RAM offsets [off, off + len): harts must not run stale decoded code there.
   * The CPU may or may not keep a decode cache (it has come and gone); when the address space offers
   * invalidation, use it.
   */
  written(off: number, len: number): void {
    if (len > 0 && this.invalidate) this.invalidate.call(this.as, RAM_BASE + off, len);
  }
}
