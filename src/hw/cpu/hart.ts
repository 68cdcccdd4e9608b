/**
 * One RV64IMAC(+Zicsr, Zifencei) hart with M/S/U modes, Sv39/Sv48 paging, PMP and traps.
 *
 * Representation (chosen by bench/cpu-regs, see RESULTS.md there): integer registers live in
 * one Int32Array of 64 entries, register r at [2r] (low word) and [2r+1] (high word). 64-bit
 * arithmetic is done on the halves with explicit carries; BigInt is used only by the rare
 * wide MULH/DIV paths. The pc is a JS number holding the signed 64-bit value: every legal
 * Sv39/Sv48 address is within ±2^47, so it is exact where it matters and `pc += 4` stays cheap.
 *
 * Instruction fetch reads RAM directly through a cached (virtual page → RAM offset) pair;
 * compressed instructions are expanded through a 64K-entry table (rvc.ts), so the execute
 * switch handles one encoding. Exceptions unwind with a preallocated sentinel (TRAP) thrown
 * from the memory/CSR helpers and caught once per execution chunk.
 */
import { AddressSpace, BusError, RAM_BASE } from '../memory/address-space.ts';
import { ST_X, ST_XLATE_D, ST_PC, ST_RUN_DONE, ST_TLB_TAG, ST_TLB_PA, TLB_SIZE, ACC_FETCH, ACC_LOAD, ACC_STORE, ST_JC_TAG, ST_JC_SLOT, JC_SIZE, jumpSlot } from './hart-state.ts';
import { RVC_TABLE, RVC_UNSEEN, rvcFill } from './rvc.ts';
import { BlockCache } from './jit.ts';
import { Pmp, PMP_ENTRIES, PMP_ALLOW, PMP_DENY } from './pmp.ts';

const NO_BLOCKS = new Int32Array(2048);
import { muldiv64, muldiv32, out as mdOut } from './muldiv.ts';
import {
  CSR, EXC, PRV_M, PRV_S, PRV_U,
  MS_SIE, MS_MIE, MS_SPIE, MS_MPIE, MS_SPP, MS_MPP, MS_MPP_SHIFT, MS_FS, MS_XS, MS_MPRV, MS_SUM, MS_MXR,
  MS_TVM, MS_TW, MS_TSR, MSTATUS_WMASK, SSTATUS_MASK, MIP_WMASK, S_INTS, M_INTS, MEDELEG_MASK,
  MIP_SSIP,
} from './csr-defs.ts';

const TRAP = { trap: true } as const;
export type TrapSentinel = typeof TRAP;

const TWO32 = 4294967296;

// slots of 64-bit CSRs in Hart.c (lo at 2*slot, hi at 2*slot+1)
const C_MTVEC = 0, C_STVEC = 1, C_MEPC = 2, C_SEPC = 3, C_MTVAL = 4, C_STVAL = 5, C_MSCRATCH = 6,
  C_SSCRATCH = 7, C_SATP = 8, C_MCAUSE = 9, C_SCAUSE = 10;

/** Number of MHPM counters OpenSBI will find (QEMU reports 16: mhpmcounter3..18). */
const NUM_HPM = 16;

/**
 * Initial value of fields that may hold numbers outside V8's small-integer range (±2^30:
 * addresses, 32-bit halves, counters). -0 is not a small integer, so the field is created with
 * V8's double representation; a field that starts as a small integer and later receives a large
 * value changes the object's hidden class, which throws away every optimized function that uses
 * a hart (a cold boot went through ~10 such deoptimizations).
 */
const WIDE = -0;

const MISA_LO = (1 << 0) | (1 << 2) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20); // A C I M S U
const MISA_HI = 2 << 30; // MXL = 64

export class Hart {
  /** Integer registers as (lo, hi) int32 pairs (in guest memory: compiled blocks use them too). */
  readonly x: Int32Array;
  pc = WIDE;
  priv = PRV_M;
  readonly hartId: number;
  readonly bus: AddressSpace;

  // --- CSR state -------------------------------------------------------------------------
  mstatus = 0;
  medeleg = 0;
  mideleg = 0;
  mie = 0;
  /** mip bits written by software (SSIP, STIP, SEIP). */
  mipSw = 0;
  /** mip bits driven by interrupt lines (CLINT, PLIC): MSIP, MTIP, MEIP, SEIP. */
  mipHw = 0;
  mcounteren = WIDE;
  scounteren = WIDE;
  menvcfg = 0;
  senvcfg = 0;
  mcountinhibit = 0;
  fcsr = 0;
  readonly c = new Int32Array(32);
  /** Physical memory protection, checked when a TLB entry is filled (pmp.ts). */
  readonly pmp = new Pmp();
  readonly hpmcounter = new Float64Array(NUM_HPM);
  readonly hpmevent = new Float64Array(NUM_HPM);
  /** Instructions retired (also used for cycle). */
  instret = WIDE;
  private cycleOffset = WIDE;
  private instretOffset = WIDE;
  private chunkExec = 0;

  /** Supplies the current mtime (10 MHz ticks) for the `time` CSR. */
  timeSource: () => number = () => 0;

  /** Set by WFI when nothing is pending; cleared when an enabled-in-mie interrupt is pending. */
  wfi = false;
  /** Requests the current chunk loop to return soon (pause, poweroff). */
  stopRequested = false;

  // LR/SC: QEMU-like semantics (reservation address + value compared at SC time)
  private resValid = false;
  private resPa = WIDE;
  private resLo = WIDE;
  private resHi = WIDE;

  // trap being raised
  private tCause = 0;
  private tLo = WIDE;
  private tHi = WIDE;

  // address translation state
  private xlateI = false;
  private xlateD = false;
  /** Paging applies to fetches / data accesses (xlateI/D are also set for PMP alone). */
  private pagingI = false;
  private pagingD = false;
  private effPrivD = PRV_M;
  private readonly tlbTag: Float64Array;
  private readonly tlbPa: Float64Array;
  /** The hart's state block as words (ST_DONE, ST_XLATE_D, ...) and doubles (ST_PC), see hart-state.ts. */
  private readonly st32: Int32Array;
  private readonly stF64: Float64Array;
  /** The jump cache (hart-state.ts): tags and slots. */
  private readonly jcTag: Float64Array;
  private readonly jcSlot: Int32Array;
  /** Byte offset of the state block in guest memory (the compiled blocks' handle on this hart). */
  readonly stateBase: number;
  private tlbUsed = false;
  /** Fetch page cache: virtual page start and RAM byte offset of that page. */
  private fvp = NaN;
  /** Set by a fetch PMP checked on its own (its page is cut by an entry edge): not cached in fvp. */
  private fetchUncached = false;
  private fbase = WIDE;
  /** Set by stores that reach the bus (not plain RAM): the exec loop then ends its chunk. */
  deviceWritten = false;
  /** Block compiler (null: interpret only, e.g. for tests of the interpreter itself). */
  jit: BlockCache | null;
  private inBlock = false;
  /** Compiled blocks and hotness counters of the current fetch page (empty for non-RAM). */
  private fblk: Int32Array = NO_BLOCKS;
  private fhot: Uint16Array = new Uint16Array(2048);
  /** High word of the last 64-bit load (read by compiled blocks too). */
  ldHi = WIDE;

  private readonly ram8: Uint8Array;
  private readonly ram16: Uint16Array;
  private readonly ram32: Int32Array;
  private readonly ramSize: number;
  private readonly codeMap: Uint8Array;

  constructor(bus: AddressSpace, hartId = 0, opts: { jit?: boolean } = {}) {
    this.bus = bus;
    // EMU_JIT=off runs the interpreter alone (to tell a compiler bug from a guest bug).
    this.jit = opts.jit === false || process.env.EMU_JIT === 'off' ? null : BlockCache.for(bus);
    this.hartId = hartId;
    const sb = this.stateBase = bus.hartState(hartId), buf = bus.buffer;
    this.x = new Int32Array(buf, sb + ST_X, 64);
    this.st32 = new Int32Array(buf, sb, ST_TLB_TAG >>> 2);
    this.stF64 = new Float64Array(buf, sb + ST_PC, 1);
    this.jcTag = new Float64Array(buf, sb + ST_JC_TAG, JC_SIZE).fill(NaN);
    this.jcSlot = new Int32Array(buf, sb + ST_JC_SLOT, JC_SIZE);
    this.tlbTag = new Float64Array(buf, sb + ST_TLB_TAG, 3 * TLB_SIZE).fill(NaN);
    this.tlbPa = new Float64Array(buf, sb + ST_TLB_PA, 3 * TLB_SIZE);
    this.jit?.attach(this);
    this.ram8 = bus.ram;
    this.ram16 = bus.ram16;
    this.ram32 = bus.ram32;
    this.ramSize = bus.ramSize;
    this.codeMap = bus.codeMap;
    this.reset(0x1000);
  }

