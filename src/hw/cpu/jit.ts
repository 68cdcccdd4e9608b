/**
 * Block compiler: a run of instructions that is executed often (a loop body, a hot function)
 * is translated into a WebAssembly function, which V8 compiles to machine code at once
 * (Liftoff) and runs at full speed from its first call. JavaScript functions generated per
 * block, the previous design, started in V8's bytecode interpreter and needed thousands of
 * calls before V8 optimized them, slower than the interpreter they replaced for code that runs
 * a few thousand times, which is most of a firmware boot (bench/cpu/RESULTS.md).
 *
 * Blocks live in one physical page, end at the first jump (a conditional branch is a side
 * exit: the block continues on its fall-through path), and contain only instructions whose
 * effects are registers and memory (ALU, M, loads, stores, branches, jumps); CSR, system,
 * atomic and FP instructions stay in the interpreter. Addresses in a block are relative to the
 * virtual pc it is entered at (the same physical page may be mapped twice).
 *
 * A block is `(state: i32) => i32`: state is the byte offset of the hart's state block in guest
 * memory (hart-state.ts), where the registers live as 64-bit values and the caller puts the
 * block's entry pc at ST_PC. It stores the number of instructions it executed at ST_DONE and
 * returns the distance to the next pc; an indirect jump stores its target at ST_PC and returns FAR.
 *
 * Blocks sit in one WebAssembly table and are only called by the dispatcher (runtimeModule),
 * which goes from block to block through a per-hart jump cache (pc -> table slot) without
 * returning to JavaScript; the interpreter calls the dispatcher when it reaches a block, after
 * putting that block in the jump cache. Blocks that become hot in the same stretch of execution
 * are compiled together, as one module (batchModule).
 *
 * Loads and stores take a fast path inside the block when the access hits RAM through the TLB
 * (or untranslated), aligned, and, for stores, outside pages compiled code came from; anything
 * else calls back into the hart (the `load`, `store` slow paths), which first sets the hart's pc to
 * the instruction's, so a trap leaves the hart exactly as the interpreter would. A store that
 * reached a device ends the block, so a raised interrupt is taken at once, and so does any slow
 * access after which the hart is asked to stop (a console poll going to sleep, a pause).
 */
import { CODE_MAP_OFFSET, HART_STATE_BYTES, RAM_BASE, RAM_OFFSET, type AddressSpace } from '../memory/address-space.ts';
import { RVC_TABLE, RVC_UNSEEN, rvcFill } from './rvc.ts';
import { muldiv64, muldiv32, out as mdOut } from './muldiv.ts';
import type { Hart } from './hart.ts';
import { ACC_LOAD, ACC_STORE, JC_SIZE, ST_DONE, ST_END, ST_JC_SLOT, ST_JC_TAG, ST_LEAVE, ST_PC, ST_RUN_DONE, ST_TLB_PA, ST_TLB_TAG, ST_XLATE_D, TLB_SIZE } from './hart-state.ts';
import { F64, I32, I64, MAGIC, Op, VOID, f64Bytes, funcBody, name, section, sleb, uleb, vec, writeSleb, writeUleb } from './wasm-encoding.ts';

/** Returned by a block whose next pc is at ST_PC (indirect jumps). */
export const FAR = -0x80000000;

const MAX_INSNS = 48;

// --- the module every block is compiled into -------------------------------------------------
// function indices in a batch module: the address helper, then the blocks
const F_EA = 0;
// type indices
const T_BLOCK = 0, T_EA = 1, T_LOAD = 2, T_STORE = 3, T_MULDIV = 4, T_DISPATCH = 5;
/** Table slots of the slow paths (runtimeModule); blocks have the slots after them. */
const SLOT_LOAD = 0, SLOT_STORE = 1, SLOT_MULDIV = 2, SLOTS = 3;
// block locals: param state (i32); then the entry pc (f64), an i64 and an i32 scratch, and the
// instructions executed by earlier passes of a block that loops to its own start
const L_ST = 0, L_PC0 = 1, L_A = 2, L_P = 3, L_DONE = 4;
/**
 * A block that jumps back to its own start loops inside WebAssembly (a tight guest loop costs
 * no return to the interpreter per iteration) for at most this many instructions per call.
 */
const LOOP_LIMIT = 4096;

/** memarg: alignment hint 0 (guest accesses are checked, not assumed, aligned) and offset. */
const mem = (offset: number): number[] => [0, ...uleb(offset)];

/**
 * The address helper: (state, lo, hi, acc, sizeMinus1, isStore) -> byte address in guest memory
 * of a RAM access, or 0 when the access needs the hart's slow path (TLB miss, a device, a
 * misaligned access, a store into a page compiled code came from). Mirrors Hart.translate and
 * the RAM test of the hart's loads and stores.
 */
