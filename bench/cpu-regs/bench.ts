// Register-representation micro-benchmark for the RV64 interpreter.
// Each variant runs the same tiny RV64 program through a switch-dispatched
// interpreter loop: a bitwise CRC-32 over a buffer (ADDI/ANDI/XOR/SRLI/BNE/LD-like
// traffic), the kind of inner loop firmware and our CPU-bound guest spend time in.
// Run: npx tsx bench/cpu-regs/bench.ts
//
// Program (register numbers as in RISC-V):
//   loop: x5 = x10 & 1; x10 = x10 >>> 1 (64-bit logical); if x5 != 0: x10 ^= x11 (poly)
//         x14 = mem[x10 & 0x7f8] (a 64-bit load: the address must become a JS number)
//         x13 += x14; x12 = x12 - 1; bne x12, x0, loop
// The op stream is pre-decoded into small integer arrays, like the real decode cache.

const OP_ANDI = 0, OP_SRLI = 1, OP_BEQ = 2, OP_XOR = 3, OP_ADDI = 4, OP_BNE = 5, OP_ADD = 6, OP_LD = 7;
// fields: op, rd, rs1, rs2, imm
const prog = [
  [OP_ANDI, 5, 10, 0, 1],
  [OP_SRLI, 10, 10, 0, 1],
  [OP_BEQ, 0, 5, 0, 2], // skip xor when bit was 0
  [OP_XOR, 10, 10, 11, 0],
  [OP_LD, 14, 10, 0, 0], // x14 = mem[x10 & 0x7f8]
  [OP_ADD, 13, 13, 14, 0], // 64-bit add with carry into the high half
  [OP_ADDI, 12, 12, 0, -1],
  [OP_BNE, 0, 12, 0, -7],
];
const N = prog.length;
const opA = new Int32Array(N), rdA = new Int32Array(N), rs1A = new Int32Array(N), rs2A = new Int32Array(N), immA = new Int32Array(N);
prog.forEach((p, i) => { opA[i] = p[0]; rdA[i] = p[1]; rs1A[i] = p[2]; rs2A[i] = p[3]; immA[i] = p[4]; });
const ITER = 5_000_000;
// guest memory: 2 KiB of pseudo-random 64-bit words, seen through each representation
const memBytes = new Uint8Array(2048);
for (let i = 0, v = 12345; i < memBytes.length; i++) { v = (v * 1103515245 + 12345) >>> 0; memBytes[i] = v >>> 24; }
const mem64 = new BigInt64Array(memBytes.buffer);
const mem32 = new Int32Array(memBytes.buffer);

function runBigInt(): [number, bigint] {
  const x = new BigInt64Array(32);
  x[10] = 0x123456789abcdef0n; x[11] = BigInt.asIntN(64, 0xedb88320edb88320n); x[12] = BigInt(ITER);
  let pc = 0, count = 0;
  for (;;) {
    const op = opA[pc], rd = rdA[pc], rs1 = rs1A[pc], rs2 = rs2A[pc], imm = immA[pc];
    count++;
    switch (op) {
      case OP_ANDI: x[rd] = x[rs1] & BigInt(imm); pc++; break;
      case OP_SRLI: x[rd] = BigInt.asIntN(64, BigInt.asUintN(64, x[rs1]) >> BigInt(imm)); pc++; break;
      case OP_BEQ: pc += x[rs1] === x[rs2] ? imm : 1; break;
      case OP_XOR: x[rd] = x[rs1] ^ x[rs2]; pc++; break;
      case OP_ADD: x[rd] = BigInt.asIntN(64, x[rs1] + x[rs2]); pc++; break;
      case OP_ADDI: x[rd] = BigInt.asIntN(64, x[rs1] + BigInt(imm)); pc++; break;
      case OP_LD: x[rd] = mem64[Number(x[rs1] & 0x7f8n) >> 3]; pc++; break;
      case OP_BNE: if (x[rs1] !== x[rs2]) pc += imm; else return [count, x[13]]; break;
    }
    x[0] = 0n;
  }
}