  reset(pc: number): void {
    this.x.fill(0);
    this.pc = pc;
    this.priv = PRV_M;
    this.mstatus = 0;
    this.medeleg = this.mideleg = this.mie = this.mipSw = 0;
    this.mcounteren = this.scounteren = this.menvcfg = this.senvcfg = this.mcountinhibit = this.fcsr = 0;
    this.c.fill(0);
    this.pmp.reset();
    this.hpmcounter.fill(0);
    this.hpmevent.fill(0);
    this.instret = this.cycleOffset = this.instretOffset = 0;
    this.wfi = false;
    this.resValid = false;
    this.updateXlate();
  }

  // --- registers as numbers (for loaders, tests and debugging) ------------------------------
  getReg(r: number): bigint {
    return BigInt.asUintN(64, (BigInt(this.x[2 * r + 1]) << 32n) | BigInt(this.x[2 * r] >>> 0));
  }
  setReg(r: number, v: bigint | number): void {
    if (r === 0) return;
    const b = BigInt.asUintN(64, BigInt(v));
    this.x[2 * r] = Number(b & 0xffffffffn) | 0;
    this.x[2 * r + 1] = Number(b >> 32n) | 0;
  }
  getPc(): bigint { return BigInt.asUintN(64, BigInt(this.pc)); }

  // --- interrupts -----------------------------------------------------------------------
  /** Drive an interrupt line into mip (bit = 3 MSIP, 7 MTIP, 11 MEIP, 9 SEIP). */
  setIrq(bit: number, level: boolean): void {
    if (level) {
      if (!(this.mipHw & (1 << bit))) { this.mipHw |= 1 << bit; this.onIrqRaised?.(); }
    } else this.mipHw &= ~(1 << bit);
  }
  /** Called when an interrupt line rises (the run loop uses it to wake a sleeping hart). */
  onIrqRaised: (() => void) | null = null;
  get mip(): number { return this.mipSw | this.mipHw; }

  /** True if WFI should end (some interrupt pending and enabled in mie, regardless of MIE/SIE). */
  wakeable(): boolean { return ((this.mipSw | this.mipHw) & this.mie) !== 0; }

  /** The interrupt that would be taken now, or -1. */
  pendingInterrupt(): number {
    const pend = (this.mipSw | this.mipHw) & this.mie;
    if (pend === 0) return -1;
    const priv = this.priv;
    const m = pend & ~this.mideleg;
    if (m !== 0 && (priv < PRV_M || (this.mstatus & MS_MIE) !== 0)) return pickIrq(m);
    const s = pend & this.mideleg;
    if (s !== 0 && (priv < PRV_S || (priv === PRV_S && (this.mstatus & MS_SIE) !== 0))) return pickIrq(s);
    return -1;
  }

  /** Take a pending enabled interrupt, if any. Returns true if a trap was entered. */
  checkInterrupts(): boolean {
    const irq = this.pendingInterrupt();
    if (irq < 0) return false;
    this.enterTrap(irq, true, 0, 0);
    return true;
  }

  // --- execution ------------------------------------------------------------------------
  /**
   * Run up to `budget` instructions, taking interrupts between chunks. Returns the number
   * executed. Stops early on WFI (this.wfi) or stopRequested.
   */
  run(budget: number): number {
    let done = 0;
    while (done < budget) {
      if (this.wfi) {
        if (!this.wakeable()) break;
        this.wfi = false;
      }
      this.checkInterrupts();
      const n = budget - done < 4096 ? budget - done : 4096;
      done += this.exec(n);
      // blocks that became hot in this chunk: one module, compiled while the next chunks run
      if (this.jit !== null && this.jit.queued !== 0) this.jit.flush();
      if (this.stopRequested) break;
    }
    return done;
  }