function eaBody(ramSize: number): number[] {
  const P_ST = 0, P_LO = 1, P_HI = 2, P_ACC = 3, P_SZM1 = 4, P_STORE = 5, L_OFF = 6, L_IDX = 7, L_PF = 8;
  const slow = [Op.if, VOID, Op.i32_const, 0, Op.return, Op.end];
  const code = [
    Op.local_get, P_ST, Op.i32_load, ...mem(ST_XLATE_D),
    Op.if, VOID,
    // TLB entry: state + 8 * (acc * TLB_SIZE + (vpn & (TLB_SIZE - 1))), as Hart.translate's
    Op.local_get, P_ACC, Op.i32_const, ...sleb(TLB_SIZE), Op.i32_mul,
    Op.local_get, P_LO, Op.i32_const, 12, Op.i32_shr_u, Op.i32_const, ...sleb(TLB_SIZE - 1), Op.i32_and, Op.i32_add,
    Op.i32_const, 3, Op.i32_shl, Op.local_get, P_ST, Op.i32_add, Op.local_set, L_IDX,
    // tag = hi * 2^20 + (lo >>> 12), as Hart.translate computes it
    Op.local_get, L_IDX, Op.f64_load, ...mem(ST_TLB_TAG),
    Op.local_get, P_HI, Op.f64_convert_i32_s, Op.f64_const, ...f64Bytes(1048576), Op.f64_mul,
    Op.local_get, P_LO, Op.i32_const, 12, Op.i32_shr_u, Op.f64_convert_i32_u, Op.f64_add,
    Op.f64_ne, ...slow,
    Op.local_get, L_IDX, Op.f64_load, ...mem(ST_TLB_PA), Op.f64_const, ...f64Bytes(RAM_BASE), Op.f64_sub, Op.local_tee, L_PF,
    Op.f64_const, ...f64Bytes(0), Op.f64_lt, ...slow,
    Op.local_get, L_PF, Op.f64_const, ...f64Bytes(ramSize), Op.f64_ge, ...slow,
    Op.local_get, L_PF, Op.i32_trunc_f64_u, Op.local_get, P_LO, Op.i32_const, ...sleb(0xfff), Op.i32_and, Op.i32_or, Op.local_set, L_OFF,
    Op.else,
    Op.local_get, P_HI, ...slow,
    Op.local_get, P_LO, Op.i32_const, ...sleb(RAM_BASE), Op.i32_sub, Op.local_tee, L_OFF,
    Op.i32_const, ...sleb(ramSize), Op.i32_ge_u, ...slow,
    Op.end,
    Op.local_get, L_OFF, Op.local_get, P_SZM1, Op.i32_and, ...slow,
    Op.local_get, P_STORE, Op.if, VOID,
    Op.local_get, L_OFF, Op.i32_const, 12, Op.i32_shr_u, Op.i32_load8_u, ...mem(CODE_MAP_OFFSET), ...slow,
    Op.end,
    Op.local_get, L_OFF, Op.i32_const, ...sleb(RAM_OFFSET), Op.i32_add,
  ];
  return funcBody([[2, I32], [1, F64]], code);
}

/** The function types of block modules and of the runtime module (same indices in both). */
function typeSection(): number[] {
  return section(1, vec([
    [0x60, ...vec([[I32]]), ...vec([[I32]])], // block(state) -> delta
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), ...vec([[I32]])], // address helper
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), ...vec([[I32]])], // load(state, f3, rd, lo, hi, d) -> leave
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32]]), ...vec([[I32]])], // store(state, f3, lo, hi, vlo, vhi, d) -> leave
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])], // muldiv(state, op, rd, rs1, rs2)
    [0x60, ...vec([[I32], [I32]]), ...vec([[I32]])], // dispatch(state, budget) -> instructions
  ]));
}

/**
 * The start of every batch module, up to its function section: types, and the imports of guest
 * memory (e.m), the blocks' table (e.t) and the slot of its first block there (e.base).
 */
const BATCH_HEAD = new Uint8Array([
  ...MAGIC, ...typeSection(),
  ...section(2, vec([
    [...name('e'), ...name('m'), 0x02, 0x00, 0x00], // memory, no minimum: the guest memory
    [...name('e'), ...name('t'), 0x01, 0x70, 0x00, 0x00], // the table of slow paths and blocks
    [...name('e'), ...name('base'), 0x03, I32, 0x00], // immutable i32
  ])),
]);

/**
 * A module of k blocks: the address helper (function 0) and blocks 1..k, which an element
 * segment puts into the table at slots base..base+k-1 when it is instantiated (no exports: a
 * block is only ever called by the dispatcher). `bodies` are the blocks' function bodies,
 * `eaCode` the helper's.
 */
