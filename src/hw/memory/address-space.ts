/**
 * The guest physical address space: RAM plus memory-mapped devices.
 *
 * Device contract (what a guest-facing device implements to sit on this bus):
 *
 *   interface MmioDevice {
 *     read(offset: number, size: 1 | 2 | 4): number;          // offset from the region base
 *     write(offset: number, size: 1 | 2 | 4, value: number): void;
 *     reset?(): void;                                           // machine reset
 *   }
 *
 * - Values are unsigned numbers of `size` bytes (little endian, as the guest sees them).
 * - 8-byte guest accesses are split by the bus into two 4-byte accesses, low address first,
 *   so devices never see size 8 (the only 64-bit registers on virt — CLINT mtime/mtimecmp —
 *   handle halves; this is what an RV32 guest does anyway).
 * - Interrupts go out through an IrqLine given to the device by whoever wires the board
 *   (usually `plic.line(n)`); the device calls `line.set(true|false)` for a level-triggered
 *   line. A device never knows about harts or the PLIC internals.
 * - Accesses outside any region raise an access fault in the hart (as QEMU does for unmapped
 *   addresses on virt).
 *
 * - A device that writes guest RAM itself (DMA) uses `writeRam(pa, bytes)`, or calls
 *   `codeWrite(offset, len)` after writing `ram` directly, so no stale compiled code runs.
 *
 * Attach with `as.map(base, size, device, name)`; `as.unmap(base)` removes a region (the virt
 * board maps empty virtio-mmio transports that a real transport replaces this way).
 */

export interface MmioDevice {
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
  reset?(): void;
}

export interface IrqLine {
  set(level: boolean): void;
}

export interface MmioRegion {
  base: number;
  size: number;
  device: MmioDevice;
  name: string;
}

export const RAM_BASE = 0x80000000;

/**
 * Layout of guest memory. RAM shares one buffer with the harts' CPU state (registers, TLB) and
 * the code map, because the block compiler's WebAssembly code addresses all three in one
 * WebAssembly.Memory (src/hw/cpu/jit.ts): hart n's state at n * HART_STATE_BYTES, the code map
 * at CODE_MAP_OFFSET, RAM at RAM_OFFSET.
 */
export const HART_STATE_BYTES = 16384;
/** Harts with state in guest memory (the virt machine's maximum). */
export const MAX_HARTS = 512;
export const CODE_MAP_OFFSET = MAX_HARTS * HART_STATE_BYTES;
/** After a code map of one byte per 4 KiB page of the largest RAM (2 GiB). */
export const RAM_OFFSET = CODE_MAP_OFFSET + (0x80000000 >>> 12);

/** Raised (as a value, not an Error, to keep it cheap) when a physical access hits nothing. */
export class BusError {
  constructor(readonly addr: number) {}
}

export class AddressSpace {
  readonly ramBase = RAM_BASE;
  readonly ramSize: number;
  /**
   * The buffer of guest memory (layout above). A WebAssembly.Memory's when one could be made
   * (`memory`), else a plain ArrayBuffer and no block compiler.
   */
  readonly buffer: ArrayBuffer;
  readonly memory: WebAssembly.Memory | null;
  readonly ram: Uint8Array;
  readonly ram16: Uint16Array;
  readonly ram32: Int32Array;
  readonly regions: MmioRegion[] = [];
  /**
   * Pages of RAM that compiled guest code was derived from (maintained by the CPU's block
   * cache): writes there must call onCodeWrite so stale code is dropped.
   */
  readonly codeMap: Uint8Array;
  onCodeWrite: ((off: number, len: number) => void) | null = null;
  /** Last region hit: MMIO accesses cluster on one device (the UART while printing). */
  private last: MmioRegion | null = null;

  constructor(ramSize = 128 * 1024 * 1024) {
    if (ramSize <= 0 || ramSize > 0x80000000 || ramSize % 4096 !== 0) {
      throw new RangeError(`RAM size must be a positive multiple of 4 KiB up to 2 GiB, got ${ramSize}`);
    }
    this.ramSize = ramSize;
    const bytes = RAM_OFFSET + ramSize;
    let memory: WebAssembly.Memory | null = null;
    try {
      const pages = Math.ceil(bytes / 65536);
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    } catch {
      // No address space left for another WebAssembly memory (each reserves several GiB of
      // virtual addresses): this machine runs interpreted.
    }
    this.memory = memory;
    const buf = memory !== null ? memory.buffer : new ArrayBuffer(bytes);
    this.buffer = buf;
    this.ram = new Uint8Array(buf, RAM_OFFSET, ramSize);
    this.ram16 = new Uint16Array(buf, RAM_OFFSET, ramSize >>> 1);
    this.ram32 = new Int32Array(buf, RAM_OFFSET, ramSize >>> 2);
    this.codeMap = new Uint8Array(buf, CODE_MAP_OFFSET, ramSize >>> 12);
  }