  /** The interpreter loop: executes up to n instructions. */
  exec(n: number): number {
    const x = this.x, r16 = this.ram16, jit = this.jit, hot = jit !== null ? jit.threshold : -1;
    const sb = this.stateBase, st32 = this.st32, stF64 = this.stF64, jcTag = this.jcTag, jcSlot = this.jcSlot;
    const dispatch = jit !== null ? jit.dispatch : null;
    let pc = this.pc;
    // the fetch page, kept in locals and reloaded after anything that may change it
    let fvp = this.fvp, fbase = this.fbase, fblk = this.fblk, fhot = this.fhot;
    let i = 0;
    for (;;) {
      try {
        while (i < n) {
          x[0] = 0; x[1] = 0;
          i++; // counted before fetch so a faulting fetch still consumes budget (no livelock)
          // ---- fetch
          let insn: number;
          const off = pc - fvp;
          if (off >= 0 && off < 4094) {
            // compiled block for this address? (hot code runs as JavaScript, see jit.ts)
            const s = off >>> 1;
            const slot = fblk[s];
            if (slot !== 0) {
              // Run it, and the blocks after it as long as there are any (the dispatcher finds
              // them in the jump cache, where this one goes first).
              const e = jumpSlot(pc | 0);
              jcTag[e] = pc; jcSlot[e] = slot;
              stF64[0] = pc;
              this.pc = pc;
              this.inBlock = true;
              i += dispatch!(sb, n - i + 1) - 1;
              this.inBlock = false;
              pc = stF64[0];
              if (this.deviceWritten) { // left early after a device store: end the chunk
                this.deviceWritten = false;
                n = i;
              }
              continue;
            }
            if (++fhot[s] === hot && jit !== null && jit.compile(fbase + off)) { i--; continue; }
            const k = (fbase + off) >>> 1;
            insn = r16[k];
            if ((insn & 3) === 3) insn |= r16[k + 1] << 16;
          } else {
            insn = this.fetchSlow(pc);
            fvp = this.fvp; fbase = this.fbase; fblk = this.fblk; fhot = this.fhot;
            // Entered a RAM page (a call, a return): run this instruction through the fast path,
            // so the block that starts here is used, or counted towards compiling one.
            if (jit !== null && pc - fvp >= 0 && pc - fvp < 4094) { i--; continue; }
          }
          let ilen = 4;
          if ((insn & 3) !== 3) {
            ilen = 2;
            let e = RVC_TABLE[insn & 0xffff];
            if (e === RVC_UNSEEN) e = rvcFill(insn & 0xffff);
            if (e === 0) this.raise(EXC.illegal, insn & 0xffff, 0);
            insn = e;
          }
          const rd = (insn >> 6) & 62, rs1 = (insn >> 14) & 62, rs2 = (insn >> 19) & 62;
          switch (insn & 0x7f) {
            case 0x37: // lui
              x[rd] = insn & 0xfffff000; x[rd + 1] = insn >> 31; pc += ilen; break;
            case 0x17: { // auipc
              const v = pc + (insn & 0xfffff000);
              x[rd] = v | 0; x[rd + 1] = Math.floor(v / TWO32) | 0; pc += ilen; break;
            }
            case 0x6f: { // jal
              const imm = ((insn >> 31) << 20) | (((insn >>> 21) & 0x3ff) << 1) | (((insn >>> 20) & 1) << 11) | (insn & 0xff000);
              const link = pc + ilen;
              x[rd] = link | 0; x[rd + 1] = Math.floor(link / TWO32) | 0;
              pc += imm; break;
            }
            case 0x67: { // jalr
              const t = (x[rs1 + 1] * TWO32 + (x[rs1] >>> 0) + (insn >> 20));
              const link = pc + ilen;
              x[rd] = link | 0; x[rd + 1] = Math.floor(link / TWO32) | 0;
              pc = t - (t & 1 ? 1 : 0); // & on a double >2^31 only looks at the low 32 bits: fine for bit 0
              break;
            }
            case 0x63: { // branches
              const al = x[rs1], ah = x[rs1 + 1], bl = x[rs2], bh = x[rs2 + 1];
              let take: boolean;
              switch ((insn >>> 12) & 7) {
                case 0: take = al === bl && ah === bh; break;
                case 1: take = al !== bl || ah !== bh; break;
                case 4: take = ah < bh || (ah === bh && (al >>> 0) < (bl >>> 0)); break;
                case 5: take = ah > bh || (ah === bh && (al >>> 0) >= (bl >>> 0)); break;
                case 6: take = (ah >>> 0) < (bh >>> 0) || (ah === bh && (al >>> 0) < (bl >>> 0)); break;
                case 7: take = (ah >>> 0) > (bh >>> 0) || (ah === bh && (al >>> 0) >= (bl >>> 0)); break;
                default: this.raise(EXC.illegal, insn, 0); take = false;
              }
              if (take) {
                pc += ((insn >> 31) << 12) | (((insn >>> 25) & 0x3f) << 5) | (((insn >>> 8) & 0xf) << 1) | (((insn >>> 7) & 1) << 11);
              } else pc += ilen;
              break;
            }
            case 0x03: { // loads
              const imm = insn >> 20, a = x[rs1];
              const lo = (a + imm) | 0;
              const hi = (x[rs1 + 1] + (imm >> 31) + ((a >>> 0) + (imm >>> 0) > 0xffffffff ? 1 : 0)) | 0;
              this.pc = pc;
              switch ((insn >>> 12) & 7) {
                case 0: { const v = (this.load8(lo, hi) << 24) >> 24; x[rd] = v; x[rd + 1] = v >> 31; break; }
                case 1: { const v = (this.load16(lo, hi) << 16) >> 16; x[rd] = v; x[rd + 1] = v >> 31; break; }
                case 2: { const v = this.load32(lo, hi); x[rd] = v; x[rd + 1] = v >> 31; break; }
                case 3: { const v = this.load64(lo, hi); x[rd] = v; x[rd + 1] = this.ldHi; break; }
                case 4: x[rd] = this.load8(lo, hi); x[rd + 1] = 0; break;
                case 5: x[rd] = this.load16(lo, hi); x[rd + 1] = 0; break;
                case 6: x[rd] = this.load32(lo, hi); x[rd + 1] = 0; break;
                default: this.raise(EXC.illegal, insn, 0);
              }
              pc += ilen; break;
            }
            case 0x23: { // stores
              const imm = ((insn >> 25) << 5) | ((insn >>> 7) & 0x1f), a = x[rs1];
              const lo = (a + imm) | 0;
              const hi = (x[rs1 + 1] + (imm >> 31) + ((a >>> 0) + (imm >>> 0) > 0xffffffff ? 1 : 0)) | 0;
              this.pc = pc;
              switch ((insn >>> 12) & 7) {
                case 0: this.store8(lo, hi, x[rs2]); break;
                case 1: this.store16(lo, hi, x[rs2]); break;
                case 2: this.store32(lo, hi, x[rs2]); break;
                case 3: this.store64(lo, hi, x[rs2], x[rs2 + 1]); break;
                default: this.raise(EXC.illegal, insn, 0);
              }
              pc += ilen;
              // a device register was written: end the chunk so a raised interrupt is taken now
              if (this.deviceWritten) { this.deviceWritten = false; n = i; }
              break;
            }
            case 0x13: { // op-imm
              const imm = insn >> 20, al = x[rs1], ah = x[rs1 + 1];
              switch ((insn >>> 12) & 7) {
                case 0: { // addi
                  x[rd] = al + imm; x[rd + 1] = ah + (imm >> 31) + ((al >>> 0) + (imm >>> 0) > 0xffffffff ? 1 : 0); break;
                }
                case 1: { // slli
                  if ((insn >>> 26) !== 0) this.raise(EXC.illegal, insn, 0);
                  const sh = imm & 63;
                  if (sh === 0) { x[rd] = al; x[rd + 1] = ah; }
                  else if (sh < 32) { x[rd + 1] = (ah << sh) | (al >>> (32 - sh)); x[rd] = al << sh; }
                  else { x[rd + 1] = al << (sh - 32); x[rd] = 0; }
                  break;
                }
                case 2: { // slti
                  const ih = imm >> 31;
                  x[rd] = ah < ih || (ah === ih && (al >>> 0) < (imm >>> 0)) ? 1 : 0; x[rd + 1] = 0; break;
                }
                case 3: { // sltiu
                  const ih = imm >> 31;
                  x[rd] = (ah >>> 0) < (ih >>> 0) || (ah === ih && (al >>> 0) < (imm >>> 0)) ? 1 : 0; x[rd + 1] = 0; break;
                }
                case 4: x[rd] = al ^ imm; x[rd + 1] = ah ^ (imm >> 31); break;
                case 5: {
                  const sh = imm & 63, f6 = insn >>> 26;
                  if (f6 === 0) { // srli
                    if (sh === 0) { x[rd] = al; x[rd + 1] = ah; }
                    else if (sh < 32) { x[rd] = (al >>> sh) | (ah << (32 - sh)); x[rd + 1] = ah >>> sh; }
                    else { x[rd] = ah >>> (sh - 32); x[rd + 1] = 0; }
                  } else if (f6 === 0x10) { // srai
                    if (sh === 0) { x[rd] = al; x[rd + 1] = ah; }
                    else if (sh < 32) { x[rd] = (al >>> sh) | (ah << (32 - sh)); x[rd + 1] = ah >> sh; }
                    else { x[rd] = ah >> (sh - 32); x[rd + 1] = ah >> 31; }
                  } else this.raise(EXC.illegal, insn, 0);
                  break;
                }
                case 6: x[rd] = al | imm; x[rd + 1] = ah | (imm >> 31); break;
                default: x[rd] = al & imm; x[rd + 1] = ah & (imm >> 31); break;
              }
              pc += ilen; break;
            }
            case 0x1b: { // op-imm-32
              const imm = insn >> 20, a = x[rs1];
              let v: number;
              switch ((insn >>> 12) & 7) {
                case 0: v = (a + imm) | 0; break;
                case 1: if ((insn >>> 25) !== 0) this.raise(EXC.illegal, insn, 0); v = a << (imm & 31); break;
                case 5: {
                  const f7 = insn >>> 25;
                  if (f7 === 0) v = (a >>> (imm & 31)) | 0;
                  else if (f7 === 0x20) v = a >> (imm & 31);
                  else { this.raise(EXC.illegal, insn, 0); v = 0; }
                  break;
                }
                default: this.raise(EXC.illegal, insn, 0); v = 0;
              }
              x[rd] = v; x[rd + 1] = v >> 31; pc += ilen; break;
            }
            case 0x33: { // op
              const al = x[rs1], ah = x[rs1 + 1], bl = x[rs2], bh = x[rs2 + 1];
              const f7 = insn >>> 25, f3 = (insn >>> 12) & 7;
              if (f7 === 0) {
                switch (f3) {
                  case 0: x[rd] = al + bl; x[rd + 1] = ah + bh + ((al >>> 0) + (bl >>> 0) > 0xffffffff ? 1 : 0); break;
                  case 1: {
                    const sh = bl & 63;
                    if (sh === 0) { x[rd] = al; x[rd + 1] = ah; }
                    else if (sh < 32) { x[rd + 1] = (ah << sh) | (al >>> (32 - sh)); x[rd] = al << sh; }
                    else { x[rd + 1] = al << (sh - 32); x[rd] = 0; }
                    break;
                  }
                  case 2: x[rd] = ah < bh || (ah === bh && (al >>> 0) < (bl >>> 0)) ? 1 : 0; x[rd + 1] = 0; break;
                  case 3: x[rd] = (ah >>> 0) < (bh >>> 0) || (ah === bh && (al >>> 0) < (bl >>> 0)) ? 1 : 0; x[rd + 1] = 0; break;
                  case 4: x[rd] = al ^ bl; x[rd + 1] = ah ^ bh; break;
                  case 5: {
                    const sh = bl & 63;
                    if (sh === 0) { x[rd] = al; x[rd + 1] = ah; }
                    else if (sh < 32) { x[rd] = (al >>> sh) | (ah << (32 - sh)); x[rd + 1] = ah >>> sh; }
                    else { x[rd] = ah >>> (sh - 32); x[rd + 1] = 0; }
                    break;
                  }
                  case 6: x[rd] = al | bl; x[rd + 1] = ah | bh; break;
                  default: x[rd] = al & bl; x[rd + 1] = ah & bh; break;
                }
              } else if (f7 === 0x20) {
                if (f3 === 0) {
                  x[rd] = al - bl; x[rd + 1] = ah - bh - ((al >>> 0) < (bl >>> 0) ? 1 : 0);
                } else if (f3 === 5) {
                  const sh = bl & 63;
                  if (sh === 0) { x[rd] = al; x[rd + 1] = ah; }
                  else if (sh < 32) { x[rd] = (al >>> sh) | (ah << (32 - sh)); x[rd + 1] = ah >> sh; }
                  else { x[rd] = ah >> (sh - 32); x[rd + 1] = ah >> 31; }
                } else this.raise(EXC.illegal, insn, 0);
              } else if (f7 === 1) {
                const lo = muldiv64(f3, al, ah, bl, bh);
                x[rd] = lo; x[rd + 1] = mdOut.hi;
              } else this.raise(EXC.illegal, insn, 0);
              pc += ilen; break;
            }
            case 0x3b: { // op-32
              const a = x[rs1], b = x[rs2];
              const f7 = insn >>> 25, f3 = (insn >>> 12) & 7;
              let v = 0;
              if (f7 === 0) {
                if (f3 === 0) v = (a + b) | 0;
                else if (f3 === 1) v = a << (b & 31);
                else if (f3 === 5) v = (a >>> (b & 31)) | 0;
                else this.raise(EXC.illegal, insn, 0);
              } else if (f7 === 0x20) {
                if (f3 === 0) v = (a - b) | 0;
                else if (f3 === 5) v = a >> (b & 31);
                else this.raise(EXC.illegal, insn, 0);
              } else if (f7 === 1) {
                if (f3 >= 1 && f3 <= 3) this.raise(EXC.illegal, insn, 0);
                v = muldiv32(f3, a, b);
              } else this.raise(EXC.illegal, insn, 0);
              x[rd] = v; x[rd + 1] = v >> 31; pc += ilen; break;
            }
            case 0x0f: // fence, fence.i: memory is sequentially consistent here and nothing caches code
              if (((insn >>> 12) & 7) > 1) this.raise(EXC.illegal, insn, 0);
              pc += ilen; break;
            case 0x73: // system: slow path; ends the chunk so CSR changes take effect (interrupts)
              this.pc = pc;
              this.chunkExec = i;
              if (this.system(insn, ilen)) {
                pc = this.pc; fvp = this.fvp; fbase = this.fbase; fblk = this.fblk; fhot = this.fhot;
                n = i;
              } else pc = this.pc;
              break;
            case 0x2f: // atomics
              this.pc = pc;
              this.amo(insn);
              pc += ilen; break;
            default:
              this.pc = pc;
              this.fpOrIllegal(insn, ilen);
              pc += ilen; break;
          }
        }
        break;
      } catch (e) {
        if (this.inBlock) { // the block recorded the trapping pc
          this.inBlock = false;
          pc = this.pc;
          // the blocks before it are counted; the instructions it completed before trapping are
          // not: instret lags slightly
          i += st32[ST_RUN_DONE >>> 2];
        }
        if (e !== TRAP) { this.pc = pc; throw e; }
        this.pc = pc;
        this.enterTrap(this.tCause, false, this.tLo, this.tHi);
        pc = this.pc; fvp = this.fvp; fbase = this.fbase; fblk = this.fblk; fhot = this.fhot;
        n = i; // leave the chunk: the trap may have changed privilege or enabled interrupts
      }
    }
    x[0] = 0; x[1] = 0;
    this.pc = pc;
    this.instret += i;
    return i;
  }