function batchModule(bodies: Uint8Array[], eaCode: Uint8Array): Uint8Array<ArrayBuffer> {
  const k = bodies.length;
  const kLeb = uleb(k), k1Leb = uleb(k + 1);
  // function section: k + 1 functions, T_EA then T_BLOCK each
  const funcsLen = k1Leb.length + k + 1;
  // element segment 0 (active, table 0): offset global.get 0, functions 1..k
  const elems: number[] = [1, 0x00, 0x23, 0, Op.end, ...kLeb];
  for (let j = 1; j <= k; j++) elems.push(...uleb(j));
  let payload = k1Leb.length + eaCode.length;
  for (const b of bodies) payload += uleb(b.length).length + b.length;
  const total = BATCH_HEAD.length + 1 + uleb(funcsLen).length + funcsLen + 1 + uleb(elems.length).length + elems.length +
    1 + uleb(payload).length + payload;
  const bytes = new Uint8Array(total);
  bytes.set(BATCH_HEAD, 0);
  let p = BATCH_HEAD.length;
  bytes[p++] = 3; p = writeUleb(bytes, p, funcsLen); p = writeUleb(bytes, p, k + 1);
  bytes[p++] = T_EA;
  for (let j = 0; j < k; j++) bytes[p++] = T_BLOCK;
  bytes[p++] = 9; p = writeUleb(bytes, p, elems.length); bytes.set(elems, p); p += elems.length;
  bytes[p++] = 10; p = writeUleb(bytes, p, payload); p = writeUleb(bytes, p, k + 1);
  bytes.set(eaCode, p); p += eaCode.length;
  for (const b of bodies) {
    p = writeUleb(bytes, p, b.length);
    bytes.set(b, p); p += b.length;
  }
  return bytes;
}

/**
 * The runtime every block module links to. It imports the slow paths (load, store, muldiv,
 * JavaScript) and puts a WebAssembly function calling each at table slots 0-2: a module that
 * imports JavaScript functions costs V8 a compiled wrapper per import, ~250 of the ~350 us a
 * one-block module took to compile; through the table, none. And it exports the dispatcher:
 *
 *   dispatch(state, budget): runs the block for the pc at ST_PC, then the block for the next pc,
 *   and so on, as long as the jump cache has a block for the pc, until `budget` instructions are
 *   done or a slow path asks to leave (ST_LEAVE). Returns the instructions done, with the next pc
 *   at ST_PC. Going from block to block without returning to JavaScript is the point: a call
 *   from JavaScript into WebAssembly costs more than a short block.
 */
function runtimeModule(): Uint8Array<ArrayBuffer> {
  const types = [T_LOAD, T_STORE, T_MULDIV], params = [6, 7, 5];
  const imports = section(2, vec([
    [...name('e'), ...name('m'), 0x02, 0x00, 0x00],
    [...name('e'), ...name('t'), 0x01, 0x70, 0x00, SLOTS],
    ...['load', 'store', 'muldiv'].map((n, k) => [...name('e'), ...name(n), 0x00, types[k]]),
  ]));
  // functions: imports 0-2, their callers 3-5, dispatch 6
  const F_DISPATCH = 6;
  const funcs = section(3, vec([...types.map((t) => [t]), [T_DISPATCH]]));
  const exports = section(7, vec([[...name('dispatch'), 0x00, F_DISPATCH]]));
  const elems = section(9, vec([[0x00, Op.i32_const, 0, Op.end, ...vec(types.map((_, k) => [3 + k]))]]));
  const callers = types.map((_, k) => {
    const body: number[] = [];
    for (let a = 0; a < params[k]; a++) body.push(Op.local_get, a);
    body.push(Op.call, k);
    return funcBody([], body);
  });
  // dispatch: params state (0), budget (1); locals pc (2, f64), entry (3), done (4), delta (5), low (6)
  const S = 0, BUDGET = 1, PC = 2, E = 3, DONE = 4, DELTA = 5, LOW = 6;
  const ifThenReturnDone = [Op.if, VOID, Op.local_get, DONE, Op.return, Op.end];
  const dispatch = funcBody([[1, F64], [4, I32]], [
    Op.local_get, S, Op.i32_const, 0, Op.i32_store, ...mem(ST_RUN_DONE),
    Op.local_get, S, Op.f64_load, ...mem(ST_PC), Op.local_set, PC,
    Op.loop, VOID,
    // the jump cache entry: jumpSlot(low word of pc)
    Op.local_get, PC, Op.i64_trunc_f64_s, Op.i32_wrap_i64, Op.local_tee, LOW,
    Op.i32_const, 1, Op.i32_shr_u, Op.local_get, LOW, Op.i32_const, 9, Op.i32_shr_u, Op.i32_xor,
    Op.i32_const, ...sleb(JC_SIZE - 1), Op.i32_and, Op.local_set, E,
    // no block for this pc: back to the interpreter
    Op.local_get, E, Op.i32_const, 3, Op.i32_shl, Op.local_get, S, Op.i32_add, Op.f64_load, ...mem(ST_JC_TAG),
    Op.local_get, PC, Op.f64_ne, ...ifThenReturnDone,
    Op.local_get, S,
    Op.local_get, E, Op.i32_const, 2, Op.i32_shl, Op.local_get, S, Op.i32_add, Op.i32_load, ...mem(ST_JC_SLOT),
    Op.call_indirect, T_BLOCK, 0x00,
    Op.local_set, DELTA,
    Op.local_get, S,
    Op.local_get, DONE, Op.local_get, S, Op.i32_load, ...mem(ST_DONE), Op.i32_add, Op.local_tee, DONE,
    Op.i32_store, ...mem(ST_RUN_DONE),
    // the next pc: the block's target (FAR) or pc + delta, at ST_PC for the next block or the caller
    Op.local_get, DELTA, Op.i32_const, ...sleb(FAR), Op.i32_eq,
    Op.if, VOID,
    Op.local_get, S, Op.f64_load, ...mem(ST_PC), Op.local_set, PC,
    Op.else,
    Op.local_get, PC, Op.local_get, DELTA, Op.f64_convert_i32_s, Op.f64_add, Op.local_set, PC,
    Op.local_get, S, Op.local_get, PC, Op.f64_store, ...mem(ST_PC),
    Op.end,
    Op.local_get, S, Op.i32_load, ...mem(ST_LEAVE),
    Op.if, VOID, Op.local_get, S, Op.i32_const, 0, Op.i32_store, ...mem(ST_LEAVE), Op.local_get, DONE, Op.return, Op.end,
    Op.local_get, DONE, Op.local_get, BUDGET, Op.i32_lt_s, Op.br_if, 0,
    Op.end,
    Op.local_get, DONE,
  ]);
  const code = section(10, vec([...callers, dispatch]));
  return new Uint8Array([...MAGIC, ...typeSection(), ...imports, ...funcs, ...exports, ...elems, ...code]);
}

