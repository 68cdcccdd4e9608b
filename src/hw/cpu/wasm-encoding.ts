/**
 * The little of the WebAssembly binary format the block compiler needs: LEB128 numbers,
 * sections, and the opcodes it emits (names as in the WebAssembly specification).
 */

export const enum Op {
  unreachable = 0x00, block = 0x02, loop = 0x03, if = 0x04, else = 0x05, end = 0x0b, br = 0x0c,
  br_if = 0x0d, return = 0x0f, call = 0x10, call_indirect = 0x11, drop = 0x1a,
  local_get = 0x20, local_set = 0x21, local_tee = 0x22,
  i32_load = 0x28, i64_load = 0x29, f64_load = 0x2b, i32_load8_u = 0x2d,
  i64_load8_s = 0x30, i64_load8_u = 0x31, i64_load16_s = 0x32, i64_load16_u = 0x33,
  i64_load32_s = 0x34, i64_load32_u = 0x35,
  i32_store = 0x36, i64_store = 0x37, f64_store = 0x39,
  i64_store8 = 0x3c, i64_store16 = 0x3d, i64_store32 = 0x3e,
  i32_const = 0x41, i64_const = 0x42, f64_const = 0x44,
  i32_eqz = 0x45, i32_eq = 0x46, i32_ne = 0x47, i32_lt_s = 0x48, i32_lt_u = 0x49, i32_ge_u = 0x4f,
  i64_eqz = 0x50, i64_eq = 0x51, i64_ne = 0x52, i64_lt_s = 0x53, i64_lt_u = 0x54,
  i64_ge_s = 0x59, i64_ge_u = 0x5a,
  f64_ne = 0x62, f64_lt = 0x63, f64_ge = 0x66,
  i32_add = 0x6a, i32_sub = 0x6b, i32_mul = 0x6c, i32_and = 0x71, i32_or = 0x72, i32_xor = 0x73,
  i32_shl = 0x74, i32_shr_s = 0x75, i32_shr_u = 0x76,
  i64_add = 0x7c, i64_sub = 0x7d, i64_mul = 0x7e, i64_and = 0x83, i64_or = 0x84, i64_xor = 0x85,
  i64_shl = 0x86, i64_shr_s = 0x87, i64_shr_u = 0x88,
  f64_add = 0xa0, f64_sub = 0xa1, f64_mul = 0xa2,
  i32_wrap_i64 = 0xa7, i32_trunc_f64_u = 0xab, i64_extend_i32_s = 0xac, i64_extend_i32_u = 0xad,
  i64_trunc_f64_s = 0xb0, f64_convert_i32_s = 0xb7, f64_convert_i32_u = 0xb8, f64_convert_i64_s = 0xb9,
}

export const I32 = 0x7f, I64 = 0x7e, F64 = 0x7c, VOID = 0x40;

/** Writes the unsigned LEB128 of an integer below 2^32 at buf[at]; returns the position after it. */
export function writeUleb(buf: Uint8Array, at: number, n: number): number {
  n >>>= 0;
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    buf[at++] = b;
  } while (n !== 0);
  return at;
}

/**
 * Writes the signed LEB128 of an integer in the int32 range at buf[at]; returns the position after
 * it. Serves i32.const, and i64.const of a sign-extended 32-bit value (every constant a RISC-V
 * instruction carries is one).
 */
export function writeSleb(buf: Uint8Array, at: number, n: number): number {
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { buf[at++] = b; return at; }
    buf[at++] = b | 0x80;
  }
}

const leb = new Uint8Array(5);
/** The unsigned LEB128 bytes of n. */
export function uleb(n: number): number[] {
  return [...leb.subarray(0, writeUleb(leb, 0, n))];
}
/** The signed LEB128 bytes of n (int32 range). */
export function sleb(n: number): number[] {
  return [...leb.subarray(0, writeSleb(leb, 0, n))];
}

export function f64Bytes(v: number): number[] {
  return [...new Uint8Array(new Float64Array([v]).buffer)];
}

export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

export function name(s: string): number[] {
  return [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
}

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A function body: local declarations as [count, type] runs, then code (without the final end). */
export function funcBody(locals: [number, number][], code: number[]): number[] {
  const body = [...vec(locals.map(([n, t]) => [...uleb(n), t])), ...code, Op.end];
  return [...uleb(body.length), ...body];
}

export const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
