/**
 * Warm-up: before the first guest instruction, run a short generated program on a scratch
 * machine that takes every path of the hart's interpreter once: each ALU, M, load, store,
 * branch, jump, compressed, atomic, CSR and system instruction, misaligned accesses, access
 * faults, illegal instructions and the trap handler, Sv39 paging in S-mode, and calls into
 * compiled blocks.
 *
 * Why: V8 optimizes the interpreter loop after a few milliseconds of guest code, for the paths
 * it has seen run. The first time the guest takes another path (a `lwu`, an `sraw`, a
 * misaligned store), the optimized code is thrown away and the loop runs unoptimized until V8
 * has optimized it again, on a background thread. A cold U-Boot boot went through fourteen of
 * these rounds, about half a second; after this warm-up, which costs 25-40 ms once per
 * process, V8 optimizes the loop once (bench/cpu/RESULTS.md).
 */
import { AddressSpace, RAM_BASE } from '../memory/address-space.ts';
import { Hart } from './hart.ts';
import { BlockCache } from './jit.ts';
import { CSR } from './csr-defs.ts';

let warmed = false;

/** Run the warm-up once per process (later calls return at once). */
export function warmUp(): void {
  if (warmed) return;
  warmed = true;
  runWarmUpProgram();
}

/**
 * Run the warm-up program on a scratch machine: once interpreted, once with blocks compiled
 * after two runs. Returns the two harts (the second is null without a block compiler).
 */
export function runWarmUpProgram(): { interpreted: Hart; compiled: Hart | null; blocks: number } {
  const as = new AddressSpace(RAM_BYTES);
  // a device, so device loads and stores take their paths too (the guest's UART polls, for one)
  as.map(DEVICE, 0x1000, { read: () => 0, write: () => {} }, 'warm-up');
  const { code, satp } = program();
  as.ram.set(code, 0);
  // register values the program loads (x5..x31), and its data: all kinds of 64-bit patterns
  const data = new DataView(as.ram.buffer, as.ram.byteOffset + DATA, 0x2000);
  const values = [0n, 1n, -1n, 0x7fffffffffffffffn, -0x8000000000000000n, 0xffffffffn, 0x80000000n, 5n, 40n, 33n, -7n, 0x123456789abcdef0n];
  for (let r = 0; r < 32; r++) data.setBigUint64(8 * r, BigInt.asUintN(64, values[r % values.length] * BigInt(r + 1)), true);
  data.setBigUint64(SATP_SLOT, satp, true);
  // Sv39 root table: one gigapage mapping the RAM's first GiB onto itself (V R W X A D)
  data.setBigUint64(PAGE_TABLE + 8 * 2, BigInt(((RAM_BASE / 4096) * 1024) | 0xcf), true);
  const interpreted = new Hart(as, 0, { jit: false });
  interpreted.reset(RAM_BASE);
  interpreted.run(STEPS);
  const cache = BlockCache.for(as);
  if (cache === null) return { interpreted, compiled: null, blocks: 0 };
  cache.threshold = 2;
  cache.synchronous = true;
  const compiled = new Hart(as, 1);
  compiled.reset(RAM_BASE);
  compiled.run(STEPS);
  return { interpreted, compiled, blocks: cache.compiled };
}

const RAM_BYTES = 64 * 1024;
/** Offset in RAM of the data area (x2 points there); the page table and the satp value are in it. */
const DATA = 0x8000;
const PAGE_TABLE = 0x1000;
const SATP_SLOT = 0x100;
const STEPS = 4000;
/** The scratch device's address. */
const DEVICE = 0x10000000;
/** A page boundary in the program. */
const STRADDLE = 0x1000;