/** A block's code as it is generated: bytes appended to one reused buffer. */
class Code {
  readonly buf = new Uint8Array(16384);
  n = 0;
  op(b: number): void { this.buf[this.n++] = b; }
  op2(a: number, b: number): void { this.buf[this.n++] = a; this.buf[this.n++] = b; }
  uleb(v: number): void { this.n = writeUleb(this.buf, this.n, v); }
  sleb(v: number): void { this.n = writeSleb(this.buf, this.n, v); }
  f64c(v: number): void { this.op(Op.f64_const); for (const b of f64Bytes(v)) this.op(b); }
  i32c(v: number): void { this.op(Op.i32_const); this.sleb(v); }
  /** i64.const of a sign-extended 32-bit value. */
  i64c(v: number): void { this.op(Op.i64_const); this.sleb(v); }
  /** Memory access opcode with alignment hint 0 and a byte offset. */
  mem(opcode: number, offset: number): void { this.op2(opcode, 0); this.uleb(offset); }
  get(local: number): void { this.op2(Op.local_get, local); }
  /** Call slow path `slot` (of function type `type`) through the slow paths' table. */
  slow(slot: number, type: number): void { this.i32c(slot); this.op(Op.call_indirect); this.uleb(type); this.op(0); }
  /** Push register r as i64. */
  x(r: number): void { if (r === 0) this.op2(Op.i64_const, 0); else { this.get(L_ST); this.mem(Op.i64_load, 8 * r); } }
  /** Push the low word of register r. */
  x32(r: number): void { if (r === 0) this.op2(Op.i32_const, 0); else { this.get(L_ST); this.mem(Op.i32_load, 8 * r); } }
  /** Store the i64 on the stack (pushed after a `local.get state`) into register r. */
  setX(r: number): void { this.mem(Op.i64_store, 8 * r); }
  /** Record `count` more instructions done and return `delta`. */
  exit(count: number, delta: number): void {
    this.get(L_ST); this.get(L_DONE); this.i32c(count); this.op(Op.i32_add); this.mem(Op.i32_store, ST_DONE);
    this.i32c(delta); this.op(Op.return);
  }
  /**
   * Jump back to the block's start (`br depth` reaches the block's loop) after `count` more
   * instructions, or return to the interpreter at the start when LOOP_LIMIT is reached.
   */
  loopBack(count: number, depth: number): void {
    this.get(L_DONE); this.i32c(count); this.op(Op.i32_add); this.op2(Op.local_tee, L_DONE);
    this.i32c(LOOP_LIMIT); this.op(Op.i32_lt_u); this.op2(Op.br_if, depth);
    this.get(L_ST); this.get(L_DONE); this.mem(Op.i32_store, ST_DONE);
    this.i32c(0); this.op(Op.return);
  }
  /** Push pc0 + k as i64 (an address relative to the block's entry). */
  pcPlus(k: number): void { this.get(L_PC0); this.f64c(k); this.op(Op.f64_add); this.op(Op.i64_trunc_f64_s); }
  /** Push the low and high words of local A (an effective address). */
  addrHalves(): void {
    this.get(L_A); this.op(Op.i32_wrap_i64);
    this.get(L_A); this.op2(Op.i64_const, 32); this.op(Op.i64_shr_u); this.op(Op.i32_wrap_i64);
  }
}

const LOAD_OPS = [Op.i64_load8_s, Op.i64_load16_s, Op.i64_load32_s, Op.i64_load, Op.i64_load8_u, Op.i64_load16_u, Op.i64_load32_u];
const STORE_OPS = [Op.i64_store8, Op.i64_store16, Op.i64_store32, Op.i64_store];
const SIZE_M1 = [0, 1, 3, 7, 0, 1, 3];
const BRANCH_OPS = [Op.i64_eq, Op.i64_ne, -1, -1, Op.i64_lt_s, Op.i64_ge_s, Op.i64_lt_u, Op.i64_ge_u];
const OP_OPS = [Op.i64_add, Op.i64_shl, -1, -1, Op.i64_xor, Op.i64_shr_u, Op.i64_or, Op.i64_and];
const OPIMM_OPS = [Op.i64_add, Op.i64_shl, Op.i64_lt_s, Op.i64_lt_u, Op.i64_xor, -1, Op.i64_or, Op.i64_and];

