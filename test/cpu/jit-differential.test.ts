// Differential fuzz test of the block compiler (src/hw/cpu/jit.ts): the same randomly generated
// RV64IMC program runs on two harts, one compiling every block that has run twice
// (BlockCache threshold 2, as the 'eager' guest tests do) and one interpreting only; the 32
// registers, the pc and the scratch data memory must come out identical.
//
// Programs are built from fixed seeds (a failure names its seed and prints a listing and a hex
// dump). Each program is a body repeated by an outer loop (so its code runs at least twice and
// gets compiled) followed by `jal x0, 0`, where both harts spin once done. Bodies mix integer,
// W, M (with 0 / -1 divisors and INT_MIN dividends), loads and stores of every width (also
// misaligned and crossing a page) at a fixed base register, forward branches of all kinds,
// counted inner loops, JAL, JALR through AUIPC+ADDI, and RVC encodings. No traps, no
// self-modifying code (test/guests/smc.c covers that).
//
// The encoders are checked against the GNU disassembler when riscv64-unknown-elf-objdump is
// installed.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressSpace, RAM_BASE } from '../../src/hw/memory/address-space.ts';
import { Hart } from '../../src/hw/cpu/hart.ts';
import { BlockCache } from '../../src/hw/cpu/jit.ts';

// ---- deterministic random numbers -----------------------------------------------------------

class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  /** mulberry32: a uniform 32-bit unsigned integer. */
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number { return lo + (this.u32() % (hi - lo + 1)); }
  chance(p: number): boolean { return this.u32() < p * 4294967296; }
  pick<T>(a: readonly T[]): T { return a[this.u32() % a.length]; }
  u64(): bigint { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
}

// ---- registers --------------------------------------------------------------------------------

/** Base of every load and store; never written by the generated code. x8 so C.LD/C.SD can use it. */
const BASE = 8;
/** Inner loop counter (x9, so C.BNEZ / C.ADDI apply to it). */
const LOOP = 9;
/** Outer loop counter. */
const OUTER = 18;
const RESERVED = new Set([0, BASE, LOOP, OUTER]);
/** Registers random instructions may write. */
const DEST = Array.from({ length: 32 }, (_, i) => i).filter((r) => !RESERVED.has(r));
/** Writable registers of the compressed 3-bit register fields (x8..x15 minus reserved ones). */
const CDEST = [10, 11, 12, 13, 14, 15];
/** Registers of the 3-bit fields that may be read. */
const CSRC = [8, 9, 10, 11, 12, 13, 14, 15];

const CODE_OFFSET_MAX = 0x3000;
const DATA_PA = 0x80100000; // scratch page; the base register points at its middle
const BASE_VALUE = DATA_PA + 0x800;
/** Bytes compared: the scratch page plus what a load/store at base±2 KiB of 8 bytes can reach. */
const CMP_PA = DATA_PA - 0x1000, CMP_LEN = 0x3000;
const RAM_SIZE = 2 * 1024 * 1024;

const M64 = (1n << 64n) - 1n;
const SPECIAL: bigint[] = [
  0n, 1n, 2n, 3n, 31n, 32n, 63n, 64n, M64, M64 - 1n, 0x7fffffffffffffffn, 0x8000000000000000n,
  0xffffffffn, 0x80000000n, 0x7fffffffn, 0xffffffff80000000n, 0x100000000n, 0xffffffff7fffffffn,
  0x8000000000000001n, 0xfffffffffffff800n, 0x7ffn,
];

function randValue(r: Rng): bigint {
  const k = r.u32() % 10;
  if (k < 4) return r.pick(SPECIAL);
  if (k < 6) return BigInt(r.int(0, 100)); // small
  if (k < 7) return BigInt.asUintN(64, BigInt((r.u32() | 0))); // sign-extended 32-bit
  return r.u64();
}

// ---- encoders ---------------------------------------------------------------------------------

/** Throws unless v is a multiple of `align` in [lo, hi]: a generator bug, not an emulator one. */
function fits(v: number, lo: number, hi: number, align: number, what: string): number {
  if (v < lo || v > hi || v % align !== 0) throw new Error(`${what}: ${v} out of range`);
  return v;
}

