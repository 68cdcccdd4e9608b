/**
 * SiFive CLINT as on QEMU 7.2 virt (0x2000000, 64 KiB): msip[h] at 4h, mtimecmp[h] at
 * 0x4000 + 8h, mtime at 0xbff8, counting at 10 MHz from the virtual clock.
 *
 * mtime is derived from the host clock on every read; MTIP is re-evaluated on mtimecmp
 * writes and whenever the run loop calls update() (between execution slices).
 */
import type { MmioDevice } from '../memory/address-space.ts';
import { VirtualClock } from './clock.ts';

export const CLINT_BASE = 0x2000000;
export const CLINT_SIZE = 0x10000;
export const TIMEBASE_HZ = 10_000_000;

/** What the CLINT drives on each hart: software (MSIP, bit 3) and timer (MTIP, bit 7) lines. */
export interface ClintHart {
  setIrq(bit: number, level: boolean): void;
}

const TWO32 = 4294967296;

export class Clint implements MmioDevice {
  private readonly msip: Uint8Array;
  private readonly cmpLo: Uint32Array;
  private readonly cmpHi: Uint32Array;
  private offset = 0; // mtime = clock ticks + offset (mtime is writable)
  /** MTIP level last driven to each hart. */
  private readonly mtip: Uint8Array;

  constructor(private readonly harts: ClintHart[], readonly clock: VirtualClock = new VirtualClock()) {
    const n = harts.length;
    this.msip = new Uint8Array(n);
    this.cmpLo = new Uint32Array(n);
    this.cmpHi = new Uint32Array(n);
    this.mtip = new Uint8Array(n);
  }

  reset(): void {
    this.msip.fill(0); this.cmpLo.fill(0); this.cmpHi.fill(0);
    for (const h of this.harts) h.setIrq(3, false);
    this.update(); // mtimecmp = 0 <= mtime: MTIP is pending from reset, as on QEMU
  }

  /** Current mtime (10 MHz ticks) as a number (exact below 2^53, i.e. for ~28 years). */
  mtime(): number {
    return Math.floor(this.clock.nowNs() / 100) + this.offset;
  }

  private cmp(h: number): number { return this.cmpHi[h] * TWO32 + this.cmpLo[h]; }

  /** Re-evaluate MTIP for every hart. */
  update(): void {
    const now = this.mtime();
    for (let h = 0; h < this.harts.length; h++) {
      this.setMtip(h, now >= this.cmp(h));
    }
  }

  private setMtip(h: number, level: boolean): void {
    this.mtip[h] = level ? 1 : 0;
    this.harts[h].setIrq(7, level);
  }

  /** Milliseconds until the earliest future mtimecmp deadline, or Infinity. */
  msUntilNextDeadline(): number {
    const now = this.mtime();
    let best = Infinity;
    for (let h = 0; h < this.harts.length; h++) {
      const d = this.cmp(h) - now;
      // A passed deadline whose MTIP is already high is not a wake-up time (if that did not
      // wake the hart, only something else can). One that passed since the last update() is:
      // the caller must run update() now, or it would sleep past the interrupt.
      if (d <= 0) { if (!this.mtip[h]) return 0; continue; }
      if (d < best) best = d;
    }
    return best === Infinity ? Infinity : best / (TIMEBASE_HZ / 1000);
  }

  read(offset: number, size: 1 | 2 | 4): number {
    void size;
    const n = this.harts.length;
    if (offset < 0x4000) {
      const h = offset >> 2;
      return h < n && (offset & 3) === 0 ? this.msip[h] : 0;
    }
    if (offset >= 0xbff8) {
      const t = this.mtime();
      return offset === 0xbff8 ? t % TWO32 : offset === 0xbffc ? Math.floor(t / TWO32) >>> 0 : 0;
    }
    const h = (offset - 0x4000) >> 3;
    if (h >= n) return 0;
    return (offset & 4) ? this.cmpHi[h] : this.cmpLo[h];
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    void size;
    const n = this.harts.length;
    if (offset < 0x4000) {
      const h = offset >> 2;
      if (h < n && (offset & 3) === 0) {
        this.msip[h] = value & 1;
        this.harts[h].setIrq(3, (value & 1) !== 0);
      }
      return;
    }
    if (offset >= 0xbff8) {
      const t = this.mtime();
      const lo = offset === 0xbff8 ? value : t % TWO32;
      const hi = offset === 0xbffc ? value : Math.floor(t / TWO32);
      this.offset += hi * TWO32 + lo - t;
      this.update();
      return;
    }
    const h = (offset - 0x4000) >> 3;
    if (h >= n) return;
    if (offset & 4) this.cmpHi[h] = value; else this.cmpLo[h] = value;
    this.setMtip(h, this.mtime() >= this.cmp(h));
  }
}