/** Can the block compiler translate this instruction? (Everything else ends a block before it.) */
function compilable(insn: number): boolean {
  const f3 = (insn >>> 12) & 7, f7 = insn >>> 25;
  switch (insn & 0x7f) {
    case 0x37: case 0x17: case 0x6f: return true;
    case 0x67: return f3 === 0;
    case 0x63: return BRANCH_OPS[f3] >= 0;
    case 0x03: return f3 !== 7;
    case 0x23: return f3 <= 3;
    case 0x13: return f3 === 1 ? (insn >>> 26) === 0 : f3 === 5 ? ((insn >>> 26) === 0 || (insn >>> 26) === 0x10) : true;
    case 0x1b: return f3 === 0 || (f3 === 1 && f7 === 0) || (f3 === 5 && (f7 === 0 || f7 === 0x20));
    case 0x33: return f7 === 1 || f7 === 0 || (f7 === 0x20 && (f3 === 0 || f3 === 5));
    case 0x3b: return (f7 === 0 && (f3 === 0 || f3 === 1 || f3 === 5)) || (f7 === 0x20 && (f3 === 0 || f3 === 5)) || (f7 === 1 && (f3 === 0 || f3 >= 4));
    default: return false; // fence, system, atomics, FP, illegal: interpreter
  }
}

/**
 * Emit one (compilable) instruction at byte offset d of the block, the count-th; returns true
 * if it ends the block.
 */
function gen(c: Code, insn: number, d: number, ilen: number, count: number): boolean {
  const rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31;
  const f3 = (insn >>> 12) & 7, f7 = insn >>> 25;
  const next = d + ilen;
  switch (insn & 0x7f) {
    case 0x37: // lui
      if (rd !== 0) { c.get(L_ST); c.i64c(insn & 0xfffff000); c.setX(rd); }
      return false;
    case 0x17: // auipc
      if (rd !== 0) { c.get(L_ST); c.pcPlus(d + (insn & 0xfffff000)); c.setX(rd); }
      return false;
    case 0x6f: { // jal
      const imm = ((insn >> 31) << 20) | (((insn >>> 21) & 0x3ff) << 1) | (((insn >>> 20) & 1) << 11) | (insn & 0xff000);
      if (rd !== 0) { c.get(L_ST); c.pcPlus(next); c.setX(rd); }
      if (d + imm === 0) c.loopBack(count, 0);
      else c.exit(count, d + imm);
      return true;
    }
    case 0x67: // jalr: the target is taken before the link is written (rd may be rs1)
      c.x(rs1); c.i64c(insn >> 20); c.op(Op.i64_add); c.i64c(-2); c.op(Op.i64_and); c.op2(Op.local_set, L_A);
      if (rd !== 0) { c.get(L_ST); c.pcPlus(next); c.setX(rd); }
      c.get(L_ST); c.get(L_A); c.op(Op.f64_convert_i64_s); c.mem(Op.f64_store, ST_PC);
      c.exit(count, FAR);
      return true;
    case 0x63: { // a side exit: the block goes on along the fall-through path
      const imm = ((insn >> 31) << 12) | (((insn >>> 25) & 0x3f) << 5) | (((insn >>> 8) & 0xf) << 1) | (((insn >>> 7) & 1) << 11);
      c.x(rs1); c.x(rs2); c.op(BRANCH_OPS[f3]);
      c.op2(Op.if, VOID);
      if (d + imm === 0) c.loopBack(count, 1); else c.exit(count, d + imm);
      c.op(Op.end);
      return false;
    }
    case 0x03: // loads
      c.x(rs1); c.i64c(insn >> 20); c.op(Op.i64_add); c.op2(Op.local_set, L_A);
      c.get(L_ST); c.addrHalves(); c.i32c(ACC_LOAD); c.i32c(SIZE_M1[f3]); c.i32c(0); c.op2(Op.call, F_EA);
      c.op2(Op.local_tee, L_P);
      c.op2(Op.if, VOID);
      if (rd !== 0) { c.get(L_ST); c.get(L_P); c.mem(LOAD_OPS[f3], 0); c.setX(rd); }
      c.op(Op.else);
      c.get(L_ST); c.i32c(f3); c.i32c(rd); c.addrHalves(); c.i32c(d); c.slow(SLOT_LOAD, T_LOAD);
      c.op2(Op.if, VOID); c.exit(count, next); c.op(Op.end);
      c.op(Op.end);
      return false;
    case 0x23: { // stores
      const imm = ((insn >> 25) << 5) | ((insn >>> 7) & 0x1f);
      c.x(rs1); c.i64c(imm); c.op(Op.i64_add); c.op2(Op.local_set, L_A);
      c.get(L_ST); c.addrHalves(); c.i32c(ACC_STORE); c.i32c(SIZE_M1[f3]); c.i32c(1); c.op2(Op.call, F_EA);
      c.op2(Op.local_tee, L_P);
      c.op2(Op.if, VOID);
      c.get(L_P); c.x(rs2); c.mem(STORE_OPS[f3], 0);
      c.op(Op.else);
      c.get(L_ST); c.i32c(f3); c.addrHalves();
      c.x(rs2); c.op(Op.i32_wrap_i64); c.x(rs2); c.op2(Op.i64_const, 32); c.op(Op.i64_shr_u); c.op(Op.i32_wrap_i64);
      c.i32c(d); c.slow(SLOT_STORE, T_STORE);
      // a device register was written: leave the block so a raised interrupt is taken now
      c.op2(Op.if, VOID); c.exit(count, next); c.op(Op.end);
      c.op(Op.end);
      return false;
    }
    case 0x13: { // op-imm
      if (rd === 0) return false;
      const imm = insn >> 20;
      c.get(L_ST); c.x(rs1);
      if (f3 === 1 || f3 === 5) {
        c.i64c(imm & 63); c.op(f3 === 1 ? Op.i64_shl : (insn >>> 26) === 0 ? Op.i64_shr_u : Op.i64_shr_s);
      } else {
        c.i64c(imm); c.op(OPIMM_OPS[f3]);
        if (f3 === 2 || f3 === 3) c.op(Op.i64_extend_i32_u);
      }
      c.setX(rd);
      return false;
    }
    case 0x1b: { // op-imm-32
      if (rd === 0) return false;
      const imm = insn >> 20;
      c.get(L_ST); c.x32(rs1);
      if (f3 === 0) { c.i32c(imm); c.op(Op.i32_add); } else { c.i32c(imm & 31); c.op(f3 === 1 ? Op.i32_shl : f7 === 0 ? Op.i32_shr_u : Op.i32_shr_s); }
      c.op(Op.i64_extend_i32_s); c.setX(rd);
      return false;
    }
    case 0x33: // op
      if (f7 === 1 && f3 !== 0) { // mulh*, div, rem: in the hart's arithmetic (muldiv.ts)
        c.get(L_ST); c.i32c(f3); c.i32c(rd); c.i32c(rs1); c.i32c(rs2); c.slow(SLOT_MULDIV, T_MULDIV);
        return false;
      }
      if (rd === 0) return false;
      c.get(L_ST); c.x(rs1); c.x(rs2);
      if (f7 === 1) c.op(Op.i64_mul);
      else if (f7 === 0x20) c.op(f3 === 0 ? Op.i64_sub : Op.i64_shr_s);
      else if (f3 === 2 || f3 === 3) { c.op(f3 === 2 ? Op.i64_lt_s : Op.i64_lt_u); c.op(Op.i64_extend_i32_u); }
      else c.op(OP_OPS[f3]);
      c.setX(rd);
      return false;
    case 0x3b: // op-32
      if (f7 === 1 && f3 !== 0) {
        c.get(L_ST); c.i32c(8 | f3); c.i32c(rd); c.i32c(rs1); c.i32c(rs2); c.slow(SLOT_MULDIV, T_MULDIV);
        return false;
      }
      if (rd === 0) return false;
      c.get(L_ST); c.x32(rs1); c.x32(rs2);
      if (f7 === 1) c.op(Op.i32_mul);
      else if (f7 === 0x20) c.op(f3 === 0 ? Op.i32_sub : Op.i32_shr_s);
      else c.op(f3 === 0 ? Op.i32_add : f3 === 1 ? Op.i32_shl : Op.i32_shr_u);
      c.op(Op.i64_extend_i32_s); c.setX(rd);
      return false;
  }
  return false;
}

