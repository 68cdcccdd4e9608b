/**
 * Block compiler: a run of instructions that is executed often (a loop body) is turned into
 * one JavaScript function, so V8 compiles the guest code itself instead of running it
 * through the interpreter's dispatch. Blocks live in one physical page, end at the first
 * jump (a conditional branch is a side exit: the block continues on its fall-through path),
 * and contain only instructions whose effects are registers and memory
 * (ALU, M, loads, stores, branches, jumps); CSR/system/atomic/FP instructions stay in the
 * interpreter. Addresses in a block are relative to the virtual pc it is entered at (the same
 * physical page may be mapped twice).
 *
 * A block is `(h, x) => delta`: it reads its entry pc from h.pc, stores the number of
 * instructions it executed in h.blockDone, and returns the distance to the next pc, a small integer (an absolute pc as a return value or argument would be a boxed
 * double: an allocation per block run). An indirect jump (JALR) stores its target in h.pc and
 * returns FAR. Before each instruction that can trap the block stores that instruction's pc in
 * h.pc, so a trap leaves the hart exactly as the interpreter would.
 */
import type { AddressSpace } from '../memory/address-space.ts';
import { RVC_TABLE, RVC_UNSEEN, rvcFill } from './rvc.ts';
import { muldiv64, muldiv32, out as mdOut } from './muldiv.ts';

export type BlockFn = ((h: unknown, x: Int32Array) => number) & { n: number };

/** Returned by a block whose next pc is already in h.pc (indirect jumps). */
export const FAR = -0x80000000;

const MAX_INSNS = 48;
const U32 = 4294967296;

/** Upper 32 bits (signed) of the 64-bit value of a small double. */
const hiOf = (v: number): number => Math.floor(v / U32) | 0;

/**
 * Compile the block starting at byte `off` of a RAM page whose first halfword is at
 * ram16[base16]. Returns null if the first instruction cannot start a block.
 */
