/**
 * SiFive PLIC as on QEMU 7.2 virt (0xc000000): 96 sources (1..95 usable), 3-bit priorities,
 * two contexts per hart (2h = M-mode → MEIP, 2h+1 = S-mode → SEIP).
 *
 * Layout: priority[src] at 4*src; pending bits at 0x1000; enables of context c at
 * 0x2000 + 0x80*c; threshold of c at 0x200000 + 0x1000*c, claim/complete at +4.
 *
 * Sources are level-triggered: a line that is still high when its claim is completed
 * becomes pending again.
 */
import type { IrqLine, MmioDevice } from '../memory/address-space.ts';

export const PLIC_BASE = 0xc000000;
export const PLIC_SIZE = 0x600000;
export const PLIC_NUM_SOURCES = 96;

export interface PlicHart {
  setIrq(bit: number, level: boolean): void;
}

const WORDS = PLIC_NUM_SOURCES / 32;

export class Plic implements MmioDevice {
  private readonly priority = new Uint32Array(PLIC_NUM_SOURCES);
  private readonly pending = new Uint32Array(WORDS);
  private readonly claimed = new Uint32Array(WORDS);
  private readonly level = new Uint32Array(WORDS);
  private readonly enable: Uint32Array;
  private readonly threshold: Uint32Array;
  private readonly nctx: number;

  constructor(private readonly harts: PlicHart[]) {
    this.nctx = harts.length * 2;
    this.enable = new Uint32Array(this.nctx * WORDS);
    this.threshold = new Uint32Array(this.nctx);
  }

  /** The interrupt line of source `n` (1..95), for a device to drive. */
  line(n: number): IrqLine {
    if (n <= 0 || n >= PLIC_NUM_SOURCES) throw new RangeError(`PLIC source ${n} out of range`);
    return { set: (lvl: boolean) => this.setLevel(n, lvl) };
  }

  setLevel(n: number, lvl: boolean): void {
    const w = n >> 5, b = 1 << (n & 31);
    if (lvl) {
      this.level[w] |= b;
      if (!(this.claimed[w] & b)) this.pending[w] |= b;
    } else {
      this.level[w] &= ~b;
      this.pending[w] &= ~b;
    }
    this.update();
  }

  reset(): void {
    this.priority.fill(0); this.pending.fill(0); this.claimed.fill(0);
    this.enable.fill(0); this.threshold.fill(0);
    // lines keep their level: devices reset separately and will lower them
    for (let w = 0; w < WORDS; w++) this.pending[w] = this.level[w];
    this.update();
  }

  /** Highest-priority pending, enabled, unclaimed source above the context threshold, or 0. */
  private best(ctx: number): number {
    let best = 0, bestPrio = this.threshold[ctx];
    for (let w = 0; w < WORDS; w++) {
      let bits = this.pending[w] & this.enable[ctx * WORDS + w] & ~this.claimed[w];
      while (bits) {
        const b = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        const src = w * 32 + b;
        const p = this.priority[src];
        if (p > bestPrio) { best = src; bestPrio = p; }
      }
    }
    return best;
  }

  private update(): void {
    for (let ctx = 0; ctx < this.nctx; ctx++) {
      this.harts[ctx >> 1].setIrq((ctx & 1) ? 9 : 11, this.best(ctx) !== 0);
    }
  }

  read(offset: number, size: 1 | 2 | 4): number {
    void size;
    if (offset < 0x1000) {
      const src = offset >> 2;
      return src < PLIC_NUM_SOURCES ? this.priority[src] : 0;
    }
    if (offset < 0x2000) {
      const w = (offset - 0x1000) >> 2;
      return w < WORDS ? this.pending[w] : 0;
    }
    if (offset < 0x200000) {
      const ctx = (offset - 0x2000) >> 7, w = ((offset - 0x2000) & 0x7f) >> 2;
      return ctx < this.nctx && w < WORDS ? this.enable[ctx * WORDS + w] : 0;
    }
    const ctx = (offset - 0x200000) >> 12, reg = offset & 0xfff;
    if (ctx >= this.nctx) return 0;
    if (reg === 0) return this.threshold[ctx];
    if (reg === 4) { // claim
      const src = this.best(ctx);
      if (src !== 0) {
        const w = src >> 5, b = 1 << (src & 31);
        this.pending[w] &= ~b;
        this.claimed[w] |= b;
        this.update();
      }
      return src;
    }
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    void size;
    if (offset < 0x1000) {
      const src = offset >> 2;
      if (src > 0 && src < PLIC_NUM_SOURCES) { this.priority[src] = value & 7; this.update(); }
      return;
    }
    if (offset < 0x2000) return; // pending is read-only
    if (offset < 0x200000) {
      const ctx = (offset - 0x2000) >> 7, w = ((offset - 0x2000) & 0x7f) >> 2;
      if (ctx < this.nctx && w < WORDS) {
        this.enable[ctx * WORDS + w] = w === 0 ? value & ~1 : value; // source 0 does not exist
        this.update();
      }
      return;
    }
    const ctx = (offset - 0x200000) >> 12, reg = offset & 0xfff;
    if (ctx >= this.nctx) return;
    if (reg === 0) { this.threshold[ctx] = value & 7; this.update(); return; }
    if (reg === 4) { // complete
      const src = value;
      if (src > 0 && src < PLIC_NUM_SOURCES && (this.enable[ctx * WORDS + (src >> 5)] & (1 << (src & 31)))) {
        const w = src >> 5, b = 1 << (src & 31);
        this.claimed[w] &= ~b;
        if (this.level[w] & b) this.pending[w] |= b;
        this.update();
      }
    }
  }
}