const code = new Code();

/**
 * The function body of the block starting at byte `off` of a RAM page whose first halfword is at
 * ram16[base16], the number of instructions in it and their length in bytes; null if the first
 * instruction cannot start a block.
 */
function blockBody(ram16: Uint16Array, base16: number, off: number): { body: Uint8Array; n: number; len: number } | null {
  const c = code;
  c.n = 0;
  c.op2(3, 1); c.op(F64); c.op(1); c.op(I64); c.op2(2, I32); // locals: f64 PC0, i64 A, i32 P and DONE
  c.get(L_ST); c.mem(Op.f64_load, ST_PC); c.op2(Op.local_set, L_PC0);
  c.op2(Op.loop, VOID); // the target of jumps back to the start
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
    if (!compilable(insn)) break;
    ended = gen(c, insn, d, ilen, n + 1);
    d += ilen;
    n++;
  }
  if (n === 0) return null;
  if (!ended) c.exit(n, d);
  c.op(Op.end); // of the loop
  c.op(Op.unreachable); // every path has returned
  c.op(Op.end);
  return { body: c.buf.slice(0, c.n), n, len: d };
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
  /** Per RAM page: the table slot of the block starting at each halfword (0: none). */
  private readonly blocks: Int32Array[];
  private readonly hot: Uint16Array[];
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  private readonly kills: Uint8Array;
  private readonly codeMap: Uint8Array;
  /** RAM offsets of the blocks queued or being compiled in the background. */
  private readonly pending = new Set<number>();
  /** Compilations started per page: a block compiled before its page was last dropped is stale. */
  private readonly generation: Uint32Array;
  /** Executions before compiling (tests lower it to exercise the compiler on short guests). */
  threshold = HOT;
  /**
   * Compile on the spot instead of in the background (tests: a short guest may end before a
   * background compilation is done).
   */
  synchronous = false;
  /** Blocks compiled so far. */
  compiled = 0;
  /** Harts by state block (hartId), for the slow paths. */
  private readonly harts: Hart[] = [];
  private readonly eaCode: Uint8Array;
  /** Blocks waiting for flush(), each with its page's generation when it was made. */
  private queue: { off: number; gen: number; body: Uint8Array }[] = [];
  /** Slow paths (slots 0-2) and blocks (the slots after them) for call_indirect. */
  private readonly table: WebAssembly.Table;
  private nextSlot = SLOTS;
  /** See runtimeModule. */
  readonly dispatch: (state: number, budget: number) => number;
  private readonly memory: WebAssembly.Memory;

  /** The block cache of an address space, or null when it has no WebAssembly memory (interpreter only). */
  static for(as: AddressSpace): BlockCache | null {
    if (as.memory === null) return null;
    let c = caches.get(as);
    if (!c) { c = new BlockCache(as, as.memory); caches.set(as, c); }
    return c;
  }

  private constructor(private readonly as: AddressSpace, memory: WebAssembly.Memory) {
    const pages = as.ramSize >>> 12;
    this.eaCode = new Uint8Array(eaBody(as.ramSize));
    this.generation = new Uint32Array(pages);
    this.memory = memory;
    this.table = new WebAssembly.Table({ element: 'anyfunc', initial: 256 });
    const runtime = new WebAssembly.Instance(new WebAssembly.Module(runtimeModule()), {
      e: { m: memory, t: this.table, ...slowPaths(this.harts, new Int32Array(memory.buffer)) },
    });
    this.dispatch = runtime.exports.dispatch as (state: number, budget: number) => number;
    this.blocks = new Array(pages);
    this.hot = new Array(pages);
    this.lo = new Int32Array(pages).fill(4096);
    this.hi = new Int32Array(pages);
    this.kills = new Uint8Array(pages);
    this.codeMap = as.codeMap;
    as.onCodeWrite = (off, len) => this.written(off, len);
  }

  /** Register a hart that runs this cache's blocks. */
  attach(h: Hart): void {
    this.harts[h.stateBase / HART_STATE_BYTES] = h;
  }

  /** Block slots of the RAM page at byte offset `off` (creating them). */
  blocksOf(off: number): Int32Array {
    const p = off >>> 12;
    return this.blocks[p] ??= new Int32Array(2048);
  }
  hotOf(off: number): Uint16Array {
    const p = off >>> 12;
    return this.hot[p] ??= new Uint16Array(2048);
  }

  /**
   * Compile the block at RAM offset `off`. Blocks that become hot are queued, and flush()
   * compiles the queue as one module on a background thread (V8's fixed cost per module is
   * several times a block's); the hart goes on interpreting meanwhile, and each block is
   * installed when its module is done, unless its page was written since. Code that reaches the
   * threshold again while its block is on the way (a tight loop: BSS clearing, a copy) is
   * compiled on the spot instead. Returns true if the block is installed already.
   */
  compile(off: number): boolean {
    const p = off >>> 12;
    if (this.kills[p] > 8) return false;
    const page = off - (off & 0xfff);
    const b = blockBody(this.as.ram16, page >>> 1, off & 0xfff);
    if (b === null) return false;
    // From now on a write to these bytes drops the page, and with it this compilation's result.
    const start = off & 0xfff;
    if (start < this.lo[p]) this.lo[p] = start;
    const end = start + b.len;
    if (end > this.hi[p]) this.hi[p] = end;
    this.codeMap[p] = 1;
    this.compiled++;
    const urgent = this.pending.delete(off);
    // The instructions after the first are in this block: while it compiles they are still
    // interpreted, and must not become hot and start blocks of their own. (A jump into the
    // middle of the block later still makes a block there, from a fresh count.)
    const hot = this.hotOf(off);
    for (let k = (start >>> 1) + 1; k < (start + b.len) >>> 1; k++) hot[k] = 0;
    if (this.synchronous || urgent) {
      const slot = this.instantiate(new WebAssembly.Module(batchModule([b.body], this.eaCode)), 1);
      this.blocksOf(off)[start >>> 1] = slot;
      return true;
    }
    this.pending.add(off);
    hot[start >>> 1] = 0; // count again: reaching the threshold while pending means urgent
    this.queue.push({ off, gen: this.generation[p], body: b.body });
    return false;
  }

  /** Blocks queued for the next flush(). */
  get queued(): number { return this.queue.length; }

  /** Start compiling the queued blocks (one module, in the background). */
  flush(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    WebAssembly.compile(batchModule(batch.map((b) => b.body), this.eaCode)).then(
      (module) => {
        let base = -1;
        batch.forEach(({ off, gen }, j) => {
          // compiled on the spot meanwhile (urgent), or its page written since: not this one
          if (!this.pending.has(off) || this.generation[off >>> 12] !== gen) return;
          this.pending.delete(off);
          if (base < 0) base = this.instantiate(module, batch.length);
          this.blocksOf(off)[(off & 0xfff) >>> 1] = base + j;
        });
      },
      (e: unknown) => { // generated code V8 refuses: a compiler bug; these pages stay interpreted
        for (const { off } of batch) { this.kills[off >>> 12] = 255; this.pending.delete(off); }
        if (!warned) { warned = true; process.emitWarning(`block compiler: ${String(e)}`); }
      },
    );
  }

  /** Instantiate a module of k blocks into k fresh table slots; returns the first. */
  private instantiate(module: WebAssembly.Module, k: number): number {
    const base = this.nextSlot;
    if (base + k > this.table.length) this.table.grow(Math.max(k, this.table.length));
    new WebAssembly.Instance(module, { e: { m: this.memory, t: this.table, base } });
    this.nextSlot = base + k;
    return base;
  }

  private written(off: number, len: number): void {
    const last = Math.min((off + len - 1) >>> 12, this.codeMap.length - 1);
    let dropped = false;
    for (let p = off >>> 12; p <= last; p++) {
      if (!this.codeMap[p]) continue;
      const base = p << 12;
      const o = Math.max(off, base) - base, e = Math.min(off + len, base + 4096) - base;
      if (e > this.lo[p] && o < this.hi[p]) { this.drop(p); dropped = true; }
    }
    if (dropped) this.forgetJumps();
  }

  /** The harts' jump caches may name dropped blocks: empty them. */
  private forgetJumps(): void {
    for (const h of this.harts) h?.forgetBlocks();
  }

  private drop(p: number): void {
    this.generation[p]++;
    this.blocks[p]?.fill(0);
    this.hot[p]?.fill(0);
    this.lo[p] = 4096; this.hi[p] = 0;
    this.codeMap[p] = 0;
    if (this.kills[p] < 255) this.kills[p]++;
  }

  /** Forget everything (machine reset). */
  clear(): void {
    this.pending.clear();
    this.queue = [];
    for (let p = 0; p < this.codeMap.length; p++) if (this.codeMap[p]) this.drop(p);
    this.forgetJumps();
    this.kills.fill(0);
    // Nothing names a block any more (and a compilation still under way is not installed: its
    // blocks are no longer pending), so their table slots can be given out again.
    this.nextSlot = SLOTS;
  }
}