const enc = {
  r: (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
    ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0,
  i: (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
    (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0,
  s: (imm: number, rs2: number, rs1: number, f3: number): number =>
    ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | 0x23) >>> 0,
  b: (imm: number, rs2: number, rs1: number, f3: number): number => {
    fits(imm, -4096, 4094, 2, 'branch offset');
    return ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
      (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;
  },
  u: (imm20: number, rd: number, op: number): number => (((imm20 & 0xfffff) << 12) | (rd << 7) | op) >>> 0,
  j: (imm: number, rd: number): number => {
    fits(imm, -(1 << 20), (1 << 20) - 2, 2, 'jal offset');
    return ((((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) |
      (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0;
  },
  // compressed (quadrant in the low 2 bits)
  /** CI format: C.ADDI (f3 0), C.ADDIW (1), C.LI (2) in quadrant 1; C.SLLI (0) in quadrant 2. */
  ci: (f3: number, imm6: number, rd: number, q: number): number =>
    (f3 << 13) | (((imm6 >> 5) & 1) << 12) | (rd << 7) | ((imm6 & 31) << 2) | q,
  /** C.SRLI (f2 0), C.SRAI (1), C.ANDI (2). */
  cb2: (f2: number, imm6: number, rdp: number): number =>
    (4 << 13) | (((imm6 >> 5) & 1) << 12) | (f2 << 10) | ((rdp - 8) << 7) | ((imm6 & 31) << 2) | 1,
  /** C.SUB/XOR/OR/AND (w 0, f2 0-3), C.SUBW/ADDW (w 1, f2 0-1). */
  ca: (w: number, f2: number, rdp: number, rs2p: number): number =>
    (4 << 13) | (w << 12) | (3 << 10) | ((rdp - 8) << 7) | (f2 << 5) | ((rs2p - 8) << 2) | 1,
  /** C.MV (add 0), C.ADD (add 1). */
  cr: (add: number, rd: number, rs2: number): number => (4 << 13) | (add << 12) | (rd << 7) | (rs2 << 2) | 2,
  /** C.LW (f3 2) / C.SW (f3 6): word offset 0..124. */
  clsw: (f3: number, uimm: number, rs1p: number, rp: number): number =>
    (f3 << 13) | (((uimm >> 3) & 7) << 10) | ((rs1p - 8) << 7) | (((uimm >> 2) & 1) << 6) | (((uimm >> 6) & 1) << 5) | ((rp - 8) << 2),
  /** C.LD (f3 3) / C.SD (f3 7): doubleword offset 0..248. */
  clsd: (f3: number, uimm: number, rs1p: number, rp: number): number =>
    (f3 << 13) | (((uimm >> 3) & 7) << 10) | ((rs1p - 8) << 7) | (((uimm >> 6) & 3) << 5) | ((rp - 8) << 2),
  cj: (imm: number): number => {
    fits(imm, -2048, 2046, 2, 'c.j offset');
    return (5 << 13) | (((imm >> 11) & 1) << 12) | (((imm >> 4) & 1) << 11) | (((imm >> 8) & 3) << 9) |
      (((imm >> 10) & 1) << 8) | (((imm >> 6) & 1) << 7) | (((imm >> 7) & 1) << 6) | (((imm >> 1) & 7) << 3) |
      (((imm >> 5) & 1) << 2) | 1;
  },
  /** C.BEQZ (f3 6) / C.BNEZ (f3 7). */
  cbz: (f3: number, imm: number, rs1p: number): number => {
    fits(imm, -256, 254, 2, 'c.beqz/c.bnez offset');
    return (f3 << 13) | (((imm >> 8) & 1) << 12) | (((imm >> 3) & 3) << 10) | ((rs1p - 8) << 7) |
      (((imm >> 6) & 3) << 5) | (((imm >> 1) & 3) << 3) | (((imm >> 5) & 1) << 2) | 1;
  },
};

const ALU_R: Record<string, [number, number, number]> = { // name: [funct7, funct3, opcode]
  add: [0, 0, 0x33], sub: [0x20, 0, 0x33], sll: [0, 1, 0x33], slt: [0, 2, 0x33], sltu: [0, 3, 0x33],
  xor: [0, 4, 0x33], srl: [0, 5, 0x33], sra: [0x20, 5, 0x33], or: [0, 6, 0x33], and: [0, 7, 0x33],
  addw: [0, 0, 0x3b], subw: [0x20, 0, 0x3b], sllw: [0, 1, 0x3b], srlw: [0, 5, 0x3b], sraw: [0x20, 5, 0x3b],
};
const MUL_R: Record<string, [number, number, number]> = {
  mul: [1, 0, 0x33], mulh: [1, 1, 0x33], mulhsu: [1, 2, 0x33], mulhu: [1, 3, 0x33],
  div: [1, 4, 0x33], divu: [1, 5, 0x33], rem: [1, 6, 0x33], remu: [1, 7, 0x33],
  mulw: [1, 0, 0x3b], divw: [1, 4, 0x3b], divuw: [1, 5, 0x3b], remw: [1, 6, 0x3b], remuw: [1, 7, 0x3b],
};
const ALU_I: Record<string, number> = { addi: 0, slti: 2, sltiu: 3, xori: 4, ori: 6, andi: 7 };
const SHIFT_I: Record<string, [number, number, number, number]> = { // [opcode, funct3, high bits, max shamt]
  slli: [0x13, 1, 0, 63], srli: [0x13, 5, 0, 63], srai: [0x13, 5, 0x400, 63],
  slliw: [0x1b, 1, 0, 31], srliw: [0x1b, 5, 0, 31], sraiw: [0x1b, 5, 0x400, 31],
};
const LOADS: Record<string, [number, number]> = { lb: [0, 1], lh: [1, 2], lw: [2, 4], ld: [3, 8], lbu: [4, 1], lhu: [5, 2], lwu: [6, 4] };
const STORES: Record<string, [number, number]> = { sb: [0, 1], sh: [1, 2], sw: [2, 4], sd: [3, 8] };
const BRANCHES: Record<string, number> = { beq: 0, bne: 1, blt: 4, bge: 5, bltu: 6, bgeu: 7 };

const X = (r: number): string => `x${r}`;
const hex = (v: number): string => `0x${v.toString(16)}`;

// ---- a tiny assembler with forward/backward labels ----------------------------------------------

/** Encodes one instruction at program-relative address `pc`; `at(label)` is a label's address. */
type Encode = (pc: number, at: (label: number) => number) => { word: number; text: string };
type Item = { label: number } | { size: 2 | 4; encode: Encode };

class Asm {
  readonly items: Item[] = [];
  private labels = 0;
  insns = 0;
  /** Bytes emitted so far (every instruction's size is known when it is emitted). */
  size = 0;
  newLabel(): number { return this.labels++; }
  place(label: number): void { this.items.push({ label }); }
  emit(size: 2 | 4, encode: Encode): void { this.items.push({ size, encode }); this.insns++; this.size += size; }
  fixed(size: 2 | 4, word: number, text: string): void { this.emit(size, () => ({ word, text })); }

  /** Lays the program out from address 0; text addresses are program-relative. */
  assemble(): { bytes: Uint8Array; lines: { addr: number; size: number; word: number; text: string }[] } {
    const where = new Map<number, number>();
    let pc = 0;
    for (const it of this.items) {
      if ('label' in it) where.set(it.label, pc);
      else pc += it.size;
    }
    const bytes = new Uint8Array(pc);
    const lines: { addr: number; size: number; word: number; text: string }[] = [];
    pc = 0;
    const at = (l: number): number => {
      const a = where.get(l);
      if (a === undefined) throw new Error(`label ${l} never placed`);
      return a;
    };
    for (const it of this.items) {
      if ('label' in it) continue;
      const { word, text } = it.encode(pc, at);
      for (let k = 0; k < it.size; k++) bytes[pc + k] = (word >>> (8 * k)) & 0xff;
      lines.push({ addr: pc, size: it.size, word, text });
      pc += it.size;
    }
    return { bytes, lines };
  }
}

// ---- program generator ----------------------------------------------------------------------------

function dest(r: Rng): number { return r.chance(0.04) ? 0 : r.pick(DEST); }
function src(r: Rng): number { return r.int(0, 31); }
function imm12(r: Rng): number {
  const k = r.u32() % 8;
  if (k === 0) return r.pick([0, -1, 1, -2048, 2047, -2, 0x7ff, -0x800 + 1]);
  if (k < 4) return r.int(-32, 32);
  return r.int(-2048, 2047);
}

/** Sets register rd to an edge value (INT64_MIN, INT64_MAX, -1, INT32_MIN, 2^32-1, 0) with 1-2 instructions. */
function emitEdgeValue(a: Asm, r: Rng, rd: number): void {
  switch (r.u32() % 7) {
    case 0: // INT64_MIN
      a.fixed(4, enc.i(-1, 0, 0, rd, 0x13), `addi ${X(rd)},x0,-1`);
      a.fixed(4, enc.i(63, rd, 1, rd, 0x13), `slli ${X(rd)},${X(rd)},63`);
      break;
    case 1: // INT64_MAX
      a.fixed(4, enc.i(-1, 0, 0, rd, 0x13), `addi ${X(rd)},x0,-1`);
      a.fixed(4, enc.i(1, rd, 5, rd, 0x13), `srli ${X(rd)},${X(rd)},1`);
      break;
    case 2: a.fixed(4, enc.i(-1, 0, 0, rd, 0x13), `addi ${X(rd)},x0,-1`); break;
    case 3: a.fixed(4, enc.u(0x80000, rd, 0x37), `lui ${X(rd)},${hex(0x80000)}`); break; // INT32_MIN, sign-extended
    case 4:
      a.fixed(4, enc.i(-1, 0, 0, rd, 0x13), `addi ${X(rd)},x0,-1`);
      a.fixed(4, enc.i(32, rd, 5, rd, 0x13), `srli ${X(rd)},${X(rd)},32`);
      break;
    case 5: a.fixed(4, enc.i(0, 0, 0, rd, 0x13), `addi ${X(rd)},x0,0`); break;
    default: { const v = r.int(-3, 3); a.fixed(4, enc.i(v, 0, 0, rd, 0x13), `addi ${X(rd)},x0,${v}`); break; }
  }
}

/** Offset from the base register for an access of `size` bytes: mostly aligned, sometimes not. */
function memOffset(r: Rng, size: number): number {
  const k = r.u32() % 10;
  if (k === 0) return r.pick([-2048, 2047, 2048 - size, -2048 + 1]);
  let off = r.int(-2048, 2047 - 8);
  if (k < 7) off &= ~(size - 1);
  return off;
}

/** One straight-line instruction (or a short setup + instruction): no control flow. */
function emitSimple(a: Asm, r: Rng): void {
  const k = r.u32() % 100;
  if (k < 14) { // register-register ALU (incl. W)
    const name = r.pick(Object.keys(ALU_R));
    const [f7, f3, op] = ALU_R[name];
    const rd = dest(r), rs1 = src(r), rs2 = r.chance(0.15) ? r.pick(DEST) : src(r);
    a.fixed(4, enc.r(f7, rs2, rs1, f3, rd, op), `${name} ${X(rd)},${X(rs1)},${X(rs2)}`);
  } else if (k < 24) { // register-immediate ALU
    const name = r.pick(Object.keys(ALU_I));
    const rd = dest(r), rs1 = src(r), imm = imm12(r);
    a.fixed(4, enc.i(imm, rs1, ALU_I[name], rd, 0x13), `${name} ${X(rd)},${X(rs1)},${imm}`);
  } else if (k < 30) { // shifts by immediate
    const name = r.pick(Object.keys(SHIFT_I));
    const [op, f3, high, max] = SHIFT_I[name];
    const rd = dest(r), rs1 = src(r), sh = r.chance(0.2) ? r.pick([0, max, 31, 32 & max, 1]) : r.int(0, max);
    a.fixed(4, enc.i(high | sh, rs1, f3, rd, op), `${name} ${X(rd)},${X(rs1)},${hex(sh)}`);
  } else if (k < 33) { // addiw
    const rd = dest(r), rs1 = src(r), imm = imm12(r);
    a.fixed(4, enc.i(imm, rs1, 0, rd, 0x1b), `addiw ${X(rd)},${X(rs1)},${imm}`);
  } else if (k < 45) { // M extension, often with an edge-case operand just set up
    const name = r.pick(Object.keys(MUL_R));
    const [f7, f3, op] = MUL_R[name];
    let rs1 = src(r), rs2 = src(r);
    if (r.chance(0.4)) { rs1 = r.pick(DEST); emitEdgeValue(a, r, rs1); }
    if (r.chance(0.4)) {
      rs2 = r.pick(DEST);
      if (r.chance(0.5)) { const v = r.pick([0, -1, -1, 1]); a.fixed(4, enc.i(v, 0, 0, rs2, 0x13), `addi ${X(rs2)},x0,${v}`); }
      else emitEdgeValue(a, r, rs2);
    }
    const rd = dest(r);
    a.fixed(4, enc.r(f7, rs2, rs1, f3, rd, op), `${name} ${X(rd)},${X(rs1)},${X(rs2)}`);
  } else if (k < 47) { // lui
    const rd = dest(r), v = r.chance(0.3) ? r.pick([0x80000, 0xfffff, 0x7ffff, 0, 1]) : r.u32() & 0xfffff;
    a.fixed(4, enc.u(v, rd, 0x37), `lui ${X(rd)},${hex(v)}`);
  } else if (k < 49) { // auipc
    const rd = dest(r), v = r.chance(0.5) ? r.int(0, 3) : r.u32() & 0xfffff;
    a.fixed(4, enc.u(v, rd, 0x17), `auipc ${X(rd)},${hex(v)}`);
  } else if (k < 58) { // loads
    const name = r.pick(Object.keys(LOADS));
    const [f3, size] = LOADS[name];
    const rd = dest(r), off = memOffset(r, size);
    a.fixed(4, enc.i(off, BASE, f3, rd, 0x03), `${name} ${X(rd)},${off}(${X(BASE)})`);
  } else if (k < 67) { // stores
    const name = r.pick(Object.keys(STORES));
    const [f3, size] = STORES[name];
    const rs2 = src(r), off = memOffset(r, size);
    a.fixed(4, enc.s(off, rs2, BASE, f3), `${name} ${X(rs2)},${off}(${X(BASE)})`);
  } else if (k < 70) { // an edge value, for later instructions to use
    emitEdgeValue(a, r, r.pick(DEST));
  } else { // compressed
    emitCompressed(a, r);
  }
}

function emitCompressed(a: Asm, r: Rng): void {
  const nz6 = (): number => { let v = 0; while (v === 0) v = r.int(-32, 31); return v; };
  switch (r.u32() % 17) {
    case 0: { const rd = r.pick(DEST), imm = nz6(); a.fixed(2, enc.ci(0, imm, rd, 1), `c.addi ${X(rd)},${imm}`); break; }
    case 1: { const rd = r.pick(DEST), imm = r.int(-32, 31); a.fixed(2, enc.ci(2, imm, rd, 1), `c.li ${X(rd)},${imm}`); break; }
    case 2: { const rd = r.pick(DEST), imm = r.int(-32, 31); a.fixed(2, enc.ci(1, imm, rd, 1), `c.addiw ${X(rd)},${imm}`); break; }
    case 3: { const rd = r.pick(DEST), rs2 = r.int(1, 31); a.fixed(2, enc.cr(0, rd, rs2), `c.mv ${X(rd)},${X(rs2)}`); break; }
    case 4: { const rd = r.pick(DEST), rs2 = r.int(1, 31); a.fixed(2, enc.cr(1, rd, rs2), `c.add ${X(rd)},${X(rs2)}`); break; }
    case 5: case 6: {
      const f2 = r.int(0, 3), rd = r.pick(CDEST), rs2 = r.pick(CSRC);
      a.fixed(2, enc.ca(0, f2, rd, rs2), `${['c.sub', 'c.xor', 'c.or', 'c.and'][f2]} ${X(rd)},${X(rs2)}`);
      break;
    }
    case 7: {
      const f2 = r.int(0, 1), rd = r.pick(CDEST), rs2 = r.pick(CSRC);
      a.fixed(2, enc.ca(1, f2, rd, rs2), `${['c.subw', 'c.addw'][f2]} ${X(rd)},${X(rs2)}`);
      break;
    }
    case 8: { const rd = r.pick(DEST), sh = r.int(1, 63); a.fixed(2, enc.ci(0, sh, rd, 2), `c.slli ${X(rd)},${hex(sh)}`); break; }
    case 9: case 10: {
      const f2 = r.int(0, 1), rd = r.pick(CDEST), sh = r.int(1, 63);
      a.fixed(2, enc.cb2(f2, sh, rd), `${f2 ? 'c.srai' : 'c.srli'} ${X(rd)},${hex(sh)}`);
      break;
    }
    case 11: { const rd = r.pick(CDEST), imm = r.int(-32, 31); a.fixed(2, enc.cb2(2, imm, rd), `c.andi ${X(rd)},${imm}`); break; }
    case 12: { const rd = r.pick(CDEST), off = r.int(0, 31) * 8; a.fixed(2, enc.clsd(3, off, BASE, rd), `c.ld ${X(rd)},${off}(${X(BASE)})`); break; }
    case 13: { const rs2 = r.pick(CSRC), off = r.int(0, 31) * 8; a.fixed(2, enc.clsd(7, off, BASE, rs2), `c.sd ${X(rs2)},${off}(${X(BASE)})`); break; }
    case 14: { const rd = r.pick(CDEST), off = r.int(0, 31) * 4; a.fixed(2, enc.clsw(2, off, BASE, rd), `c.lw ${X(rd)},${off}(${X(BASE)})`); break; }
    case 15: { const rs2 = r.pick(CSRC), off = r.int(0, 31) * 4; a.fixed(2, enc.clsw(6, off, BASE, rs2), `c.sw ${X(rs2)},${off}(${X(BASE)})`); break; }
    default: { const rd = r.pick(DEST), imm = r.int(-2048, 2047); a.fixed(4, enc.i(imm, rd, 0, rd, 0x13), `addi ${X(rd)},${X(rd)},${imm}`); break; }
  }
}

/** Straight-line code, then `label` placed after it: what a forward jump skips. */
function skipped(a: Asm, r: Rng, label: number): void {
  const n = r.int(0, 5);
  for (let i = 0; i < n; i++) emitSimple(a, r);
  a.place(label);
}

/** A forward conditional branch (one of the six, or C.BEQZ/C.BNEZ) over a few instructions. */
function emitForwardBranch(a: Asm, r: Rng): void {
  const l = a.newLabel();
  if (r.chance(0.25)) {
    const f3 = r.chance(0.5) ? 6 : 7, rs1 = r.pick(CSRC);
    a.emit(2, (pc, at) => ({ word: enc.cbz(f3, at(l) - pc, rs1), text: `${f3 === 6 ? 'c.beqz' : 'c.bnez'} ${X(rs1)},${hex(at(l))}` }));
  } else {
    const name = r.pick(Object.keys(BRANCHES));
    const rs1 = src(r), rs2 = r.chance(0.2) ? rs1 : r.chance(0.3) ? 0 : src(r);
    a.emit(4, (pc, at) => ({ word: enc.b(at(l) - pc, rs2, rs1, BRANCHES[name]), text: `${name} ${X(rs1)},${X(rs2)},${hex(at(l))}` }));
  }
  skipped(a, r, l);
}

/** JAL / C.J forward, linking into x0, a random register or x1. */
function emitJal(a: Asm, r: Rng): void {
  const l = a.newLabel();
  if (r.chance(0.3)) {
    a.emit(2, (pc, at) => ({ word: enc.cj(at(l) - pc), text: `c.j ${hex(at(l))}` }));
  } else {
    const rd = r.chance(0.4) ? 0 : r.chance(0.3) ? 1 : r.pick(DEST);
    a.emit(4, (pc, at) => ({ word: enc.j(at(l) - pc, rd), text: `jal ${X(rd)},${hex(at(l))}` }));
  }
  skipped(a, r, l);
}

/** AUIPC t; ADDI t, t, k; JALR rd, imm(t) to a forward label (sometimes with bit 0 set, which JALR clears). */
function emitJalr(a: Asm, r: Rng): void {
  const l = a.newLabel(), start = a.newLabel();
  const t = r.pick(DEST);
  const rd = r.pick([0, t, t, 1, r.pick(DEST)]);
  const imm = r.int(-20, 20), odd = r.chance(0.3) ? 1 : 0;
  a.place(start);
  a.fixed(4, enc.u(0, t, 0x17), `auipc ${X(t)},0x0`);
  a.emit(4, (_pc, at) => {
    const k = at(l) - at(start) - imm + odd;
    return { word: enc.i(fits(k, -2048, 2047, 1, 'addi immediate'), t, 0, t, 0x13), text: `addi ${X(t)},${X(t)},${k}` };
  });
  a.fixed(4, enc.i(imm, t, 0, rd, 0x67), `jalr ${X(rd)},${imm}(${X(t)})`);
  skipped(a, r, l);
}

/** A counted loop in x9: li x9, n; L: body; addi x9, x9, -1; bnez x9, L (each maybe compressed). */
function emitInnerLoop(a: Asm, r: Rng): void {
  const n = r.int(1, 8), l = a.newLabel();
  if (r.chance(0.5)) a.fixed(2, enc.ci(2, n, LOOP, 1), `c.li ${X(LOOP)},${n}`);
  else a.fixed(4, enc.i(n, 0, 0, LOOP, 0x13), `addi ${X(LOOP)},x0,${n}`);
  a.place(l);
  const from = a.size;
  const body = r.int(1, 8);
  for (let i = 0; i < body; i++) {
    if (r.chance(0.15)) emitForwardBranch(a, r);
    else emitSimple(a, r);
  }
  if (r.chance(0.5)) a.fixed(2, enc.ci(0, -1, LOOP, 1), `c.addi ${X(LOOP)},-1`);
  else a.fixed(4, enc.i(-1, LOOP, 0, LOOP, 0x13), `addi ${X(LOOP)},${X(LOOP)},-1`);
  if (a.size - from <= 250 && r.chance(0.5)) a.emit(2, (pc, at) => ({ word: enc.cbz(7, at(l) - pc, LOOP), text: `c.bnez ${X(LOOP)},${hex(at(l))}` }));
  else a.emit(4, (pc, at) => ({ word: enc.b(at(l) - pc, 0, LOOP, 1), text: `bne ${X(LOOP)},x0,${hex(at(l))}` }));
}

interface Program {
  seed: number;
  bytes: Uint8Array;
  lines: { addr: number; size: number; word: number; text: string }[];
  /** RAM offset the code is loaded at. */
  codeOffset: number;
  /** Program-relative address of the final `jal x0, 0`. */
  endAddr: number;
  regs: bigint[];
  data: Uint8Array;
  insns: number;
}

/**
 * A program: OUTER = reps; body; OUTER -= 1; bne OUTER, x0, body; jal x0, 0.
 * `hot` programs have a short body run 50 times.
 */
function generate(seed: number, hot: boolean): Program {
  const r = new Rng(seed);
  const a = new Asm();
  const reps = hot ? 50 : r.int(2, 4);
  const target = hot ? r.int(15, 40) : r.int(17, 195);
  a.fixed(4, enc.i(reps, 0, 0, OUTER, 0x13), `addi ${X(OUTER)},x0,${reps}`);
  const top = a.newLabel();
  a.place(top);
  let loops = 0;
  while (a.insns < target) {
    const k = r.u32() % 100;
    if (k < 68) emitSimple(a, r);
    else if (k < 80) emitForwardBranch(a, r);
    else if (k < 86) emitJal(a, r);
    else if (k < 92) emitJalr(a, r);
    else if (loops < (hot ? 1 : 4)) { emitInnerLoop(a, r); loops++; }
  }
  a.fixed(4, enc.i(-1, OUTER, 0, OUTER, 0x13), `addi ${X(OUTER)},${X(OUTER)},-1`);
  a.emit(4, (pc, at) => ({ word: enc.b(at(top) - pc, 0, OUTER, 1), text: `bne ${X(OUTER)},x0,${hex(at(top))}` }));
  const end = a.newLabel();
  a.place(end);
  a.emit(4, (pc) => ({ word: enc.j(0, 0), text: `jal x0,${hex(pc)}` }));
  const { bytes, lines } = a.assemble();
  const endAddr = lines[lines.length - 1].addr;

  // where the code goes: usually page 0; a quarter of the programs start just before a page end,
  // so blocks meet the page boundary (and some 4-byte instruction straddles it)
  let codeOffset = r.chance(0.25) ? 0x1000 * r.int(1, 2) - 2 * r.int(1, Math.min(400, bytes.length >> 1)) : 2 * r.int(0, 64);
  if (codeOffset + bytes.length > CODE_OFFSET_MAX) codeOffset = 0;

  const regs: bigint[] = [];
  for (let i = 0; i < 32; i++) regs.push(i === 0 ? 0n : i === BASE ? BigInt(BASE_VALUE) : randValue(r));
  const data = new Uint8Array(CMP_LEN);
  for (let i = 0; i < CMP_LEN; i += 8) {
    const v = r.chance(0.3) ? r.pick(SPECIAL) : r.u64();
    for (let k = 0; k < 8; k++) data[i + k] = Number((v >> BigInt(8 * k)) & 0xffn);
  }
  return { seed, bytes, lines, codeOffset, endAddr, regs, data, insns: a.insns };
}

// ---- running -------------------------------------------------------------------------------------

interface Outcome {
  regs: bigint[];
  pc: number;
  data: Uint8Array;
  executed: number;
  compiled: number;
}

const STEP = 997; // odd-sized run() calls, so chunk edges fall at varying places
const CAP = 400_000;

function execute(p: Program, jit: boolean): Outcome {
  const as = new AddressSpace(RAM_SIZE);
  as.ram.set(p.bytes, p.codeOffset);
  as.ram.set(p.data, CMP_PA - RAM_BASE);
  const cache = BlockCache.for(as); // null: no block compiler for this address space
  if (jit && cache) cache.threshold = 2;
  const h = new Hart(as, 0, { jit });
  h.pc = RAM_BASE + p.codeOffset;
  for (let i = 1; i < 32; i++) h.setReg(i, p.regs[i]);
  const end = RAM_BASE + p.codeOffset + p.endAddr;
  let executed = 0;
  while (h.pc !== end && executed < CAP) executed += h.run(STEP);
  executed += h.run(5); // a few more turns of the final loop (also compiled by now)
  const regs: bigint[] = [];
  for (let i = 0; i < 32; i++) regs.push(h.getReg(i));
  return { regs, pc: h.pc, data: as.ram.slice(CMP_PA - RAM_BASE, CMP_PA - RAM_BASE + CMP_LEN), executed, compiled: cache?.compiled ?? 0 };
}

function listing(p: Program): string {
  const base = RAM_BASE + p.codeOffset;
  return p.lines.map((l) => `  ${(base + l.addr).toString(16)}: ${l.word.toString(16).padStart(l.size * 2, '0').padEnd(8)}  ${l.text.replace(/0x([0-9a-f]+)$/, (m, v: string) => /^(c\.j|jal|c\.b|b)/.test(l.text) ? hex(base + parseInt(v, 16)) : m)}`).join('\n');
}

function hexDump(bytes: Uint8Array, base: number): string {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    out.push(`  ${(base + i).toString(16)}: ${Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' ')}`);
  }
  return out.join('\n');
}

/** Differences between the two outcomes, empty if none. */
function compare(p: Program, c: Outcome, i: Outcome): string[] {
  const d: string[] = [];
  const h64 = (v: bigint): string => `0x${v.toString(16).padStart(16, '0')}`;
  for (let r = 0; r < 32; r++) {
    if (c.regs[r] !== i.regs[r]) d.push(`x${r}: compiled ${h64(c.regs[r])}, interpreted ${h64(i.regs[r])}`);
  }
  if (c.pc !== i.pc) d.push(`pc: compiled 0x${c.pc.toString(16)}, interpreted 0x${i.pc.toString(16)}`);
  let shown = 0;
  for (let k = 0; k < CMP_LEN; k++) {
    if (c.data[k] !== i.data[k]) {
      if (shown++ < 16) d.push(`mem 0x${(CMP_PA + k).toString(16)}: compiled 0x${c.data[k].toString(16)}, interpreted 0x${i.data[k].toString(16)}`);
    }
  }
  if (shown > 16) d.push(`... ${shown} differing bytes in all`);
  const end = RAM_BASE + p.codeOffset + p.endAddr;
  if (i.pc !== end) d.push(`the interpreted run did not reach the end (pc 0x${i.pc.toString(16)}, end 0x${end.toString(16)}): a trap or a generator bug`);
  if (c.pc !== end) d.push(`the compiled run did not reach the end (pc 0x${c.pc.toString(16)})`);
  return d;
}

// ---- the programs -------------------------------------------------------------------------------------

const GROUPS: { name: string; seed: number; count: number; hot: boolean }[] = [
  { name: 'mixed programs, seed 0x5eed0001', seed: 0x5eed0001, count: 70, hot: false },
  { name: 'mixed programs, seed 0x00c0ffee', seed: 0x00c0ffee, count: 70, hot: false },
  { name: 'mixed programs, seed 0x0badf00d', seed: 0x0badf00d, count: 70, hot: false },
  { name: 'short bodies looped 50 times, seed 0x1cedc0de', seed: 0x1cedc0de, count: 50, hot: true },
  { name: 'short bodies looped 50 times, seed 0x7e571e57', seed: 0x7e571e57, count: 40, hot: true },
];

/** Seed of program k of a group: the failure message names it; generate(seed, hot) rebuilds the program. */
const seedOf = (g: { seed: number }, k: number): number => (g.seed + Math.imul(k, 0x9e3779b9)) >>> 0;

const programs = GROUPS.map((g) => Array.from({ length: g.count }, (_, k) => generate(seedOf(g, k), g.hot)));

for (const [gi, g] of GROUPS.entries()) {
  t.test(g.name, async (t) => {
    let compiled = 0, executed = 0, insns = 0, failures = 0;
    for (const p of programs[gi]) {
      const c = execute(p, true);
      const i = execute(p, false);
      compiled += c.compiled;
      executed += i.executed;
      insns += p.insns;
      const diffs = compare(p, c, i);
      // the body runs at least twice, so at least its first block and the final loop get compiled
      if (c.compiled < 2) diffs.push(`the block compiler compiled ${c.compiled} blocks: this compares the interpreter with itself`);
      if (diffs.length > 0) {
        failures++;
        t.fail(`program seed 0x${p.seed.toString(16)} (${g.hot ? 'hot' : 'mixed'}) at 0x${(RAM_BASE + p.codeOffset).toString(16)}: compiled and interpreted runs differ`, {
          diagnostic: true,
          differences: diffs.join('\n'),
          initialRegisters: p.regs.map((v, r) => `x${r}=0x${v.toString(16)}`).join(' '),
          program: listing(p),
          hexDump: hexDump(p.bytes, RAM_BASE + p.codeOffset),
        });
        if (failures >= 5) break; // enough to go on
      }
    }
    if (failures === 0) t.pass(`${programs[gi].length} programs agree (${insns} instructions, ${executed} executed each way, ${compiled} blocks compiled)`);
    t.ok(compiled > programs[gi].length, 'the eager runs compiled blocks');
  });
}

const OBJDUMP = 'riscv64-unknown-elf-objdump';
const haveObjdump = ((): boolean => {
  try { execFileSync('sh', ['-c', `command -v ${OBJDUMP}`], { stdio: 'ignore' }); return true; } catch { return false; }
})();

t.test('the generated encodings disassemble as intended (GNU objdump)', { skip: haveObjdump ? false : `${OBJDUMP} is not installed (Debian package binutils-riscv64-unknown-elf)` }, async (t) => {
  // all programs back to back in one file; each line's expected text shifted by its program's place
  const all = programs.flat();
  const expected = new Map<number, string>();
  const parts: Uint8Array[] = [];
  let at = 0;
  const norm = (s: string): string => s
    .replace(/\s*<[^>]*>/, '') // symbol annotations
    .replace(/\s*#.*$/, '') // objdump's notes of computed values
    .replace(/\s+/g, ' ').trim()
    .replace(/(?<![\w.])(-?)(0x[0-9a-f]+|\d+)\b/g, (_m, sign: string, v: string) => String((sign ? -1 : 1) * Number(v)));
  for (const p of all) {
    for (const l of p.lines) {
      const text = l.text.replace(/(c\.j|jal x\d+,|c\.bnez x\d+,|c\.beqz x\d+,|b\w+ x\d+,x\d+,) ?0x([0-9a-f]+)$/, (_m, op: string, v: string) => `${op}${op.endsWith(',') ? '' : ' '}${hex(at + parseInt(v, 16))}`);
      expected.set(at + l.addr, norm(text));
    }
    parts.push(p.bytes);
    at += p.bytes.length;
  }
  const blob = new Uint8Array(at);
  let o = 0;
  for (const b of parts) { blob.set(b, o); o += b.length; }
  const dir = mkdtempSync(join(tmpdir(), 'jit-diff-'));
  try {
    const file = join(dir, 'programs.bin');
    writeFileSync(file, blob);
    const out = execFileSync(OBJDUMP, ['-D', '-b', 'binary', '-m', 'riscv:rv64', '-M', 'no-aliases,numeric', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    let seen = 0, bad = 0;
    for (const line of out.split('\n')) {
      const m = /^\s*([0-9a-f]+):\t([0-9a-f]+)\s*\t(.*)$/.exec(line);
      if (m === null) continue;
      const addr = parseInt(m[1], 16);
      const want = expected.get(addr);
      if (want === undefined) { if (bad++ < 10) t.fail(`objdump decoded an instruction at 0x${addr.toString(16)} that is not on an instruction boundary: ${line}`); continue; }
      seen++;
      const got = norm(m[3]);
      if (got !== want && bad++ < 10) t.fail(`at 0x${addr.toString(16)}: objdump says "${got}", the generator meant "${want}"`);
    }
    t.equal(seen, expected.size, 'every instruction was disassembled');
    t.equal(bad, 0, `${seen} instructions decode as intended`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