function runPairs(): [number, bigint] {
  const lo = new Int32Array(32), hi = new Int32Array(32);
  lo[10] = 0x9abcdef0 | 0; hi[10] = 0x12345678; lo[11] = 0xedb88320 | 0; hi[11] = 0xedb88320 | 0; lo[12] = ITER;
  let pc = 0, count = 0;
  for (;;) {
    const op = opA[pc], rd = rdA[pc], rs1 = rs1A[pc], rs2 = rs2A[pc], imm = immA[pc];
    count++;
    switch (op) {
      case OP_ANDI: lo[rd] = lo[rs1] & imm; hi[rd] = hi[rs1] & (imm >> 31); pc++; break;
      case OP_SRLI: { const l = lo[rs1], h = hi[rs1]; lo[rd] = (l >>> imm) | (h << (32 - imm)); hi[rd] = h >>> imm; pc++; break; }
      case OP_BEQ: pc += (lo[rs1] === lo[rs2] && hi[rs1] === hi[rs2]) ? imm : 1; break;
      case OP_XOR: lo[rd] = lo[rs1] ^ lo[rs2]; hi[rd] = hi[rs1] ^ hi[rs2]; pc++; break;
      case OP_ADD: { const a = lo[rs1], b = lo[rs2]; const s = (a >>> 0) + (b >>> 0); lo[rd] = s; hi[rd] = hi[rs1] + hi[rs2] + (s > 0xffffffff ? 1 : 0); pc++; break; }
      case OP_ADDI: { const s = (lo[rs1] >>> 0) + (imm >>> 0); lo[rd] = s; hi[rd] = hi[rs1] + (imm >> 31) + (s > 0xffffffff ? 1 : 0); pc++; break; }
      case OP_LD: { const k = (lo[rs1] & 0x7f8) >> 2; lo[rd] = mem32[k]; hi[rd] = mem32[k + 1]; pc++; break; }
      case OP_BNE: if (lo[rs1] !== lo[rs2] || hi[rs1] !== hi[rs2]) pc += imm; else return [count, (BigInt(hi[13]) << 32n) | BigInt(lo[13] >>> 0)]; break;
    }
    lo[0] = 0; hi[0] = 0;
  }
}

// Plain doubles cannot hold 64 bits; this variant keeps each register as a JS number holding
// the low 32 bits only (what an RV32 interpreter would do) — the upper bound on speed.
function runLo32Only(): [number, bigint] {
  const lo = new Int32Array(32);
  lo[10] = 0x9abcdef0 | 0; lo[11] = 0xedb88320 | 0; lo[12] = ITER;
  let pc = 0, count = 0;
  for (;;) {
    const op = opA[pc], rd = rdA[pc], rs1 = rs1A[pc], rs2 = rs2A[pc], imm = immA[pc];
    count++;
    switch (op) {
      case OP_ANDI: lo[rd] = lo[rs1] & imm; pc++; break;
      case OP_SRLI: lo[rd] = lo[rs1] >>> imm; pc++; break;
      case OP_BEQ: pc += lo[rs1] === lo[rs2] ? imm : 1; break;
      case OP_XOR: lo[rd] = lo[rs1] ^ lo[rs2]; pc++; break;
      case OP_ADD: lo[rd] = lo[rs1] + lo[rs2]; pc++; break;
      case OP_ADDI: lo[rd] = lo[rs1] + imm; pc++; break;
      case OP_LD: lo[rd] = mem32[(lo[rs1] & 0x7f8) >> 2]; pc++; break;
      case OP_BNE: if (lo[rs1] !== lo[rs2]) pc += imm; else return [count, BigInt(lo[13] >>> 0)]; break;
    }
    lo[0] = 0;
  }
}