const caches = new WeakMap<AddressSpace, BlockCache>();
if (ST_END > HART_STATE_BYTES) throw new Error('hart-state.ts: the state block outgrew HART_STATE_BYTES');
let warned = false;

/** The slow paths blocks call when an access leaves their fast path (see the top of this file). */
function slowPaths(harts: Hart[], m32: Int32Array): Record<string, (...a: number[]) => number | void> {
  const hartOf = (st: number): Hart => harts[st / HART_STATE_BYTES];
  // Returns 1 (the block leaves) and tells the dispatcher to return too.
  const leave = (st: number): number => { m32[(st + ST_LEAVE) >>> 2] = 1; return 1; };
  return {
    load(st: number, f3: number, rd: number, lo: number, hi: number, d: number): number {
      const h = hartOf(st);
      h.pc = h.blockEntryPc() + d;
      let v: number, vh: number;
      switch (f3) {
        case 0: v = (h.load8(lo, hi) << 24) >> 24; vh = v >> 31; break;
        case 1: v = (h.load16(lo, hi) << 16) >> 16; vh = v >> 31; break;
        case 2: v = h.load32(lo, hi); vh = v >> 31; break;
        case 3: v = h.load64(lo, hi); vh = h.ldHi; break;
        case 4: v = h.load8(lo, hi); vh = 0; break;
        case 5: v = h.load16(lo, hi); vh = 0; break;
        default: v = h.load32(lo, hi); vh = 0; break;
      }
      if (rd !== 0) { h.x[2 * rd] = v; h.x[2 * rd + 1] = vh; }
      return h.stopRequested ? leave(st) : 0;
    },
    store(st: number, f3: number, lo: number, hi: number, vl: number, vh: number, d: number): number {
      const h = hartOf(st);
      h.pc = h.blockEntryPc() + d;
      switch (f3) {
        case 0: h.store8(lo, hi, vl); break;
        case 1: h.store16(lo, hi, vl); break;
        case 2: h.store32(lo, hi, vl); break;
        default: h.store64(lo, hi, vl, vh); break;
      }
      return h.deviceWritten || h.stopRequested ? leave(st) : 0;
    },
    muldiv(st: number, op: number, rd: number, rs1: number, rs2: number): void {
      const x = hartOf(st).x;
      if (op & 8) { // the W forms
        const v = muldiv32(op & 7, x[2 * rs1], x[2 * rs2]);
        if (rd !== 0) { x[2 * rd] = v; x[2 * rd + 1] = v >> 31; }
      } else {
        const v = muldiv64(op, x[2 * rs1], x[2 * rs1 + 1], x[2 * rs2], x[2 * rs2 + 1]);
        if (rd !== 0) { x[2 * rd] = v; x[2 * rd + 1] = mdOut.hi; }
      }
    },
  };
}
