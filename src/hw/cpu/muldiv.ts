// 64-bit multiply/divide on (lo, hi) Int32 pairs. The common cases stay in Number
// arithmetic; only full-width MULH* and wide DIV/REM fall back to BigInt (rare in firmware).

/** High 32 bits of the unsigned 32x32 product. */
export function mulhu32(a: number, b: number): number {
  a >>>= 0; b >>>= 0;
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

export const toBig = (lo: number, hi: number): bigint => (BigInt(hi) << 32n) | BigInt(lo >>> 0);
export const toBigU = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** Result of the last wide operation (high word); the low word is returned. */
export const out = { hi: 0 };

function fromBig(v: bigint): number {
  const u = BigInt.asUintN(64, v);
  out.hi = Number(u >> 32n) | 0;
  return Number(u & 0xffffffffn) | 0;
}

/** op: funct3 of the M instruction (0 mul .. 7 remu); 64-bit. */
export function muldiv64(op: number, alo: number, ahi: number, blo: number, bhi: number): number {
  switch (op) {
    case 0: // mul
      out.hi = (mulhu32(alo, blo) + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
      return Math.imul(alo, blo);
    case 1: return fromBig((toBig(alo, ahi) * toBig(blo, bhi)) >> 64n);
    case 2: return fromBig((toBig(alo, ahi) * toBigU(blo, bhi)) >> 64n);
    case 3: return fromBig((toBigU(alo, ahi) * toBigU(blo, bhi)) >> 64n);
    case 4: { // div
      if (blo === 0 && bhi === 0) { out.hi = -1; return -1; }
      if (ahi === alo >> 31 && bhi === blo >> 31) {
        const q = Math.trunc(alo / blo);
        out.hi = q < 0 ? -1 : 0; return q | 0;
      }
      const a = toBig(alo, ahi), b = toBig(blo, bhi);
      if (b === -1n) return fromBig(-a);
      return fromBig(a / b);
    }
    case 5: { // divu
      if (blo === 0 && bhi === 0) { out.hi = -1; return -1; }
      if (ahi === 0 && bhi === 0) { out.hi = 0; return Math.floor((alo >>> 0) / (blo >>> 0)) | 0; }
      return fromBig(toBigU(alo, ahi) / toBigU(blo, bhi));
    }
    case 6: { // rem
      if (blo === 0 && bhi === 0) { out.hi = ahi; return alo; }
      if (ahi === alo >> 31 && bhi === blo >> 31) {
        const r = alo % blo; // sign follows the dividend, as RISC-V requires
        out.hi = r < 0 ? -1 : 0; return r | 0;
      }
      const a = toBig(alo, ahi), b = toBig(blo, bhi);
      if (b === -1n) { out.hi = 0; return 0; }
      return fromBig(a % b);
    }
    default: { // remu
      if (blo === 0 && bhi === 0) { out.hi = ahi; return alo; }
      if (ahi === 0 && bhi === 0) { out.hi = 0; return ((alo >>> 0) % (blo >>> 0)) | 0; }
      return fromBig(toBigU(alo, ahi) % toBigU(blo, bhi));
    }
  }
}

/** 32-bit (W) variants; result sign-extended by the caller from the returned int32. */
export function muldiv32(op: number, a: number, b: number): number {
  switch (op) {
    case 0: return Math.imul(a, b);
    case 4: // divw
      if (b === 0) return -1;
      if (a === -0x80000000 && b === -1) return a;
      return Math.trunc(a / b) | 0;
    case 5: // divuw
      if (b === 0) return -1;
      return Math.floor((a >>> 0) / (b >>> 0)) | 0;
    case 6: // remw
      if (b === 0) return a;
      if (b === -1) return 0;
      return (a % b) | 0;
    case 7: // remuw
      if (b === 0) return a;
      return ((a >>> 0) % (b >>> 0)) | 0;
    default: return NaN; // mulh* have no W form: caller treats as illegal
  }
}