  // --- traps ----------------------------------------------------------------------------
  /** Record an exception and unwind to the exec loop. */
  raise(cause: number, tvalLo: number, tvalHi: number): never {
    this.tCause = cause; this.tLo = tvalLo; this.tHi = tvalHi;
    throw TRAP;
  }

  enterTrap(cause: number, isInt: boolean, tvalLo: number, tvalHi: number): void {
    const prev = this.priv;
    const deleg = prev <= PRV_S && (((isInt ? this.mideleg : this.medeleg) >>> cause) & 1) !== 0;
    const epc = this.pc;
    const c = this.c;
    let ms = this.mstatus;
    let vecSlot: number;
    if (deleg) {
      setPair(c, C_SEPC, epc);
      c[2 * C_SCAUSE] = cause; c[2 * C_SCAUSE + 1] = isInt ? 0x80000000 | 0 : 0;
      c[2 * C_STVAL] = tvalLo; c[2 * C_STVAL + 1] = tvalHi;
      ms = (ms & ~(MS_SPIE | MS_SIE | MS_SPP)) | ((ms & MS_SIE) ? MS_SPIE : 0) | (prev === PRV_S ? MS_SPP : 0);
      this.priv = PRV_S;
      vecSlot = C_STVEC;
    } else {
      setPair(c, C_MEPC, epc);
      c[2 * C_MCAUSE] = cause; c[2 * C_MCAUSE + 1] = isInt ? 0x80000000 | 0 : 0;
      c[2 * C_MTVAL] = tvalLo; c[2 * C_MTVAL + 1] = tvalHi;
      ms = (ms & ~(MS_MPIE | MS_MIE | MS_MPP)) | ((ms & MS_MIE) ? MS_MPIE : 0) | (prev << MS_MPP_SHIFT);
      this.priv = PRV_M;
      vecSlot = C_MTVEC;
    }
    this.mstatus = ms;
    const tvLo = c[2 * vecSlot], tvHi = c[2 * vecSlot + 1];
    let base = tvHi * TWO32 + ((tvLo & ~3) >>> 0);
    if (isInt && (tvLo & 3) === 1) base += 4 * cause;
    this.pc = base;
    this.resValid = false;
    if (prev !== this.priv) this.updateXlate();
    this.wfi = false;
  }

  // --- system instructions --------------------------------------------------------------
  /** Execute a SYSTEM instruction; returns false only for a CSR read without side effects. */
  private system(insn: number, ilen: number): boolean {
    const f3 = (insn >>> 12) & 7;
    const rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31;
    if (f3 === 0) {
      const f12 = insn >>> 20;
      if (rd !== 0) this.raise(EXC.illegal, insn, 0);
      if (f12 === 0 && rs1 === 0) { // ecall
        this.raise(this.priv === PRV_U ? EXC.ecallU : this.priv === PRV_S ? EXC.ecallS : EXC.ecallM, 0, 0);
      }
      if (f12 === 1 && rs1 === 0) this.raise(EXC.breakpoint, 0, 0); // QEMU 7.2 leaves tval 0
      if (f12 === 0x302 && rs1 === 0) { // mret
        if (this.priv < PRV_M) this.raise(EXC.illegal, insn, 0);
        let ms = this.mstatus;
        const mpp = (ms & MS_MPP) >>> MS_MPP_SHIFT;
        // QEMU 7.2 refuses to leave M-mode while no PMP entry is active (S/U could reach nothing)
        if (mpp !== PRV_M && this.pmp.active === 0) this.raise(EXC.illegal, insn, 0);
        ms = (ms & ~(MS_MIE | MS_MPP)) | ((ms & MS_MPIE) ? MS_MIE : 0) | MS_MPIE;
        if (mpp !== PRV_M) ms &= ~MS_MPRV;
        this.mstatus = ms;
        this.priv = mpp;
        this.pc = pairNum(this.c, C_MEPC);
        this.updateXlate();
        return true;
      }
      if (f12 === 0x102 && rs1 === 0) { // sret
        if (this.priv < PRV_S || (this.priv === PRV_S && (this.mstatus & MS_TSR))) this.raise(EXC.illegal, insn, 0);
        let ms = this.mstatus;
        const spp = (ms & MS_SPP) ? PRV_S : PRV_U;
        ms = (ms & ~(MS_SIE | MS_SPP | MS_MPRV)) | ((ms & MS_SPIE) ? MS_SIE : 0) | MS_SPIE;
        this.mstatus = ms;
        this.priv = spp;
        this.pc = pairNum(this.c, C_SEPC);
        this.updateXlate();
        return true;
      }
      if (f12 === 0x105 && rs1 === 0) { // wfi
        if (this.priv === PRV_U || (this.priv === PRV_S && (this.mstatus & MS_TW))) this.raise(EXC.illegal, insn, 0);
        this.pc += ilen;
        if (!this.wakeable()) this.wfi = true;
        return true;
      }
      if ((insn >>> 25) === 0x09) { // sfence.vma
        if (this.priv === PRV_U || (this.priv === PRV_S && (this.mstatus & MS_TVM))) this.raise(EXC.illegal, insn, 0);
        this.flushTlb();
        this.pc += ilen;
        return true;
      }
      this.raise(EXC.illegal, insn, 0);
    }
    if (f3 === 4) this.raise(EXC.illegal, insn, 0);
    // Zicsr
    const csr = insn >>> 20;
    const x = this.x;
    let wlo: number, whi: number;
    if (f3 & 4) { wlo = rs1; whi = 0; } else { wlo = x[2 * rs1]; whi = x[2 * rs1 + 1]; }
    const op = f3 & 3;
    const writes = op === 1 || rs1 !== 0;
    const reads = op !== 1 || rd !== 0;
    this.csrCheck(csr, writes, insn);
    let olo = 0, ohi = 0;
    if (reads || op !== 1) {
      olo = this.csrRead(csr, insn);
      ohi = this.csrHi;
    }
    if (writes) {
      let nlo: number, nhi: number;
      if (op === 1) { nlo = wlo; nhi = whi; }
      else if (op === 2) { nlo = olo | wlo; nhi = ohi | whi; }
      else { nlo = olo & ~wlo; nhi = ohi & ~whi; }
      this.csrWrite(csr, nlo | 0, nhi | 0, insn);
    }
    if (rd !== 0) { x[2 * rd] = olo; x[2 * rd + 1] = ohi; }
    this.pc += ilen;
    return writes;
  }

