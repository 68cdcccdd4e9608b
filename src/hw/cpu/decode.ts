/**
 * Pre-decoding: each instruction is decoded once into four int32s (op, packed registers,
 * immediate, raw bits) stored per physical RAM page (decode-cache.ts), so the execute loop is
 * one flat switch over pre-extracted fields. Register numbers are stored doubled (index into
 * the (lo, hi) pair array) and a destination of x0 is redirected to a scratch pair (64) so
 * the loop never has to keep x0 at zero.
 */
import { RVC_TABLE } from './rvc.ts';

export const enum Op {
  UNDECODED = 0,
  LUI, AUIPC, JAL, JALR,
  BEQ, BNE, BLT, BGE, BLTU, BGEU,
  LB, LH, LW, LD, LBU, LHU, LWU,
  SB, SH, SW, SD,
  ADDI, SLLI, SLTI, SLTIU, XORI, SRLI, SRAI, ORI, ANDI,
  ADDIW, SLLIW, SRLIW, SRAIW,
  ADD, SUB, SLL, SLT, SLTU, XOR, SRL, SRA, OR, AND,
  MULDIV, ADDW, SUBW, SLLW, SRLW, SRAW, MULDIVW,
  FENCE, SYSTEM, AMO, ILLEGAL,
  /** a 32-bit instruction straddling the page end: fetched and decoded every time */
  CROSS,
  LI, MV,
}

/** Scratch register pair that receives writes to x0. */
export const X0_SINK = 64;

const ILLEGAL_WORD = Op.ILLEGAL;

/**
 * Decode `raw` (a 32-bit instruction, or a 16-bit compressed one in the low half) into
 * d[k..k+3]. Never throws: undefined encodings decode to ILLEGAL, raised when executed.
 */
export function decodeInto(d: Int32Array, k: number, raw: number): void {
  let insn = raw, ilen = 4;
  if ((raw & 3) !== 3) {
    ilen = 2;
    insn = RVC_TABLE[raw & 0xffff];
    raw &= 0xffff;
  }
  d[k + 3] = raw;
  if (insn === 0) { d[k] = ILLEGAL_WORD; d[k + 1] = ilen << 24; d[k + 2] = 0; return; }
  const rdRaw = (insn >> 6) & 62;
  const rd = rdRaw === 0 ? X0_SINK : rdRaw;
  const rs1 = (insn >> 14) & 62, rs2 = (insn >> 19) & 62;
  const f3 = (insn >>> 12) & 7, f7 = insn >>> 25;
  let op: Op = Op.ILLEGAL, imm = 0;
  switch (insn & 0x7f) {
    case 0x37: op = Op.LUI; imm = insn & 0xfffff000; break;
    case 0x17: op = Op.AUIPC; imm = insn & 0xfffff000; break;
    case 0x6f: op = Op.JAL; imm = ((insn >> 31) << 20) | (((insn >>> 21) & 0x3ff) << 1) | (((insn >>> 20) & 1) << 11) | (insn & 0xff000); break;
    case 0x67: if (f3 === 0) { op = Op.JALR; imm = insn >> 20; } break;
    case 0x63:
      imm = ((insn >> 31) << 12) | (((insn >>> 25) & 0x3f) << 5) | (((insn >>> 8) & 0xf) << 1) | (((insn >>> 7) & 1) << 11);
      op = [Op.BEQ, Op.BNE, Op.ILLEGAL, Op.ILLEGAL, Op.BLT, Op.BGE, Op.BLTU, Op.BGEU][f3];
      break;
    case 0x03: imm = insn >> 20; op = [Op.LB, Op.LH, Op.LW, Op.LD, Op.LBU, Op.LHU, Op.LWU, Op.ILLEGAL][f3]; break;
    case 0x23: imm = ((insn >> 25) << 5) | ((insn >>> 7) & 0x1f); op = f3 < 4 ? [Op.SB, Op.SH, Op.SW, Op.SD][f3] : Op.ILLEGAL; break;
    case 0x13:
      imm = insn >> 20;
      switch (f3) {
        case 0: op = rs1 === 0 ? Op.LI : imm === 0 ? Op.MV : Op.ADDI; break;
        case 1: op = (insn >>> 26) === 0 ? Op.SLLI : Op.ILLEGAL; imm &= 63; break;
        case 2: op = Op.SLTI; break;
        case 3: op = Op.SLTIU; break;
        case 4: op = Op.XORI; break;
        case 5: op = (insn >>> 26) === 0 ? Op.SRLI : (insn >>> 26) === 0x10 ? Op.SRAI : Op.ILLEGAL; imm &= 63; break;
        case 6: op = Op.ORI; break;
        default: op = Op.ANDI;
      }
      break;
    case 0x1b:
      imm = insn >> 20;
      if (f3 === 0) op = Op.ADDIW;
      else if (f3 === 1 && f7 === 0) { op = Op.SLLIW; imm &= 31; }
      else if (f3 === 5 && f7 === 0) { op = Op.SRLIW; imm &= 31; }
      else if (f3 === 5 && f7 === 0x20) { op = Op.SRAIW; imm &= 31; }
      break;
    case 0x33:
      if (f7 === 0) op = [Op.ADD, Op.SLL, Op.SLT, Op.SLTU, Op.XOR, Op.SRL, Op.OR, Op.AND][f3];
      else if (f7 === 0x20) op = f3 === 0 ? Op.SUB : f3 === 5 ? Op.SRA : Op.ILLEGAL;
      else if (f7 === 1) { op = Op.MULDIV; imm = f3; }
      break;
    case 0x3b:
      if (f7 === 0) op = f3 === 0 ? Op.ADDW : f3 === 1 ? Op.SLLW : f3 === 5 ? Op.SRLW : Op.ILLEGAL;
      else if (f7 === 0x20) op = f3 === 0 ? Op.SUBW : f3 === 5 ? Op.SRAW : Op.ILLEGAL;
      else if (f7 === 1 && (f3 === 0 || f3 >= 4)) { op = Op.MULDIVW; imm = f3; }
      break;
    case 0x0f: if (f3 <= 1) op = Op.FENCE; break;
    case 0x73: op = Op.SYSTEM; break;
    case 0x2f: op = Op.AMO; break;
    default: op = Op.ILLEGAL; // F/D and everything else
  }
  d[k] = op;
  d[k + 1] = rd | (rs1 << 8) | (rs2 << 16) | (ilen << 24);
  d[k + 2] = imm;
  // illegal instructions report their original bits; the slow paths want the 32-bit form
  if (op !== Op.ILLEGAL) d[k + 3] = insn;
}