  /** Byte offset in `buffer` of hart `id`'s CPU state. */
  hartState(id: number): number {
    if (!(id >= 0 && id < MAX_HARTS)) throw new RangeError(`hart id ${id} out of range (0-${MAX_HARTS - 1})`);
    return id * HART_STATE_BYTES;
  }

  /** Note a write of `len` bytes at RAM offset `off` by anything but a hart's fast path. */
  codeWrite(off: number, len: number): void {
    for (let p = off >>> 12; p <= (off + len - 1) >>> 12 && p < this.codeMap.length; p++) {
      if (this.codeMap[p] !== 0) { this.onCodeWrite?.(off, len); return; }
    }
  }

  /**
   * Write host bytes into guest RAM (DMA by a device). Devices that write `ram` directly must
   * call `codeWrite(pa - ramBase, len)` afterwards instead.
   */
  writeRam(pa: number, data: Uint8Array): void {
    this.loadBytes(pa, data);
  }

  map(base: number, size: number, device: MmioDevice, name: string): void {
    for (const r of this.regions) {
      if (base < r.base + r.size && r.base < base + size) {
        throw new Error(`MMIO region ${name} at 0x${base.toString(16)} overlaps ${r.name}`);
      }
    }
    if (base < RAM_BASE + this.ramSize && RAM_BASE < base + size) throw new Error(`MMIO region ${name} overlaps RAM`);
    this.regions.push({ base, size, device, name });
    this.regions.sort((a, b) => a.base - b.base);
  }

  /** Remove the region mapped at `base` (e.g. to replace a placeholder); returns its device. */
  unmap(base: number): MmioDevice | null {
    const i = this.regions.findIndex((r) => r.base === base);
    if (i < 0) return null;
    const [r] = this.regions.splice(i, 1);
    this.last = null;
    return r.device;
  }

  findRegion(pa: number): MmioRegion | null {
    const l = this.last;
    if (l !== null && pa >= l.base && pa < l.base + l.size) return l;
    for (const r of this.regions) {
      if (pa >= r.base && pa < r.base + r.size) { this.last = r; return r; }
    }
    return null;
  }

  isRam(pa: number, size: number): boolean {
    return pa >= RAM_BASE && pa + size <= RAM_BASE + this.ramSize;
  }

  /** Physical read of 1, 2 or 4 bytes, unsigned. Throws BusError when nothing is mapped there. */
  read(pa: number, size: 1 | 2 | 4): number {
    if (this.isRam(pa, size)) {
      const o = pa - RAM_BASE, m = this.ram;
      if (size === 1) return m[o];
      if (size === 2) return m[o] | (m[o + 1] << 8);
      return (m[o] | (m[o + 1] << 8) | (m[o + 2] << 16) | (m[o + 3] << 24)) >>> 0;
    }
    const r = this.findRegion(pa);
    if (r === null || pa + size > r.base + r.size) throw new BusError(pa);
    return r.device.read(pa - r.base, size) >>> 0;
  }

  write(pa: number, size: 1 | 2 | 4, value: number): void {
    if (this.isRam(pa, size)) {
      const o = pa - RAM_BASE, m = this.ram;
      m[o] = value;
      if (size >= 2) m[o + 1] = value >>> 8;
      if (size === 4) { m[o + 2] = value >>> 16; m[o + 3] = value >>> 24; }
      if (this.codeMap[o >>> 12] !== 0) this.onCodeWrite?.(o, size);
      return;
    }
    const r = this.findRegion(pa);
    if (r === null || pa + size > r.base + r.size) throw new BusError(pa);
    const mask = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    r.device.write(pa - r.base, size, (value & mask) >>> 0);
  }

  /** Copy host bytes into guest physical memory (RAM or ROM-like devices exposing `load`). */
  loadBytes(pa: number, data: Uint8Array): void {
    if (this.isRam(pa, data.length)) {
      this.ram.set(data, pa - RAM_BASE);
      if (data.length > 0) this.codeWrite(pa - RAM_BASE, data.length);
      return;
    }
    throw new RangeError(`cannot load ${data.length} bytes at 0x${pa.toString(16)}: not inside RAM`);
  }

  reset(): void {
    for (const r of this.regions) r.device.reset?.();
  }

  /** Clear RAM (machine reset), dropping all compiled code. */
  clearRam(): void {
    this.ram.fill(0);
    this.codeWrite(0, this.ramSize);
  }
}
