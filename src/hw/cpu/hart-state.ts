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
/** f64: the next pc after a block that ended in an indirect jump. */
export const ST_TARGET = 264;
/** TLB tags and physical pages: Float64Array(3 * TLB_SIZE) each (fetch, load, store ways). */
export const ST_TLB_TAG = 1024;
export const TLB_SIZE = 256;
export const ST_TLB_PA = ST_TLB_TAG + 3 * TLB_SIZE * 8;
export const ST_END = ST_TLB_PA + 3 * TLB_SIZE * 8;