export function compileBlock(ram16: Uint16Array, base16: number, off: number): BlockFn | null {
  const lines: string[] = [];
  let d = 0; // byte offset from the block start
  let n = 0;
  let ended = false;
  while (n < MAX_INSNS && !ended) {
    const o = off + d;
    if (o >= 4096) break;
    let raw = ram16[base16 + (o >>> 1)];
    let ilen = 2;
    let insn: number;
    if ((raw & 3) === 3) {
      if (o >= 4094) break; // straddles the page end: leave it to the interpreter
      raw |= ram16[base16 + (o >>> 1) + 1] << 16;
      insn = raw;
      ilen = 4;
    } else {
      insn = RVC_TABLE[raw & 0xffff];
      if (insn === RVC_UNSEEN) insn = rvcFill(raw & 0xffff);
      if (insn === 0) break;
    }
    const g = gen(insn, d, ilen, n + 1);
    if (g === null) break;
    lines.push(g.code);
    ended = g.ends;
    d += ilen;
    n++;
  }
  if (n === 0) return null;
  if (!ended) lines.push(`h.blockDone = ${n}; return ${d};`);
  const src = `return function block(h, x) {\nconst pc0 = h.pc;\n${lines.join('\n')}\n};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const fn = new Function('md64', 'md32', 'mdOut', src)(muldiv64, muldiv32, mdOut) as BlockFn;
  fn.n = n;
  return fn;
}

interface Gen { code: string; ends: boolean }

/** Code that adds a sign-extended 12-bit immediate to register pair r: defines lo, hi. */
function addrCode(rs1: number, imm: number): string {
  return `const a = x[${rs1}], lo = (a + ${imm}) | 0, hi = (x[${rs1 + 1}] + ${imm >> 31} + ((a >>> 0) + ${imm >>> 0} > 4294967295 ? 1 : 0)) | 0;`;
}

function setConst(rd: number, v: number): string {
  if (rd === 0) return '';
  return `x[${rd}] = ${v | 0}; x[${rd + 1}] = ${hiOf(v)};`;
}

function gen(insn: number, d: number, ilen: number, count: number): Gen | null {
  const rd = (insn >> 6) & 62, rs1 = (insn >> 14) & 62, rs2 = (insn >> 19) & 62;
  const f3 = (insn >>> 12) & 7, f7 = insn >>> 25;
  const next = d + ilen;
  const w = (body: string): Gen => ({ code: rd === 0 ? '' : `{ ${body} }`, ends: false });
  const sext32 = (expr: string): Gen => w(`const v = ${expr}; x[${rd}] = v; x[${rd + 1}] = v >> 31;`);
  switch (insn & 0x7f) {
    case 0x37: return { code: setConst(rd, insn & 0xfffff000), ends: false };
    case 0x17: { // auipc: relative to pc0
      const imm = insn & 0xfffff000;
      return { code: rd === 0 ? '' : `{ const v = pc0 + ${d + imm}; x[${rd}] = v | 0; x[${rd + 1}] = Math.floor(v / 4294967296) | 0; }`, ends: false };
    }
    case 0x6f: {
      const imm = ((insn >> 31) << 20) | (((insn >>> 21) & 0x3ff) << 1) | (((insn >>> 20) & 1) << 11) | (insn & 0xff000);
      const link = rd === 0 ? '' : `{ const l = pc0 + ${next}; x[${rd}] = l | 0; x[${rd + 1}] = Math.floor(l / 4294967296) | 0; }`;
      return { code: `${link} h.blockDone = ${count}; return ${d + imm};`, ends: true };
    }
    case 0x67: {
      if (f3 !== 0) return null;
      const imm = insn >> 20;
      const link = rd === 0 ? '' : `const l = pc0 + ${next}; x[${rd}] = l | 0; x[${rd + 1}] = Math.floor(l / 4294967296) | 0;`;
      return { code: `{ const t = x[${rs1 + 1}] * 4294967296 + (x[${rs1}] >>> 0) + ${imm}; ${link} h.pc = t - (t & 1 ? 1 : 0); h.blockDone = ${count}; return ${FAR}; }`, ends: true };
    }
    case 0x63: {
      const imm = ((insn >> 31) << 12) | (((insn >>> 25) & 0x3f) << 5) | (((insn >>> 8) & 0xf) << 1) | (((insn >>> 7) & 1) << 11);
      const al = `x[${rs1}]`, ah = `x[${rs1 + 1}]`, bl = `x[${rs2}]`, bh = `x[${rs2 + 1}]`;
      let cond: string;
      switch (f3) {
        case 0: cond = `${al} === ${bl} && ${ah} === ${bh}`; break;
        case 1: cond = `${al} !== ${bl} || ${ah} !== ${bh}`; break;
        case 4: cond = `${ah} < ${bh} || (${ah} === ${bh} && (${al} >>> 0) < (${bl} >>> 0))`; break;
        case 5: cond = `${ah} > ${bh} || (${ah} === ${bh} && (${al} >>> 0) >= (${bl} >>> 0))`; break;
        case 6: cond = `(${ah} >>> 0) < (${bh} >>> 0) || (${ah} === ${bh} && (${al} >>> 0) < (${bl} >>> 0))`; break;
        case 7: cond = `(${ah} >>> 0) > (${bh} >>> 0) || (${ah} === ${bh} && (${al} >>> 0) >= (${bl} >>> 0))`; break;
        default: return null;
      }
      // a side exit: the block goes on along the fall-through path (blocks span branches, so
      // a loop body with an if in it is one call, not several)
      return { code: `if (${cond}) { h.blockDone = ${count}; return ${d + imm}; }`, ends: false };
    }
    case 0x03: {
      const imm = insn >> 20;
      let load: string;
      switch (f3) {
        case 0: load = `const v = (h.load8(lo, hi) << 24) >> 24; ${rd ? `x[${rd}] = v; x[${rd + 1}] = v >> 31;` : ''}`; break;
        case 1: load = `const v = (h.load16(lo, hi) << 16) >> 16; ${rd ? `x[${rd}] = v; x[${rd + 1}] = v >> 31;` : ''}`; break;
        case 2: load = `const v = h.load32(lo, hi); ${rd ? `x[${rd}] = v; x[${rd + 1}] = v >> 31;` : ''}`; break;
        case 3: load = `const v = h.load64(lo, hi); ${rd ? `x[${rd}] = v; x[${rd + 1}] = h.ldHi;` : ''}`; break;
        case 4: load = `const v = h.load8(lo, hi); ${rd ? `x[${rd}] = v; x[${rd + 1}] = 0;` : ''}`; break;
        case 5: load = `const v = h.load16(lo, hi); ${rd ? `x[${rd}] = v; x[${rd + 1}] = 0;` : ''}`; break;
        case 6: load = `const v = h.load32(lo, hi); ${rd ? `x[${rd}] = v; x[${rd + 1}] = 0;` : ''}`; break;
        default: return null;
      }
      return { code: `h.pc = pc0 + ${d}; { ${addrCode(rs1, imm)} ${load} }`, ends: false };
    }
    case 0x23: {
      const imm = ((insn >> 25) << 5) | ((insn >>> 7) & 0x1f);
      let store: string;
      switch (f3) {
        case 0: store = `h.store8(lo, hi, x[${rs2}]);`; break;
        case 1: store = `h.store16(lo, hi, x[${rs2}]);`; break;
        case 2: store = `h.store32(lo, hi, x[${rs2}]);`; break;
        case 3: store = `h.store64(lo, hi, x[${rs2}], x[${rs2 + 1}]);`; break;
        default: return null;
      }
      // a device register was written: leave the block so a raised interrupt is taken now
      return { code: `h.pc = pc0 + ${d}; { ${addrCode(rs1, imm)} ${store} } if (h.deviceWritten) { h.blockDone = ${count}; return ${next}; }`, ends: false };
    }
    case 0x13: {
      const imm = insn >> 20;
      const A = `x[${rs1}]`, AH = `x[${rs1 + 1}]`;
      switch (f3) {
        case 0:
          if (rs1 === 0) return { code: setConst(rd, imm), ends: false };
          return w(`const a = ${A}; x[${rd}] = a + ${imm}; x[${rd + 1}] = ${AH} + ${imm >> 31} + ((a >>> 0) + ${imm >>> 0} > 4294967295 ? 1 : 0);`);
        case 1: {
          if ((insn >>> 26) !== 0) return null;
          const sh = imm & 63;
          if (sh === 0) return w(`x[${rd + 1}] = ${AH}; x[${rd}] = ${A};`);
          if (sh < 32) return w(`const l = ${A}, hh = ${AH}; x[${rd + 1}] = (hh << ${sh}) | (l >>> ${32 - sh}); x[${rd}] = l << ${sh};`);
          return w(`x[${rd + 1}] = ${A} << ${sh - 32}; x[${rd}] = 0;`);
        }
        case 2: return w(`const hh = ${AH}; x[${rd}] = hh < ${imm >> 31} || (hh === ${imm >> 31} && (${A} >>> 0) < ${imm >>> 0}) ? 1 : 0; x[${rd + 1}] = 0;`);
        case 3: return w(`const hh = ${AH}; x[${rd}] = (hh >>> 0) < ${(imm >> 31) >>> 0} || (hh === ${imm >> 31} && (${A} >>> 0) < ${imm >>> 0}) ? 1 : 0; x[${rd + 1}] = 0;`);
        case 4: return w(`x[${rd + 1}] = ${AH} ^ ${imm >> 31}; x[${rd}] = ${A} ^ ${imm};`);
        case 6: return w(`x[${rd + 1}] = ${AH} | ${imm >> 31}; x[${rd}] = ${A} | ${imm};`);
        case 7: return w(`x[${rd + 1}] = ${AH} & ${imm >> 31}; x[${rd}] = ${A} & ${imm};`);
        default: {
          const sh = imm & 63, f6 = insn >>> 26;
          if (f6 !== 0 && f6 !== 0x10) return null;
          const arith = f6 === 0x10;
          if (sh === 0) return w(`x[${rd}] = ${A}; x[${rd + 1}] = ${AH};`);
          if (sh < 32) return w(`const l = ${A}, hh = ${AH}; x[${rd}] = (l >>> ${sh}) | (hh << ${32 - sh}); x[${rd + 1}] = hh ${arith ? '>>' : '>>>'} ${sh};`);
          return w(`const hh = ${AH}; x[${rd}] = hh ${arith ? '>>' : '>>>'} ${sh - 32}; x[${rd + 1}] = ${arith ? 'hh >> 31' : '0'};`);
        }
      }
    }
    case 0x1b: {
      const imm = insn >> 20;
      if (f3 === 0) return sext32(`(x[${rs1}] + ${imm}) | 0`);
      if (f3 === 1 && f7 === 0) return sext32(`x[${rs1}] << ${imm & 31}`);
      if (f3 === 5 && f7 === 0) return sext32(`(x[${rs1}] >>> ${imm & 31}) | 0`);
      if (f3 === 5 && f7 === 0x20) return sext32(`x[${rs1}] >> ${imm & 31}`);
      return null;
    }
    case 0x33: {
      const A = `x[${rs1}]`, AH = `x[${rs1 + 1}]`, B = `x[${rs2}]`, BH = `x[${rs2 + 1}]`;
      if (f7 === 1) return w(`const l = md64(${f3}, ${A}, ${AH}, ${B}, ${BH}); x[${rd}] = l; x[${rd + 1}] = mdOut.hi;`);
      if (f7 === 0x20) {
        if (f3 === 0) return w(`const a = ${A}, b = ${B}; x[${rd + 1}] = ${AH} - ${BH} - ((a >>> 0) < (b >>> 0) ? 1 : 0); x[${rd}] = a - b;`);
        if (f3 === 5) return w(`const l = ${A}, hh = ${AH}, s = ${B} & 63; if (s === 0) { x[${rd}] = l; x[${rd + 1}] = hh; } else if (s < 32) { x[${rd}] = (l >>> s) | (hh << (32 - s)); x[${rd + 1}] = hh >> s; } else { x[${rd}] = hh >> (s - 32); x[${rd + 1}] = hh >> 31; }`);
        return null;
      }
      if (f7 !== 0) return null;
      switch (f3) {
        case 0: return w(`const a = ${A}, b = ${B}; x[${rd + 1}] = ${AH} + ${BH} + ((a >>> 0) + (b >>> 0) > 4294967295 ? 1 : 0); x[${rd}] = a + b;`);
        case 1: return w(`const l = ${A}, hh = ${AH}, s = ${B} & 63; if (s === 0) { x[${rd}] = l; x[${rd + 1}] = hh; } else if (s < 32) { x[${rd + 1}] = (hh << s) | (l >>> (32 - s)); x[${rd}] = l << s; } else { x[${rd + 1}] = l << (s - 32); x[${rd}] = 0; }`);
        case 2: return w(`const ah = ${AH}, bh = ${BH}; x[${rd}] = ah < bh || (ah === bh && (${A} >>> 0) < (${B} >>> 0)) ? 1 : 0; x[${rd + 1}] = 0;`);
        case 3: return w(`const ah = ${AH} >>> 0, bh = ${BH} >>> 0; x[${rd}] = ah < bh || (ah === bh && (${A} >>> 0) < (${B} >>> 0)) ? 1 : 0; x[${rd + 1}] = 0;`);
        case 4: return w(`x[${rd}] = ${A} ^ ${B}; x[${rd + 1}] = ${AH} ^ ${BH};`);
        case 5: return w(`const l = ${A}, hh = ${AH}, s = ${B} & 63; if (s === 0) { x[${rd}] = l; x[${rd + 1}] = hh; } else if (s < 32) { x[${rd}] = (l >>> s) | (hh << (32 - s)); x[${rd + 1}] = hh >>> s; } else { x[${rd}] = hh >>> (s - 32); x[${rd + 1}] = 0; }`);
        case 6: return w(`x[${rd}] = ${A} | ${B}; x[${rd + 1}] = ${AH} | ${BH};`);
        default: return w(`x[${rd}] = ${A} & ${B}; x[${rd + 1}] = ${AH} & ${BH};`);
      }
    }
    case 0x3b: {
      const A = `x[${rs1}]`, B = `x[${rs2}]`;
      if (f7 === 0) {
        if (f3 === 0) return sext32(`(${A} + ${B}) | 0`);
        if (f3 === 1) return sext32(`${A} << (${B} & 31)`);
        if (f3 === 5) return sext32(`(${A} >>> (${B} & 31)) | 0`);
        return null;
      }
      if (f7 === 0x20) {
        if (f3 === 0) return sext32(`(${A} - ${B}) | 0`);
        if (f3 === 5) return sext32(`${A} >> (${B} & 31)`);
        return null;
      }
      if (f7 === 1 && (f3 === 0 || f3 >= 4)) return sext32(`md32(${f3}, ${A}, ${B})`);
      return null;
    }
    default:
      return null; // fence, system, atomics, FP, illegal: interpreter
  }
}

/**
 * Executions of an instruction address before its block is compiled. Compiling costs about a
 * millisecond and a new block first runs in V8's bytecode interpreter, so only code that keeps
 * running pays off: with 1000, a U-Boot boot compiles ~400 blocks and costs the same as
 * interpreting, while loops get V8-compiled (bench/cpu/RESULTS.md).
 */
export const HOT = 1000;

/**
 * Compiled blocks of one address space, per 4 KiB RAM page, shared by its harts. A store into
 * the byte range a page's blocks were compiled from drops that page's blocks; a page dropped
 * too often (code and busy data sharing it) is left to the interpreter.
 */
export class BlockCache {
  private readonly blocks: (BlockFn | undefined)[][];
  private readonly hot: Uint16Array[];
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  private readonly kills: Uint8Array;
  private readonly codeMap: Uint8Array;
  /** Executions before compiling (tests lower it to exercise the compiler on short guests). */
  threshold = HOT;
  /** Blocks compiled so far. */
  compiled = 0;
  static for(as: AddressSpace): BlockCache {
    let c = caches.get(as);
    if (!c) { c = new BlockCache(as); caches.set(as, c); }
    return c;
  }

  private constructor(private readonly as: AddressSpace) {
    const pages = as.ramSize >>> 12;
    this.blocks = new Array(pages);
    this.hot = new Array(pages);
    this.lo = new Int32Array(pages).fill(4096);
    this.hi = new Int32Array(pages);
    this.kills = new Uint8Array(pages);
    this.codeMap = as.codeMap;
    as.onCodeWrite = (off, len) => this.written(off, len);
  }

  /** Block table of the RAM page at byte offset `off` (creating it). */
  blocksOf(off: number): (BlockFn | undefined)[] {
    const p = off >>> 12;
    return this.blocks[p] ??= new Array<BlockFn | undefined>(2048);
  }
  hotOf(off: number): Uint16Array {
    const p = off >>> 12;
    return this.hot[p] ??= new Uint16Array(2048);
  }

  /** Compile the block at RAM offset `off`; returns it, or null if nothing compilable starts there. */
  compile(off: number): BlockFn | null {
    const p = off >>> 12;
    if (this.kills[p] > 8) return null;
    const page = off - (off & 0xfff);
    const b = compileBlock(this.as.ram16, page >>> 1, off & 0xfff);
    this.compiled++;
    if (b === null) return null;
    this.blocksOf(off)[(off & 0xfff) >>> 1] = b;
    const start = off & 0xfff;
    if (start < this.lo[p]) this.lo[p] = start;
    const end = Math.min(4096, start + 4 * b.n); // upper bound of the bytes it was read from
    if (end > this.hi[p]) this.hi[p] = end;
    this.codeMap[p] = 1;
    return b;
  }

  private written(off: number, len: number): void {
    const last = Math.min((off + len - 1) >>> 12, this.codeMap.length - 1);
    for (let p = off >>> 12; p <= last; p++) {
      if (!this.codeMap[p]) continue;
      const base = p << 12;
      const o = Math.max(off, base) - base, e = Math.min(off + len, base + 4096) - base;
      if (e > this.lo[p] && o < this.hi[p]) this.drop(p);
    }
  }

  private drop(p: number): void {
    this.blocks[p]?.fill(undefined);
    this.hot[p]?.fill(0);
    this.lo[p] = 4096; this.hi[p] = 0;
    this.codeMap[p] = 0;
    if (this.kills[p] < 255) this.kills[p]++;
  }

  /** Forget everything (machine reset). */
  clear(): void {
    for (let p = 0; p < this.codeMap.length; p++) if (this.codeMap[p]) this.drop(p);
    this.kills.fill(0);
  }
}

const caches = new WeakMap<AddressSpace, BlockCache>();