// --- a small assembler: the instruction formats of the RISC-V unprivileged specification ----
const R = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const I = (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const S = (imm: number, rs2: number, rs1: number, f3: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | 0x23) >>> 0;
const B = (imm: number, rs2: number, rs1: number, f3: number): number =>
  ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
    (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;
const U = (imm20: number, rd: number, op: number): number => (((imm20 & 0xfffff) << 12) | (rd << 7) | op) >>> 0;
const J = (imm: number, rd: number): number =>
  ((((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) |
    (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0;
const CSRR = (f3: number, csr: number, rs1: number, rd: number): number => I(csr, rs1, f3, rd, 0x73);
const AMO = (f5: number, rs2: number, rs1: number, f3: number, rd: number): number => R(f5 << 2, rs2, rs1, f3, rd, 0x2f);

/** The warm-up program (loaded at RAM_BASE) and the satp value it switches to. */
function program(): { code: Uint8Array; satp: bigint } {
  const out: number[] = []; // halfwords
  const w = (insn: number): void => { out.push(insn & 0xffff, insn >>> 16); };
  const c = (half: number): void => { out.push(half); };
  const here = (): number => out.length * 2;

  w(J(20, 0)); // entry: jump over the trap handler
  // trap handler (mtvec = RAM_BASE + 4): skip the instruction that trapped
  w(CSRR(2, CSR.mepc, 0, 4)); w(I(4, 4, 0, 4, 0x13)); w(CSRR(1, CSR.mepc, 4, 0)); w(0x30200073); // mret
  // set-up: x1 = RAM_BASE, mtvec, PMP open to S-mode, x2 = data, x3 = loop count
  w(U(0, 1, 0x17)); w(I(-here() + 4, 1, 0, 1, 0x13));
  w(I(4, 1, 0, 5, 0x13)); w(CSRR(1, CSR.mtvec, 5, 0));
  w(I(-1, 0, 0, 5, 0x13)); w(CSRR(1, CSR.pmpaddr0, 5, 0));
  w(I(0x1f, 0, 0, 5, 0x13)); w(CSRR(1, CSR.pmpcfg0, 5, 0));
  w(U(DATA >>> 12, 2, 0x37)); w(R(0, 1, 2, 0, 2, 0x33));
  w(I(3, 0, 0, 3, 0x13));
  const loop = here();
  for (let r = 5; r < 32; r++) w(I(8 * r, 2, 3, r, 0x03)); // ld xr, 8r(x2)
  const rd = (k: number): number => 5 + (k % 27); // destinations: x5..x31
  let k = 0;
  // register-register ALU and M, 64- and 32-bit
  for (const f3 of [0, 1, 2, 3, 4, 5, 6, 7]) { w(R(0, rd(k + 3), rd(k + 1), f3, rd(k), 0x33)); w(R(1, rd(k + 2), rd(k + 4), f3, rd(k + 5), 0x33)); k += 2; }
  w(R(0x20, 6, 7, 0, 8, 0x33)); w(R(0x20, 9, 10, 5, 11, 0x33));
  for (const [f7, f3] of [[0, 0], [0, 1], [0, 5], [0x20, 0], [0x20, 5], [1, 0], [1, 4], [1, 5], [1, 6], [1, 7]]) { w(R(f7, rd(k + 2), rd(k + 1), f3, rd(k), 0x3b)); k++; }
  // shift amounts 0, under 32 and over 32, by register and immediate
  for (const sh of [0, 5, 40]) {
    w(I(sh, 0, 0, 6, 0x13));
    for (const [f7, f3] of [[0, 1], [0, 5], [0x20, 5]]) w(R(f7, 6, 7, f3, 8, 0x33));
    w(I(sh, 9, 1, 10, 0x13)); w(I(sh, 9, 5, 10, 0x13)); w(I(0x400 | sh, 9, 5, 10, 0x13));
  }
  for (const imm of [-1, 5, -2048, 2047]) for (const f3 of [0, 2, 3, 4, 6, 7]) { w(I(imm, rd(k + 1), f3, rd(k), 0x13)); k++; }
  // comparisons of values with equal high words (their low words decide)
  w(I(2, 0, 0, 6, 0x13));
  for (const f3 of [2, 3]) { w(R(0, 6, 3, f3, 8, 0x33)); w(I(2, 3, f3, 8, 0x13)); }
  w(I(-3, 11, 0, 12, 0x1b)); w(I(7, 11, 1, 12, 0x1b)); w(I(7, 11, 5, 12, 0x1b)); w(I(0x400 | 7, 11, 5, 12, 0x1b));
  w(U(0x12345, 13, 0x37)); w(U(0xfffff, 13, 0x37)); w(U(1, 14, 0x17));
  // loads and stores of every width, aligned and misaligned, at offsets with and without a
  // carry out of the low word (a negative offset from x2)
  w(I(0x100, 2, 0, 2, 0x13));
  for (const off of [16, 17, -0x200, -0x1ff]) {
    for (const f3 of [0, 1, 2, 3, 4, 5, 6]) w(I(0x200 + off, 2, f3, 15, 0x03));
    for (const f3 of [0, 1, 2, 3]) w(S(0x300 + off, 16, 2, f3));
  }
  w(I(-0x100, 2, 0, 2, 0x13));
  // device registers: every width (x25 = DEVICE)
  w(U(DEVICE >>> 12, 25, 0x37));
  for (const f3 of [0, 1, 2, 3, 4, 5, 6]) w(I(8, 25, f3, 15, 0x03));
  for (const f3 of [0, 1, 2, 3]) w(S(8, 16, 25, f3));
  // every branch, taken on some rounds and not on others (x3 counts 3, 2, 1)
  w(I(2, 0, 0, 6, 0x13));
  for (const f3 of [0, 1, 4, 5, 6, 7]) { w(B(8, 6, 3, f3)); w(I(1, 7, 0, 7, 0x13)); }
  // a 4-byte instruction that straddles two pages (at STRADDLE - 2), and back
  w(J(STRADDLE - 4 - here(), 7));
  // jumps: jal over one instruction; jalr to the instruction after it (rd = rs1 too)
  w(J(8, 7)); w(I(1, 7, 0, 7, 0x13));
  w(U(0, 7, 0x17)); w(I(12, 7, 0, 7, 0x13)); w(I(0, 7, 0, 8, 0x67));
  w(U(0, 7, 0x17)); w(I(12, 7, 0, 7, 0x13)); w(I(0, 7, 0, 7, 0x67));
  // compressed: c.addi, c.li, c.mv, c.add, c.slli, c.nop
  c(0x0421); c(0x54ed); c(0x8526); c(0x9522); c(0x0512); c(0x0001);
  // atomics on an aligned doubleword
  w(I(0x400, 2, 0, 17, 0x13));
  for (const f3 of [2, 3]) {
    w(AMO(2, 0, 17, f3, 18)); w(AMO(3, 19, 17, f3, 18)); w(AMO(3, 19, 17, f3, 18)); // lr, sc (succeeds, then fails)
    for (const f5 of [0x01, 0x00, 0x04, 0x0c, 0x08, 0x10, 0x14, 0x18, 0x1c]) w(AMO(f5, 19, 17, f3, 18));
  }
  // CSRs and counters; fences
  for (const f3 of [1, 2, 3]) w(CSRR(f3, CSR.mscratch, 20, 21));
  for (const f3 of [5, 6, 7]) w(CSRR(f3, CSR.mscratch, 9, 21));
  for (const csr of [CSR.mhartid, CSR.mstatus, CSR.misa, CSR.mip, CSR.mie, CSR.time, CSR.cycle, CSR.instret, CSR.mcycle, CSR.medeleg, CSR.pmpcfg0, CSR.pmpaddr0]) w(CSRR(2, csr, 0, 22));
  w(0x0ff0000f); w(0x0000100f); // fence, fence.i
  // traps: illegal (an FP instruction with FP off), load and store access faults, ecall, ebreak
  w(0x00000053); w(I(0, 0, 3, 23, 0x03)); w(S(0, 23, 0, 3)); w(0x00000073); w(0x00100073);
  // loop
  w(I(-1, 3, 0, 3, 0x13)); w(B(loop - here(), 0, 3, 1));
  // S-mode with Sv39 paging: satp, MPP = S, mepc = the code after mret
  w(I(SATP_SLOT, 2, 3, 5, 0x03)); w(CSRR(1, CSR.satp, 5, 0));
  w(I(3, 0, 0, 5, 0x13)); w(I(11, 5, 1, 5, 0x13)); w(CSRR(3, CSR.mstatus, 5, 0));
  w(I(1, 0, 0, 5, 0x13)); w(I(11, 5, 1, 5, 0x13)); w(CSRR(2, CSR.mstatus, 5, 0));
  w(U(0, 5, 0x17)); w(I(16, 5, 0, 5, 0x13)); w(CSRR(1, CSR.mepc, 5, 0)); w(0x30200073);
  // in S-mode: translated loads, stores and fetches, a page fault (to M and back), sfence.vma
  w(I(3, 0, 0, 3, 0x13));
  const sloop = here();
  w(I(0x200, 2, 3, 15, 0x03)); w(I(0x200, 2, 2, 15, 0x03)); w(I(0x201, 2, 4, 15, 0x03));
  w(S(0x300, 15, 2, 3)); w(S(0x300, 15, 2, 2)); w(S(0x301, 15, 2, 0));
  w(I(0x201, 2, 2, 15, 0x03)); w(I(0x201, 2, 3, 15, 0x03)); w(S(0x301, 15, 2, 2)); w(S(0x301, 15, 2, 3));
  w(I(0x100, 2, 0, 26, 0x13));
  for (const f3 of [0, 2, 3]) { w(I(-0x100, 26, f3, 15, 0x03)); w(S(-0xff, 15, 26, f3)); }
  w(I(0, 0, 3, 23, 0x03));
  w(CSRR(2, CSR.sstatus, 0, 22)); w(CSRR(1, CSR.sscratch, 9, 21));
  w(R(0x09, 0, 0, 0, 0, 0x73)); // sfence.vma
  w(I(-1, 3, 0, 3, 0x13)); w(B(sloop - here(), 0, 3, 1));
  w(J(0, 0)); // done: spin here
  while (here() < STRADDLE - 4) c(0x0001);
  c(0x0001); w(I(1, 24, 0, 24, 0x13)); w(I(0, 7, 0, 0, 0x67)); // c.nop; addi x24 (across the page end); jr x7
  const code = new Uint8Array(new Uint16Array(out).buffer);
  const satp = (8n << 60n) | BigInt((RAM_BASE + DATA + PAGE_TABLE) / 4096);
  return { code, satp };
}
