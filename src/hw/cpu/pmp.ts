/**
 * Physical memory protection: 16 entries (pmpcfg0/2, pmpaddr0..15), TOR, NA4 and NAPOT, the
 * L bit, with QEMU 7.2's rules: the lowest-numbered entry matching any byte of an access
 * decides; an entry matching only some of its bytes fails it in every mode; a full match
 * allows M-mode unless the entry is locked, other modes per R/W/X; no match allows M-mode and
 * fails S/U (the hart only asks while some entry is active).
 *
 * The hart checks at TLB fill, one 4 KiB page at a time: pageResult() says whether the whole
 * page is allowed, denied, or split by an entry boundary (then the hart checks every access).
 * Bounds are byte addresses as doubles: exact below 2^53, far beyond any physical address
 * emu maps.
 */
export const PMP_ENTRIES = 16;

const R = 1, W = 2, X = 4, LOCK = 0x80;
const TWO32 = 4294967296;

export const PMP_ALLOW = 1, PMP_DENY = 0, PMP_MIXED = -1;

export class Pmp {
  readonly cfg = new Uint8Array(PMP_ENTRIES);
  /** pmpaddr registers as (lo, hi) int32 pairs: address bits 55..2, 54 bits. */
  readonly addr = new Int32Array(PMP_ENTRIES * 2);
  /** Active entries in priority order: byte range [lo, hi), permissions, locked. */
  private lo: number[] = [];
  private hi: number[] = [];
  private perm: number[] = [];
  private locked: boolean[] = [];
  /** Number of entries with A != OFF. */
  active = 0;
  /**
   * True when no M-mode access can fail: no entry is locked and every active entry's bounds are
   * multiples of 8, so an aligned access of up to 8 bytes (a misaligned one is done bytewise, a
   * fetch halfword by halfword) never matches an entry partly. M-mode then skips the checks.
   */
  mFree = true;

  reset(): void {
    this.cfg.fill(0);
    this.addr.fill(0);
    this.update();
  }

  /** Write pmpcfg byte k (ignored when locked; W without R is reserved and reads as 0). */
  writeCfg(k: number, v: number): void {
    if (this.cfg[k] & LOCK) return;
    v &= 0x9f;
    if ((v & 3) === 2) v &= ~3;
    this.cfg[k] = v;
  }

  /** Write pmpaddr k (ignored when entry k is locked, or entry k + 1 is a locked TOR). */
  writeAddr(k: number, lo: number, hi: number): void {
    if (this.cfg[k] & LOCK) return;
    if (k + 1 < PMP_ENTRIES && (this.cfg[k + 1] & 0x98) === 0x88) return;
    this.addr[2 * k] = lo;
    this.addr[2 * k + 1] = hi & 0x3fffff;
  }

  /** Recompute the active entries after a CSR write. */
  update(): void {
    this.lo = []; this.hi = []; this.perm = []; this.locked = [];
    for (let k = 0; k < PMP_ENTRIES; k++) {
      const c = this.cfg[k], a = (c >>> 3) & 3;
      if (a === 0) continue;
      const alo = this.addr[2 * k], ahi = this.addr[2 * k + 1];
      let start: number, end: number;
      if (a === 1) { // TOR: [pmpaddr(k-1), pmpaddr(k)) × 4
        start = k === 0 ? 0 : (this.addr[2 * k - 1] * TWO32 + (this.addr[2 * k - 2] >>> 0)) * 4;
        end = (ahi * TWO32 + (alo >>> 0)) * 4;
      } else if (a === 2) { // NA4
        start = (ahi * TWO32 + (alo >>> 0)) * 4;
        end = start + 4;
      } else { // NAPOT: trailing ones of pmpaddr give the size
        const ones = ~alo === 0 ? 32 + ctz(~ahi) : ctz(~alo);
        const size = 2 ** (ones + 3);
        // clear the low `ones + 1` bits of the 54-bit value, exactly, then scale to bytes
        let blo = alo, bhi = ahi;
        if (ones + 1 >= 32) { blo = 0; bhi = ones + 1 >= 54 ? 0 : bhi & ~((1 << (ones + 1 - 32)) - 1); }
        else blo &= ~((1 << (ones + 1)) - 1) | 0;
        start = (bhi * TWO32 + (blo >>> 0)) * 4;
        end = start + size;
      }
      this.lo.push(start); this.hi.push(end); this.perm.push(c & 7); this.locked.push((c & LOCK) !== 0);
    }
    this.active = this.lo.length;
    this.mFree = true;
    for (let i = 0; i < this.active; i++) {
      if (this.locked[i] || this.lo[i] % 8 !== 0 || this.hi[i] % 8 !== 0) this.mFree = false;
    }
  }

  /** Whether an access of `size` bytes at `pa` is allowed (priv: 0 U, 1 S, 3 M; acc: 0 fetch, 1 load, 2 store). */
  check(pa: number, size: number, acc: number, priv: number): boolean {
    const end = pa + size;
    for (let i = 0; i < this.active; i++) {
      const lo = this.lo[i], hi = this.hi[i];
      if (end <= lo || pa >= hi) continue;
      if (pa < lo || end > hi) return false; // matches some bytes only
      if (priv === 3 && !this.locked[i]) return true;
      return (this.perm[i] & accBit(acc)) !== 0;
    }
    return priv === 3;
  }

  /** The result for every access of the 4 KiB page at `page`, or PMP_MIXED if an entry edge is inside it. */
  pageResult(page: number, acc: number, priv: number): number {
    const end = page + 4096;
    for (let i = 0; i < this.active; i++) {
      const lo = this.lo[i], hi = this.hi[i];
      if (end <= lo || page >= hi) continue;
      if (page < lo || end > hi) return PMP_MIXED;
      if (priv === 3 && !this.locked[i]) return PMP_ALLOW;
      return (this.perm[i] & accBit(acc)) !== 0 ? PMP_ALLOW : PMP_DENY;
    }
    return priv === 3 ? PMP_ALLOW : PMP_DENY;
  }
}

function accBit(acc: number): number { return acc === 0 ? X : acc === 1 ? R : W; }

function ctz(v: number): number {
  return v === 0 ? 32 : 31 - Math.clz32(v & -v);
}