  private csrHi = WIDE;

  private csrCheck(csr: number, writes: boolean, insn: number): void {
    const minPriv = (csr >>> 8) & 3;
    if (this.priv < minPriv) this.raise(EXC.illegal, insn, 0);
    if (writes && (csr >>> 10) === 3) this.raise(EXC.illegal, insn, 0);
  }

  private counterAllowed(bit: number, insn: number): void {
    if (this.priv < PRV_M && !((this.mcounteren >>> bit) & 1)) this.raise(EXC.illegal, insn, 0);
    if (this.priv < PRV_S && !((this.scounteren >>> bit) & 1)) this.raise(EXC.illegal, insn, 0);
  }

  /** Value of a CSR: returns the low word, high word in this.csrHi. Raises illegal for unknown CSRs. */
  csrRead(csr: number, insn: number): number {
    const c = this.c;
    this.csrHi = 0;
    switch (csr) {
      case CSR.fflags: this.fpCheck(insn); return this.fcsr & 0x1f;
      case CSR.frm: this.fpCheck(insn); return (this.fcsr >>> 5) & 7;
      case CSR.fcsr: this.fpCheck(insn); return this.fcsr & 0xff;
      case CSR.cycle: this.counterAllowed(0, insn); return this.split(this.instret + this.chunkExec + this.cycleOffset);
      case CSR.time: this.counterAllowed(1, insn); return this.split(this.timeSource());
      case CSR.instret: this.counterAllowed(2, insn); return this.split(this.instret + this.chunkExec + this.instretOffset);
      case CSR.mcycle: return this.split(this.instret + this.chunkExec + this.cycleOffset);
      case CSR.minstret: return this.split(this.instret + this.chunkExec + this.instretOffset);
      case CSR.sstatus: {
        const v = this.mstatus & SSTATUS_MASK;
        this.csrHi = 2 | (sdBit(this.mstatus) ? 0x80000000 | 0 : 0); // UXL = 64
        return v;
      }
      case CSR.mstatus:
        this.csrHi = 0xa | (sdBit(this.mstatus) ? 0x80000000 | 0 : 0); // SXL = UXL = 64
        return this.mstatus;
      case CSR.sie: return this.mie & this.mideleg;
      case CSR.sip: return (this.mipSw | this.mipHw) & this.mideleg;
      case CSR.mie: return this.mie;
      case CSR.mip: return this.mipSw | this.mipHw;
      case CSR.stvec: return this.pair(C_STVEC);
      case CSR.mtvec: return this.pair(C_MTVEC);
      case CSR.sscratch: return this.pair(C_SSCRATCH);
      case CSR.mscratch: return this.pair(C_MSCRATCH);
      case CSR.sepc: return this.pair(C_SEPC);
      case CSR.mepc: return this.pair(C_MEPC);
      case CSR.scause: return this.pair(C_SCAUSE);
      case CSR.mcause: return this.pair(C_MCAUSE);
      case CSR.stval: return this.pair(C_STVAL);
      case CSR.mtval: return this.pair(C_MTVAL);
      case CSR.satp:
        if (this.priv === PRV_S && (this.mstatus & MS_TVM)) this.raise(EXC.illegal, insn, 0);
        return this.pair(C_SATP);
      case CSR.scounteren: return this.scounteren;
      case CSR.mcounteren: return this.mcounteren;
      case CSR.senvcfg: return this.senvcfg;
      case CSR.menvcfg: return this.menvcfg;
      case CSR.mcountinhibit: return this.mcountinhibit;
      case CSR.misa: this.csrHi = MISA_HI; return MISA_LO;
      case CSR.medeleg: return this.medeleg;
      case CSR.mideleg: return this.mideleg;
      case CSR.mvendorid: case CSR.marchid: case CSR.mimpid: case CSR.mconfigptr: return 0;
      case CSR.mhartid: return this.hartId;
    }
    if (csr >= CSR.pmpcfg0 && csr < CSR.pmpcfg0 + 16) {
      const k = csr - CSR.pmpcfg0;
      if (k & 1) this.raise(EXC.illegal, insn, 0);
      if (k >= PMP_ENTRIES / 4) return 0;
      const b = this.pmp.cfg, o = k * 4;
      this.csrHi = b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24);
      return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
    }
    if (csr >= CSR.pmpaddr0 && csr < CSR.pmpaddr0 + 64) {
      const k = csr - CSR.pmpaddr0;
      if (k >= PMP_ENTRIES) return 0;
      this.csrHi = this.pmp.addr[2 * k + 1];
      return this.pmp.addr[2 * k];
    }
    if (csr >= 0xb03 && csr <= 0xb1f) { const k = csr - 0xb03; return k < NUM_HPM ? this.split(this.hpmcounter[k]) : 0; }
    if (csr >= 0xc03 && csr <= 0xc1f) {
      this.counterAllowed(csr - 0xc00, insn);
      const k = csr - 0xc03; return k < NUM_HPM ? this.split(this.hpmcounter[k]) : 0;
    }
    if (csr >= 0x323 && csr <= 0x33f) { const k = csr - 0x323; return k < NUM_HPM ? this.split(this.hpmevent[k]) : 0; }
    this.raise(EXC.illegal, insn, 0);
  }

  csrWrite(csr: number, lo: number, hi: number, insn: number): void {
    const c = this.c;
    switch (csr) {
      case CSR.fflags: this.fpCheck(insn); this.fcsr = (this.fcsr & ~0x1f) | (lo & 0x1f); this.mstatus |= MS_FS; return;
      case CSR.frm: this.fpCheck(insn); this.fcsr = (this.fcsr & 0x1f) | ((lo & 7) << 5); this.mstatus |= MS_FS; return;
      case CSR.fcsr: this.fpCheck(insn); this.fcsr = lo & 0xff; this.mstatus |= MS_FS; return;
      case CSR.mcycle: this.cycleOffset = hi * TWO32 + (lo >>> 0) - (this.instret + this.chunkExec); return;
      case CSR.minstret: this.instretOffset = hi * TWO32 + (lo >>> 0) - (this.instret + this.chunkExec); return;
      case CSR.sstatus:
        this.setMstatus((this.mstatus & ~SSTATUS_MASK) | (lo & SSTATUS_MASK & MSTATUS_WMASK));
        return;
      case CSR.mstatus: this.setMstatus(lo); return;
      case CSR.sie: this.mie = (this.mie & ~this.mideleg) | (lo & this.mideleg & S_INTS); return;
      case CSR.mie: this.mie = lo & (S_INTS | M_INTS); return;
      case CSR.sip: {
        const m = this.mideleg & MIP_SSIP;
        this.mipSw = (this.mipSw & ~m) | (lo & m);
        return;
      }
      case CSR.mip: this.mipSw = (this.mipSw & ~MIP_WMASK) | (lo & MIP_WMASK); return;
      case CSR.stvec: if ((lo & 3) < 2) { c[2 * C_STVEC] = lo; c[2 * C_STVEC + 1] = hi; } return;
      case CSR.mtvec: if ((lo & 3) < 2) { c[2 * C_MTVEC] = lo; c[2 * C_MTVEC + 1] = hi; } return;
      case CSR.sscratch: c[2 * C_SSCRATCH] = lo; c[2 * C_SSCRATCH + 1] = hi; return;
      case CSR.mscratch: c[2 * C_MSCRATCH] = lo; c[2 * C_MSCRATCH + 1] = hi; return;
      case CSR.sepc: c[2 * C_SEPC] = lo & ~1; c[2 * C_SEPC + 1] = hi; return;
      case CSR.mepc: c[2 * C_MEPC] = lo & ~1; c[2 * C_MEPC + 1] = hi; return;
      case CSR.scause: c[2 * C_SCAUSE] = lo; c[2 * C_SCAUSE + 1] = hi; return;
      case CSR.mcause: c[2 * C_MCAUSE] = lo; c[2 * C_MCAUSE + 1] = hi; return;
      case CSR.stval: c[2 * C_STVAL] = lo; c[2 * C_STVAL + 1] = hi; return;
      case CSR.mtval: c[2 * C_MTVAL] = lo; c[2 * C_MTVAL + 1] = hi; return;
      case CSR.satp: {
        if (this.priv === PRV_S && (this.mstatus & MS_TVM)) this.raise(EXC.illegal, insn, 0);
        const mode = hi >>> 28;
        if (mode !== 0 && mode !== 8 && mode !== 9) return; // unsupported mode: the write has no effect
        // ASID is 16 bits; PPN 44 bits
        c[2 * C_SATP] = lo; c[2 * C_SATP + 1] = hi; // 16-bit ASID and 44-bit PPN: every bit is kept
        this.flushTlb();
        this.updateXlate();
        return;
      }
      case CSR.scounteren: this.scounteren = lo >>> 0; return;
      case CSR.mcounteren: this.mcounteren = lo >>> 0; return;
      case CSR.senvcfg: this.senvcfg = lo & 1; return;
      case CSR.menvcfg: this.menvcfg = lo & 1; return;
      case CSR.mcountinhibit: this.mcountinhibit = lo & ~2 & 0x7ffff; return;
      case CSR.misa: return; // fixed
      case CSR.medeleg: this.medeleg = lo & MEDELEG_MASK; return;
      case CSR.mideleg: this.mideleg = lo & S_INTS; return;
      case CSR.mvendorid: case CSR.marchid: case CSR.mimpid: case CSR.mhartid: case CSR.mconfigptr: return;
    }
    if (csr >= CSR.pmpcfg0 && csr < CSR.pmpcfg0 + 16) {
      const k = csr - CSR.pmpcfg0;
      if (k >= PMP_ENTRIES / 4) return;
      for (let j = 0; j < 8; j++) this.pmp.writeCfg(k * 4 + j, j < 4 ? lo >>> (8 * j) : hi >>> (8 * (j - 4)));
      this.pmpChanged();
      return;
    }
    if (csr >= CSR.pmpaddr0 && csr < CSR.pmpaddr0 + 64) {
      const k = csr - CSR.pmpaddr0;
      if (k >= PMP_ENTRIES) return;
      this.pmp.writeAddr(k, lo, hi);
      this.pmpChanged();
      return;
    }
    if (csr >= 0xb03 && csr <= 0xb1f) { const k = csr - 0xb03; if (k < NUM_HPM) this.hpmcounter[k] = hi * TWO32 + (lo >>> 0); return; }
    if (csr >= 0x323 && csr <= 0x33f) { const k = csr - 0x323; if (k < NUM_HPM) this.hpmevent[k] = (hi >>> 0) * TWO32 + (lo >>> 0); return; }
    this.raise(EXC.illegal, insn, 0);
  }

  private setMstatus(v: number): void {
    let nv = (this.mstatus & ~MSTATUS_WMASK) | (v & MSTATUS_WMASK);
    if (((nv & MS_MPP) >>> MS_MPP_SHIFT) === 2) nv &= ~MS_MPP; // reserved MPP value: legalize to U
    const changed = (this.mstatus ^ nv) & (MS_MPRV | MS_SUM | MS_MXR | MS_MPP);
    this.mstatus = nv;
    if (changed) { this.flushTlb(); this.updateXlate(); }
  }

  private fpCheck(insn: number): void {
    if ((this.mstatus & MS_FS) === 0) this.raise(EXC.illegal, insn, 0);
  }

  private fpOrIllegal(insn: number, ilen: number): void {
    // F/D are not implemented (see the report: Debian's OpenSBI 1.1 and U-Boot 2023.01 do not
    // execute FP arithmetic on the boot path); any FP opcode is an illegal instruction.
    void ilen;
    this.raise(EXC.illegal, ilen === 2 ? 0 : insn, 0);
  }

  private pair(slot: number): number {
    this.csrHi = this.c[2 * slot + 1];
    return this.c[2 * slot];
  }
  private split(v: number): number {
    this.csrHi = Math.floor(v / TWO32) | 0;
    return v | 0;
  }

  // --- atomics --------------------------------------------------------------------------
  private amo(insn: number): void {
    const f3 = (insn >>> 12) & 7, f5 = insn >>> 27;
    if (f3 !== 2 && f3 !== 3) this.raise(EXC.illegal, insn, 0);
    const x = this.x;
    const rd = (insn >> 6) & 62, rs1 = (insn >> 14) & 62, rs2 = (insn >> 19) & 62;
    const vlo = x[rs1], vhi = x[rs1 + 1];
    const size = f3 === 2 ? 4 : 8;
    const isLr = f5 === 2;
    if (vlo & (size - 1)) this.raise(isLr ? EXC.loadMisaligned : EXC.storeMisaligned, vlo, vhi);
    const pa = this.translateData(vlo, vhi, isLr ? ACC_LOAD : ACC_STORE, size);
    const bl = x[rs2], bh = x[rs2 + 1];
    if (f5 === 3) { // sc
      let ok = this.resValid && this.resPa === pa;
      if (ok) {
        const cl = this.physRead(pa, size, vlo, vhi, ACC_STORE), ch = size === 8 ? this.ldHi : 0;
        ok = cl === this.resLo && (size === 4 || ch === this.resHi);
      }
      if (ok) this.physWrite(pa, size, bl, bh, vlo, vhi);
      this.resValid = false;
      x[rd] = ok ? 0 : 1; x[rd + 1] = 0;
      return;
    }
    let al = this.physRead(pa, size, vlo, vhi, isLr ? ACC_LOAD : ACC_STORE);
    let ah = size === 8 ? this.ldHi : al >> 31;
    if (isLr) {
      this.resValid = true; this.resPa = pa; this.resLo = al; this.resHi = ah;
      x[rd] = al; x[rd + 1] = ah;
      return;
    }
    let bl2 = bl, bh2 = size === 8 ? bh : bl >> 31;
    let rl: number, rh: number;
    switch (f5) {
      case 0x01: rl = bl2; rh = bh2; break;
      case 0x00: rl = al + bl2; rh = ah + bh2 + ((al >>> 0) + (bl2 >>> 0) > 0xffffffff ? 1 : 0); break;
      case 0x04: rl = al ^ bl2; rh = ah ^ bh2; break;
      case 0x08: rl = al | bl2; rh = ah | bh2; break;
      case 0x0c: rl = al & bl2; rh = ah & bh2; break;
      case 0x10: case 0x14: case 0x18: case 0x1c: {
        if (size === 4) { ah = al >> 31; bh2 = bl2 >> 31; }
        let less: boolean;
        if (f5 <= 0x14) less = ah < bh2 || (ah === bh2 && (al >>> 0) < (bl2 >>> 0));
        else if (size === 4) less = (al >>> 0) < (bl2 >>> 0);
        else less = (ah >>> 0) < (bh2 >>> 0) || (ah === bh2 && (al >>> 0) < (bl2 >>> 0));
        const pickA = (f5 === 0x10 || f5 === 0x18) ? less : !less;
        rl = pickA ? al : bl2; rh = pickA ? ah : bh2;
        break;
      }
      default: this.raise(EXC.illegal, insn, 0);
    }
    this.physWrite(pa, size, rl, rh, vlo, vhi);
    if (size === 4) { ah = al >> 31; }
    x[rd] = al; x[rd + 1] = ah;
    void bl2;
  }

  // --- memory access --------------------------------------------------------------------
  private translateData(lo: number, hi: number, acc: number, size = 1): number {
    if (this.xlateD) return this.translate(lo, hi, acc, size) + RAM_BASE;
    if (hi !== 0) this.raise(acc === ACC_STORE ? EXC.storeAccess : EXC.loadAccess, lo, hi);
    return lo >>> 0;
  }

  load8(lo: number, hi: number): number {
    const off = this.xlateD ? this.translate(lo, hi, ACC_LOAD, 1) : (hi === 0 ? (lo >>> 0) - RAM_BASE : this.raise(EXC.loadAccess, lo, hi));
    if (off >= 0 && off < this.ramSize) return this.ram8[off];
    return this.physRead(off + RAM_BASE, 1, lo, hi, ACC_LOAD);
  }
  load16(lo: number, hi: number): number {
    const off = this.xlateD ? this.translate(lo, hi, ACC_LOAD, 2) : (hi === 0 ? (lo >>> 0) - RAM_BASE : this.raise(EXC.loadAccess, lo, hi));
    if ((off & 1) === 0 && off >= 0 && off < this.ramSize) return this.ram16[off >>> 1];
    return this.slowRead(off + RAM_BASE, 2, lo, hi);
  }
  load32(lo: number, hi: number): number {
    const off = this.xlateD ? this.translate(lo, hi, ACC_LOAD, 4) : (hi === 0 ? (lo >>> 0) - RAM_BASE : this.raise(EXC.loadAccess, lo, hi));
    if ((off & 3) === 0 && off >= 0 && off < this.ramSize) return this.ram32[off >>> 2];
    return this.slowRead(off + RAM_BASE, 4, lo, hi) | 0;
  }
  load64(lo: number, hi: number): number {
    const off = this.xlateD ? this.translate(lo, hi, ACC_LOAD, 8) : (hi === 0 ? (lo >>> 0) - RAM_BASE : this.raise(EXC.loadAccess, lo, hi));
    if ((off & 7) === 0 && off >= 0 && off < this.ramSize) {
      const k = off >>> 2;
      this.ldHi = this.ram32[k + 1];
      return this.ram32[k];
    }
    return this.slowRead(off + RAM_BASE, 8, lo, hi);
  }
  store8(lo: number, hi: number, v: number): void {
    const off = this.xlateD ? this.translate(lo, hi, ACC_STORE, 1) : (hi === 0 ? (lo >>> 0) - RAM_BASE : this.raise(EXC.storeAccess, lo, hi));
    if (off >= 0 && off < this.ramSize) { this.ram8[off] = v; if (this.codeMap[off >>> 12] !== 0) this.bus.codeWrite(off, 1); return; }
    this.physWrite(off + RAM_BASE, 1, v, 0, lo, hi);
  }
  store16(lo: number, hi: number, v: number): void {
    const off = this.xlateD ? this.translate(lo, hi, ACC_STORE, 2) : (hi === 0 ? (lo >>> 0) - RAM_BASE : this.raise(EXC.storeAccess, lo, hi));
    if ((off & 1) === 0 && off >= 0 && off < this.ramSize) { this.ram16[off >>> 1] = v; if (this.codeMap[off >>> 12] !== 0) this.bus.codeWrite(off, 2); return; }
    this.slowWrite(off + RAM_BASE, 2, v, 0, lo, hi);
  }
  store32(lo: number, hi: number, v: number): void {
    const off = this.xlateD ? this.translate(lo, hi, ACC_STORE, 4) : (hi === 0 ? (lo >>> 0) - RAM_BASE : this.raise(EXC.storeAccess, lo, hi));
    if ((off & 3) === 0 && off >= 0 && off < this.ramSize) { this.ram32[off >>> 2] = v; if (this.codeMap[off >>> 12] !== 0) this.bus.codeWrite(off, 4); return; }
    this.slowWrite(off + RAM_BASE, 4, v, 0, lo, hi);
  }
  store64(lo: number, hi: number, vl: number, vh: number): void {
    const off = this.xlateD ? this.translate(lo, hi, ACC_STORE, 8) : (hi === 0 ? (lo >>> 0) - RAM_BASE : this.raise(EXC.storeAccess, lo, hi));
    if ((off & 7) === 0 && off >= 0 && off < this.ramSize) { const k = off >>> 2; this.ram32[k] = vl; this.ram32[k + 1] = vh; if (this.codeMap[off >>> 12] !== 0) this.bus.codeWrite(off, 8); return; }
    this.slowWrite(off + RAM_BASE, 8, vl, vh, lo, hi);
  }

  /** Misaligned or non-RAM load. Misaligned accesses are allowed (as on QEMU), split bytewise. */
  private slowRead(pa: number, size: number, lo: number, hi: number): number {
    if ((pa & (size - 1)) === 0) return this.physRead(pa, size, lo, hi, ACC_LOAD);
    let rl = 0, rh = 0;
    for (let j = 0; j < size; j++) {
      const vl = (lo + j) | 0;
      const vh = (hi + ((lo >>> 0) + j > 0xffffffff ? 1 : 0)) | 0;
      const p = ((pa & 0xfff) + j < 0x1000) ? pa + j : this.translateData(vl, vh, ACC_LOAD);
      const b = this.physRead(p, 1, vl, vh, ACC_LOAD);
      if (j < 4) rl |= b << (8 * j); else rh |= b << (8 * (j - 4));
    }
    this.ldHi = rh;
    return rl;
  }
  private slowWrite(pa: number, size: number, vl: number, vh: number, lo: number, hi: number): void {
    if ((pa & (size - 1)) === 0) { this.physWrite(pa, size, vl, vh, lo, hi); return; }
    for (let j = 0; j < size; j++) {
      const al = (lo + j) | 0;
      const ah = (hi + ((lo >>> 0) + j > 0xffffffff ? 1 : 0)) | 0;
      const p = ((pa & 0xfff) + j < 0x1000) ? pa + j : this.translateData(al, ah, ACC_STORE);
      const b = j < 4 ? vl >>> (8 * j) : vh >>> (8 * (j - 4));
      this.physWrite(p, 1, b & 0xff, 0, al, ah);
    }
  }

  /** Naturally aligned physical read through the bus; 8 bytes as two 4-byte halves. */
  physRead(pa: number, size: number, lo: number, hi: number, acc: number): number {
    try {
      if (size === 8) {
        const l = this.bus.read(pa, 4) | 0;
        this.ldHi = this.bus.read(pa + 4, 4) | 0;
        return l;
      }
      return this.bus.read(pa, size as 1 | 2 | 4);
    } catch (e) {
      if (e instanceof BusError) this.raise(acc === ACC_STORE ? EXC.storeAccess : EXC.loadAccess, lo, hi);
      throw e;
    }
  }
  physWrite(pa: number, size: number, vl: number, vh: number, lo: number, hi: number): void {
    this.deviceWritten = true;
    try {
      if (size === 8) {
        this.bus.write(pa, 4, vl >>> 0);
        this.bus.write(pa + 4, 4, vh >>> 0);
        return;
      }
      this.bus.write(pa, size as 1 | 2 | 4, vl >>> 0);
    } catch (e) {
      if (e instanceof BusError) this.raise(EXC.storeAccess, lo, hi);
      throw e;
    }
  }

  // --- fetch ----------------------------------------------------------------------------
  private fetchSlow(pc: number): number {
    const lo = pc | 0, hi = Math.floor(pc / TWO32) | 0;
    this.fetchUncached = false;
    const off = this.fetchOff(lo, hi);
    const pa = off + RAM_BASE;
    if (off >= 0 && off < this.ramSize && this.fetchUncached) { // every fetch from this page is checked
      this.fvp = NaN;
      let v = this.ram16[off >>> 1];
      if ((v & 3) === 3) {
        const pc2 = pc + 2;
        const pa2 = this.fetchOff(pc2 | 0, Math.floor(pc2 / TWO32) | 0) + RAM_BASE;
        v |= this.fetchHalf(pa2, pc2) << 16;
      }
      return v;
    }
    if (off >= 0 && off < this.ramSize) {
      // cache this page for the fast path
      this.fvp = pc - (lo & 0xfff);
      this.fbase = off - (pa & 0xfff);
      if (this.jit !== null) { this.fblk = this.jit.blocksOf(this.fbase); this.fhot = this.jit.hotOf(this.fbase); }
      let v = this.ram16[off >>> 1];
      if ((v & 3) === 3) {
        if ((pa & 0xfff) === 0xffe) {
          const pc2 = pc + 2;
          const pa2 = this.fetchOff(pc2 | 0, Math.floor(pc2 / TWO32) | 0) + RAM_BASE;
          v |= this.fetchHalf(pa2, pc2) << 16;
        } else v |= this.ram16[(off >>> 1) + 1] << 16;
      }
      return v;
    }
    let v = this.fetchHalf(pa, pc);
    if ((v & 3) === 3) v |= this.fetchHalf(pa + 2, pc + 2) << 16;
    return v;
  }
  private fetchHalf(pa: number, va: number): number {
    try {
      return this.bus.read(pa, 2);
    } catch (e) {
      if (e instanceof BusError) this.raise(EXC.instrAccess, va | 0, Math.floor(va / TWO32) | 0);
      throw e;
    }
  }
  /** The physical address of a fetch, less RAM_BASE (see translate). */
  private fetchOff(lo: number, hi: number): number {
    if (this.xlateI) return this.translate(lo, hi, ACC_FETCH, 2);
    if (hi !== 0) this.raise(EXC.instrAccess, lo, hi);
    return (lo >>> 0) - RAM_BASE;
  }

  // --- MMU ------------------------------------------------------------------------------
  flushTlb(): void {
    if (this.tlbUsed) { this.tlbTag.fill(NaN); this.tlbUsed = false; }
    this.forgetBlocks();
  }

  /**
   * Forget the fetch page and the jump cache: after a change of translation or privilege (the
   * blocks were found through the old one), or when compiled blocks were dropped.
   */
  forgetBlocks(): void {
    this.fvp = NaN;
    this.jcTag.fill(NaN);
  }

  /** The entry pc of the block running now (for its slow paths: they set pc from it). */
  blockEntryPc(): number {
    return this.stF64[0];
  }

  private updateXlate(): void {
    const mode = this.c[2 * C_SATP + 1] >>> 28;
    const ms = this.mstatus;
    const effD = (this.priv === PRV_M && (ms & MS_MPRV)) ? (ms & MS_MPP) >>> MS_MPP_SHIFT : this.priv;
    this.pagingI = mode !== 0 && this.priv !== PRV_M;
    this.pagingD = mode !== 0 && effD !== PRV_M;
    // with PMP active every access goes through the TLB, whose fill checks PMP (bare: identity)
    // (M-mode skips them when no M access can fail: pmp.mFree)
    const pmp = this.pmp, pmpOn = pmp.active !== 0;
    this.xlateI = this.pagingI || (pmpOn && !(this.priv === PRV_M && pmp.mFree));
    this.xlateD = this.pagingD || (pmpOn && !(effD === PRV_M && pmp.mFree));
    this.effPrivD = effD;
    this.st32[ST_XLATE_D >>> 2] = this.xlateD ? 1 : 0;
    this.flushTlb();
  }

  private pmpChanged(): void {
    this.pmp.update();
    this.updateXlate(); // flushes the TLB and the fetch page: their PMP checks are stale
  }

  /**
   * The physical address of a data or fetch access, less RAM_BASE: the offset into RAM when it is
   * RAM, and, for any address below 4 GiB, an int32, which V8 returns without allocating (a
   * physical address itself is beyond 2^31 for all of RAM: a heap number per access).
   */
  private translate(lo: number, hi: number, acc: number, size: number): number {
    const key = hi * 1048576 + (lo >>> 12);
    const idx = acc * TLB_SIZE + ((lo >>> 12) & (TLB_SIZE - 1));
    if (this.tlbTag[idx] === key) return this.tlbPa[idx] - RAM_BASE + (lo & 0xfff);
    return this.fill(lo, hi, acc, size, key, idx);
  }

  /**
   * TLB miss: translate (or identity when paging is off), then check PMP for the physical page.
   * A page PMP allows as a whole is cached; one an entry edge cuts is checked access by access.
   */
  private fill(lo: number, hi: number, acc: number, size: number, key: number, idx: number): number {
    const paging = acc === ACC_FETCH ? this.pagingI : this.pagingD;
    let pagePa: number;
    if (paging) pagePa = this.walk(lo, hi, acc);
    else {
      if (hi !== 0) this.accessFault(acc, lo, hi);
      pagePa = (lo >>> 0) - (lo & 0xfff);
    }
    const pmp = this.pmp;
    if (pmp.active !== 0) {
      const priv = acc === ACC_FETCH ? this.priv : this.effPrivD;
      const r = pmp.pageResult(pagePa, acc, priv);
      if (r === PMP_DENY) this.accessFault(acc, lo, hi);
      if (r !== PMP_ALLOW) { // an entry edge inside the page: check this access, cache nothing
        if (!pmp.check(pagePa + (lo & 0xfff), size, acc, priv)) this.accessFault(acc, lo, hi);
        if (acc === ACC_FETCH) this.fetchUncached = true;
        return pagePa - RAM_BASE + (lo & 0xfff);
      }
    }
    this.tlbTag[idx] = key;
    this.tlbPa[idx] = pagePa;
    this.tlbUsed = true;
    return pagePa - RAM_BASE + (lo & 0xfff);
  }

  private pageFault(acc: number, lo: number, hi: number): never {
    this.raise(acc === ACC_FETCH ? EXC.instrPage : acc === ACC_LOAD ? EXC.loadPage : EXC.storePage, lo, hi);
  }
  private accessFault(acc: number, lo: number, hi: number): never {
    this.raise(acc === ACC_FETCH ? EXC.instrAccess : acc === ACC_LOAD ? EXC.loadAccess : EXC.storeAccess, lo, hi);
  }

  /** Sv39/Sv48 walk: the physical page of a virtual address (page-table reads are PMP-checked as S-mode loads). */
  private walk(lo: number, hi: number, acc: number): number {
    const c = this.c;
    const satpLo = c[2 * C_SATP], satpHi = c[2 * C_SATP + 1];
    const mode = satpHi >>> 28;
    const levels = mode === 8 ? 3 : 4;
    // the upper bits must sign-extend the top VA bit
    if (mode === 8) { if ((hi >> 6) !== ((hi << 25) >> 31)) this.pageFault(acc, lo, hi); }
    else if ((hi >> 15) !== ((hi << 16) >> 31)) this.pageFault(acc, lo, hi);
    const priv = acc === ACC_FETCH ? this.priv : this.effPrivD;
    const vaBits = (hi & 0xffff) * TWO32 + (lo >>> 0);
    let a = ((satpHi & 0xfff) * TWO32 + (satpLo >>> 0)) * 4096;
    for (let level = levels - 1; level >= 0; level--) {
      const vpn = Math.floor(vaBits / 2 ** (12 + 9 * level)) % 512;
      const pteAddr = a + vpn * 8;
      const po = pteAddr - RAM_BASE;
      if (!(po >= 0 && po + 8 <= this.ramSize)) this.accessFault(acc, lo, hi);
      if (this.pmp.active !== 0 && !this.pmp.check(pteAddr, 8, ACC_LOAD, PRV_S)) this.accessFault(acc, lo, hi);
      const k = po >>> 2;
      let pl = this.ram32[k];
      const ph = this.ram32[k + 1];
      if (!(pl & 1) || ((pl & 6) === 4) || (ph >>> 22) !== 0) this.pageFault(acc, lo, hi);
      const ppn = (ph & 0x3fffff) * 1048576 + (pl >>> 10); // 44-bit PPN
      if ((pl & 0xa) === 0) { // pointer to next level
        if (level === 0) this.pageFault(acc, lo, hi);
        a = ppn * 4096;
        continue;
      }
      // leaf: permission checks
      const isU = (pl & 16) !== 0;
      if (priv === PRV_U) { if (!isU) this.pageFault(acc, lo, hi); }
      else if (isU && (acc === ACC_FETCH || !(this.mstatus & MS_SUM))) this.pageFault(acc, lo, hi);
      if (acc === ACC_FETCH) { if (!(pl & 8)) this.pageFault(acc, lo, hi); }
      else if (acc === ACC_LOAD) { if (!(pl & 2) && !((this.mstatus & MS_MXR) && (pl & 8))) this.pageFault(acc, lo, hi); }
      else if (!(pl & 4)) this.pageFault(acc, lo, hi);
      // superpage alignment
      const span = 2 ** (9 * level); // in pages
      if (level > 0 && ppn % span !== 0) this.pageFault(acc, lo, hi);
      // hardware A/D update (as QEMU does)
      const need = 0x40 | (acc === ACC_STORE ? 0x80 : 0);
      if ((pl & need) !== need) { pl |= need; this.ram32[k] = pl; }
      const vpnLow = Math.floor(vaBits / 4096) % span;
      return (ppn + vpnLow) * 4096;
    }
    return this.pageFault(acc, lo, hi);
  }
}

function pickIrq(bits: number): number {
  if (bits & (1 << 11)) return 11;
  if (bits & (1 << 3)) return 3;
  if (bits & (1 << 7)) return 7;
  if (bits & (1 << 9)) return 9;
  if (bits & (1 << 1)) return 1;
  if (bits & (1 << 5)) return 5;
  return 31 - Math.clz32(bits);
}

function sdBit(ms: number): boolean {
  return (ms & MS_FS) === MS_FS || (ms & MS_XS) === MS_XS;
}

function setPair(c: Int32Array, slot: number, v: number): void {
  c[2 * slot] = v | 0;
  c[2 * slot + 1] = Math.floor(v / TWO32) | 0;
}
function pairNum(c: Int32Array, slot: number): number {
  return c[2 * slot + 1] * TWO32 + (c[2 * slot] >>> 0);
}

export { PRV_M, PRV_S, PRV_U };
