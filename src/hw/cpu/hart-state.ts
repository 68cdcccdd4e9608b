/**
 * Layout of a hart's state block in guest memory (AddressSpace.hartState): the parts of a hart
 * that compiled blocks (jit.ts) read and write. Byte offsets from the block's start.
 */

/** Integer registers: x[r] as a little-endian 64-bit value (lo word at 8r, hi word at 8r + 4). */
export const ST_X = 0;
/** i32: instructions the last block executed. */
export const ST_DONE = 256;
/** i32: 1 when data accesses go through the TLB (paging or PMP), 0 when physical = virtual. */
export const ST_XLATE_D = 260;
/**
 * f64: the pc of the block running or about to run (its entry pc; a block leaves its next pc here
 * when it ended in an indirect jump), and the next pc when the block dispatcher returns.
 */
export const ST_PC = 264;
/** i32: set by a slow path after which the dispatcher must return (a device written, a stop asked). */
export const ST_LEAVE = 272;
/** i32: instructions the blocks run by the current dispatcher call completed so far. */
export const ST_RUN_DONE = 276;
/** TLB tags and physical pages: Float64Array(3 * TLB_SIZE) each (fetch, load, store ways). */
export const ST_TLB_TAG = 1024;
export const TLB_SIZE = 256;
/** The TLB's ways, by kind of access (entry acc * TLB_SIZE + (vpn & (TLB_SIZE - 1))). */
export const ACC_FETCH = 0, ACC_LOAD = 1, ACC_STORE = 2;
export const ST_TLB_PA = ST_TLB_TAG + 3 * TLB_SIZE * 8;
/**
 * The jump cache: virtual pc -> table slot of the block starting there, direct-mapped (jumpSlot),
 * for the block dispatcher. Tags (f64 pc; NaN: empty), then slots (i32).
 */
export const JC_SIZE = 256;
export const ST_JC_TAG = ST_TLB_PA + 3 * TLB_SIZE * 8;
export const ST_JC_SLOT = ST_JC_TAG + JC_SIZE * 8;
export const ST_END = ST_JC_SLOT + JC_SIZE * 4;

/**
 * The jump cache entry of a pc: folds bits 1-16 of its low word. The dispatcher (runtimeModule in
 * jit.ts) computes the same in WebAssembly; the interpreter fills the entry the dispatcher reads.
 */
export function jumpSlot(pcLow32: number): number {
  return ((pcLow32 >>> 1) ^ (pcLow32 >>> 9)) & (JC_SIZE - 1);
}