// Interleaved Int32Array(64): register r at [2r] (low) and [2r+1] (high) — one array,
// better locality, same arithmetic as the pairs variant.
function runInterleaved(): [number, bigint] {
  const x = new Int32Array(64);
  x[20] = 0x9abcdef0 | 0; x[21] = 0x12345678; x[22] = 0xedb88320 | 0; x[23] = 0xedb88320 | 0; x[24] = ITER;
  let pc = 0, count = 0;
  for (;;) {
    const op = opA[pc], rd = rdA[pc] << 1, rs1 = rs1A[pc] << 1, rs2 = rs2A[pc] << 1, imm = immA[pc];
    count++;
    switch (op) {
      case OP_ANDI: x[rd] = x[rs1] & imm; x[rd + 1] = x[rs1 + 1] & (imm >> 31); pc++; break;
      case OP_SRLI: { const l = x[rs1], h = x[rs1 + 1]; x[rd] = (l >>> imm) | (h << (32 - imm)); x[rd + 1] = h >>> imm; pc++; break; }
      case OP_BEQ: pc += (x[rs1] === x[rs2] && x[rs1 + 1] === x[rs2 + 1]) ? imm : 1; break;
      case OP_XOR: x[rd] = x[rs1] ^ x[rs2]; x[rd + 1] = x[rs1 + 1] ^ x[rs2 + 1]; pc++; break;
      case OP_ADD: { const a = x[rs1], b = x[rs2]; const s = (a >>> 0) + (b >>> 0); x[rd] = s; x[rd + 1] = x[rs1 + 1] + x[rs2 + 1] + (s > 0xffffffff ? 1 : 0); pc++; break; }
      case OP_ADDI: { const s = (x[rs1] >>> 0) + (imm >>> 0); x[rd] = s; x[rd + 1] = x[rs1 + 1] + (imm >> 31) + (s > 0xffffffff ? 1 : 0); pc++; break; }
      case OP_LD: { const k = (x[rs1] & 0x7f8) >> 2; x[rd] = mem32[k]; x[rd + 1] = mem32[k + 1]; pc++; break; }
      case OP_BNE: if (x[rs1] !== x[rs2] || x[rs1 + 1] !== x[rs2 + 1]) pc += imm; else return [count, (BigInt(x[27]) << 32n) | BigInt(x[26] >>> 0)]; break;
    }
    x[0] = 0; x[1] = 0;
  }
}

// Rates are per second of this process's CPU time (best of 3 after a warm-up run): the
// benchmark host is shared, and wall-clock rates swing several-fold with its load.
function bench(name: string, f: () => [number, bigint]): void {
  f(); // warm up the JIT
  let best = Infinity, n = 0, res = 0n;
  for (let i = 0; i < 3; i++) {
    const c0 = process.cpuUsage();
    [n, res] = f();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  console.log(`${name.padEnd(34)} ${(n / best / 1000).toFixed(1).padStart(7)} M ops/s of CPU time  (${n} ops, x13=0x${BigInt.asUintN(64, res).toString(16)})`);
}

// Each variant runs in its own process (so one variant's JIT feedback cannot pollute another's)
// and the rounds are interleaved, because the host is shared and noisy: compare best-of-rounds.
const variants: Record<string, [string, () => [number, bigint]]> = {
  bigint: ['BigInt64Array', runBigInt],
  pairs: ['Int32Array lo + Int32Array hi', runPairs],
  interleaved: ['Int32Array interleaved lo/hi', runInterleaved],
  lo32: ['Int32Array lo only (RV32 bound)', runLo32Only],
};
const which = process.argv[2];
if (which) {
  bench(...variants[which]);
} else {
  const { execFileSync } = await import('node:child_process');
  const rounds = Number(process.env.ROUNDS ?? 3);
  for (let r = 0; r < rounds; r++) {
    for (const k of Object.keys(variants)) {
      process.stdout.write(execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, k], { encoding: 'utf8' }));
    }
  }
}
