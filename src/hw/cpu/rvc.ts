/**
 * RVC (compressed) expansion: every 16-bit encoding maps to the 32-bit instruction it stands
 * for, so the interpreter executes one instruction set. The hot loop does one array read per
 * compressed instruction (and one expansion the first time an encoding is met).
 * 0 marks an illegal/reserved encoding (0 is never a valid 32-bit instruction either).
 */

const r = (v: number, hi: number, lo: number): number => (v >>> lo) & ((1 << (hi - lo + 1)) - 1);
const sext = (v: number, bits: number): number => (v << (32 - bits)) >> (32 - bits);

const itype = (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const stype = (imm: number, rs2: number, rs1: number, f3: number, op: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op) >>> 0;
const rtype = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const btype = (imm: number, rs2: number, rs1: number, f3: number): number =>
  ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
    (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;
const jtype = (imm: number, rd: number): number =>
  ((((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) |
    (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0;

function expand(c: number): number {
  const op = c & 3, f3 = c >>> 13;
  const rdp = r(c, 4, 2) + 8, rs1p = r(c, 9, 7) + 8;
  const rd = r(c, 11, 7), rs2 = r(c, 6, 2);
  if (op === 0) {
    switch (f3) {
      case 0: { // c.addi4spn
        const imm = (r(c, 10, 7) << 6) | (r(c, 12, 11) << 4) | (r(c, 5, 5) << 3) | (r(c, 6, 6) << 2);
        return imm === 0 ? 0 : itype(imm, 2, 0, rdp, 0x13);
      }
      case 1: return itype((r(c, 12, 10) << 3) | (r(c, 6, 5) << 6), rs1p, 3, rdp, 0x07); // c.fld
      case 2: return itype((r(c, 12, 10) << 3) | (r(c, 6, 6) << 2) | (r(c, 5, 5) << 6), rs1p, 2, rdp, 0x03); // c.lw
      case 3: return itype((r(c, 12, 10) << 3) | (r(c, 6, 5) << 6), rs1p, 3, rdp, 0x03); // c.ld
      case 5: return stype((r(c, 12, 10) << 3) | (r(c, 6, 5) << 6), rdp, rs1p, 3, 0x27); // c.fsd
      case 6: return stype((r(c, 12, 10) << 3) | (r(c, 6, 6) << 2) | (r(c, 5, 5) << 6), rdp, rs1p, 2, 0x23); // c.sw
      case 7: return stype((r(c, 12, 10) << 3) | (r(c, 6, 5) << 6), rdp, rs1p, 3, 0x23); // c.sd
      default: return 0;
    }
  }
  if (op === 1) {
    const imm6 = sext((r(c, 12, 12) << 5) | r(c, 6, 2), 6);
    switch (f3) {
      case 0: return itype(imm6, rd, 0, rd, 0x13); // c.addi / c.nop
      case 1: return rd === 0 ? 0 : itype(imm6, rd, 0, rd, 0x1b); // c.addiw
      case 2: return itype(imm6, 0, 0, rd, 0x13); // c.li
      case 3:
        if (rd === 2) { // c.addi16sp
          const imm = sext((r(c, 12, 12) << 9) | (r(c, 4, 3) << 7) | (r(c, 5, 5) << 6) | (r(c, 2, 2) << 5) | (r(c, 6, 6) << 4), 10);
          return imm === 0 ? 0 : itype(imm, 2, 0, 2, 0x13);
        } else { // c.lui
          if (imm6 === 0) return 0;
          return (((imm6 << 12) & 0xfffff000) | (rd << 7) | 0x37) >>> 0;
        }
      case 4: {
        const f2 = r(c, 11, 10);
        const sh = (r(c, 12, 12) << 5) | r(c, 6, 2);
        if (f2 === 0) return itype(sh, rs1p, 5, rs1p, 0x13); // c.srli
        if (f2 === 1) return itype(sh | 0x400, rs1p, 5, rs1p, 0x13); // c.srai
        if (f2 === 2) return itype(imm6, rs1p, 7, rs1p, 0x13); // c.andi
        const rs2p = r(c, 4, 2) + 8;
        const w = r(c, 12, 12), f = r(c, 6, 5);
        if (w === 0) {
          if (f === 0) return rtype(0x20, rs2p, rs1p, 0, rs1p, 0x33); // c.sub
          if (f === 1) return rtype(0, rs2p, rs1p, 4, rs1p, 0x33); // c.xor
          if (f === 2) return rtype(0, rs2p, rs1p, 6, rs1p, 0x33); // c.or
          return rtype(0, rs2p, rs1p, 7, rs1p, 0x33); // c.and
        }
        if (f === 0) return rtype(0x20, rs2p, rs1p, 0, rs1p, 0x3b); // c.subw
        if (f === 1) return rtype(0, rs2p, rs1p, 0, rs1p, 0x3b); // c.addw
        return 0;
      }
      case 5: { // c.j
        const imm = sext((r(c, 12, 12) << 11) | (r(c, 8, 8) << 10) | (r(c, 10, 9) << 8) | (r(c, 6, 6) << 7) |
          (r(c, 7, 7) << 6) | (r(c, 2, 2) << 5) | (r(c, 11, 11) << 4) | (r(c, 5, 3) << 1), 12);
        return jtype(imm, 0);
      }
      case 6: case 7: { // c.beqz / c.bnez
        const imm = sext((r(c, 12, 12) << 8) | (r(c, 6, 5) << 6) | (r(c, 2, 2) << 5) | (r(c, 11, 10) << 3) | (r(c, 4, 3) << 1), 9);
        return btype(imm, 0, rs1p, f3 === 6 ? 0 : 1);
      }
    }
    return 0;
  }
  if (op === 2) {
    switch (f3) {
      case 0: return itype((r(c, 12, 12) << 5) | r(c, 6, 2), rd, 1, rd, 0x13); // c.slli
      case 1: return itype((r(c, 12, 12) << 5) | (r(c, 6, 5) << 3) | (r(c, 4, 2) << 6), 2, 3, rd, 0x07); // c.fldsp
      case 2: return rd === 0 ? 0 : itype((r(c, 12, 12) << 5) | (r(c, 6, 4) << 2) | (r(c, 3, 2) << 6), 2, 2, rd, 0x03); // c.lwsp
      case 3: return rd === 0 ? 0 : itype((r(c, 12, 12) << 5) | (r(c, 6, 5) << 3) | (r(c, 4, 2) << 6), 2, 3, rd, 0x03); // c.ldsp
      case 4:
        if (r(c, 12, 12) === 0) {
          if (rs2 === 0) return rd === 0 ? 0 : itype(0, rd, 0, 0, 0x67); // c.jr
          return rtype(0, rs2, 0, 0, rd, 0x33); // c.mv
        }
        if (rs2 === 0) return rd === 0 ? 0x00100073 : itype(0, rd, 0, 1, 0x67); // c.ebreak / c.jalr
        return rtype(0, rs2, rd, 0, rd, 0x33); // c.add
      case 5: return stype((r(c, 12, 10) << 3) | (r(c, 9, 7) << 6), rs2, 2, 3, 0x27); // c.fsdsp
      case 6: return stype((r(c, 12, 9) << 2) | (r(c, 8, 7) << 6), rs2, 2, 2, 0x23); // c.swsp
      case 7: return stype((r(c, 12, 10) << 3) | (r(c, 9, 7) << 6), rs2, 2, 3, 0x23); // c.sdsp
    }
  }
  return 0;
}

/**
 * RVC_TABLE[c] = the 32-bit expansion of compressed instruction c, 0 if illegal, or RVC_UNSEEN until c
 * is first executed: entries are expanded on first use (rvcFill) rather than all 49152 up front, which
 * took 35–45 ms of CPU at the creation of the first hart, on the way to every guest's first
 * instruction (bench/RESULTS.md). RVC_UNSEEN is 1, which ends in binary 01 and so is never the
 * expansion of anything (32-bit instructions end in 11).
 */
export const RVC_UNSEEN = 1;
export const RVC_TABLE: Int32Array = new Int32Array(65536).fill(RVC_UNSEEN);

/** The expansion of compressed instruction c (0 if illegal), computed and kept on its first use. */
export function rvcFill(c: number): number {
  return (RVC_TABLE[c] = expand(c) | 0);
}
