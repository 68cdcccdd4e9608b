// PMP address decoding and matching at the edges the guest program (test/guests/pmp.c) does not
// reach: the all-ones NAPOT entry, an empty TOR range, page results, when M-mode can skip checks.
import t from 'tap';
import { Pmp, PMP_ALLOW, PMP_DENY, PMP_MIXED } from '../../src/hw/cpu/pmp.ts';

const U = 0, S = 1, M = 3, FETCH = 0, LOAD = 1, STORE = 2;
const TOR = 1 << 3, NA4 = 2 << 3, NAPOT = 3 << 3, R = 1, W = 2, X = 4, L = 0x80;

function setAddr(p: Pmp, k: number, v: bigint): void {
  p.writeAddr(k, Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0);
}

t.test('NAPOT over everything (pmpaddr all ones) matches the top and bottom of the address space', async (t) => {
  const p = new Pmp();
  setAddr(p, 0, (1n << 54n) - 1n);
  p.writeCfg(0, NAPOT | R);
  p.update();
  t.equal(p.active, 1);
  t.ok(p.check(0, 8, LOAD, U), 'address 0');
  t.ok(p.check(0x80000000, 8, LOAD, U), 'RAM');
  t.ok(p.check(2 ** 52, 8, LOAD, U), 'far up');
  t.notOk(p.check(0x80000000, 8, STORE, U), 'no W');
  t.equal(p.pageResult(0x80001000, FETCH, S), PMP_DENY, 'no X, whole page');
});

t.test('NAPOT sizes from the trailing ones; TOR below is [pmpaddr(k-1), pmpaddr(k))', async (t) => {
  const p = new Pmp();
  setAddr(p, 0, (0x80000000n >> 2n) | ((0x10000n >> 3n) - 1n)); // 64 KiB at 0x80000000
  p.writeCfg(0, NAPOT | R | W);
  setAddr(p, 1, 0x90000000n >> 2n);
  p.writeCfg(1, TOR | R); // [pmpaddr0 × 4, 0x90000000): the raw NAPOT value, 0x80007ffc, as its bottom
  p.update();
  t.ok(p.check(0x8000fff8, 8, STORE, U), 'last word of the NAPOT entry');
  t.notOk(p.check(0x80010000, 8, STORE, U), 'first byte past it falls to entry 1 (TOR, R only)');
  t.ok(p.check(0x80010000, 8, LOAD, U));
  t.notOk(p.check(0x90000000, 8, LOAD, U), 'TOR top is exclusive; no entry: S/U fail');
  t.ok(p.check(0x90000000, 8, LOAD, M), 'no entry: M succeeds');
});

t.test('a TOR entry whose top is below its bottom matches nothing', async (t) => {
  const p = new Pmp();
  setAddr(p, 0, 0x90000000n >> 2n);
  setAddr(p, 1, 0x80000000n >> 2n);
  p.writeCfg(1, TOR | R | W | X);
  p.update();
  t.equal(p.active, 1);
  t.notOk(p.check(0x88000000, 4, LOAD, U));
  t.notOk(p.check(0x80000000, 4, LOAD, U));
});

t.test('page results: allowed, denied, or cut by an entry edge', async (t) => {
  const p = new Pmp();
  setAddr(p, 0, (0x80001000n + 16n) >> 2n);
  p.writeCfg(0, NA4);
  setAddr(p, 1, (1n << 54n) - 1n);
  p.writeCfg(1, NAPOT | R | W | X);
  p.update();
  t.equal(p.pageResult(0x80000000, LOAD, U), PMP_ALLOW);
  t.equal(p.pageResult(0x80001000, LOAD, U), PMP_MIXED, 'the NA4 word is inside');
  t.notOk(p.check(0x80001010, 4, LOAD, U), 'the NA4 word itself');
  t.notOk(p.check(0x8000100c, 8, LOAD, M), 'partly inside an entry: fails even in M');
  t.ok(p.check(0x80001014, 4, LOAD, U));
  t.notOk(p.mFree, 'an NA4 bound is not a multiple of 8: M cannot skip checks');
});

t.test('locked entries: ignore writes, bind M, and M may skip checks only without them', async (t) => {
  const p = new Pmp();
  setAddr(p, 0, (0x80000000n >> 2n) | ((0x1000n >> 3n) - 1n));
  p.writeCfg(0, NAPOT | R);
  p.update();
  t.ok(p.mFree, 'unlocked, 8-aligned: no M access can fail');
  t.ok(p.check(0x80000000, 8, STORE, M));
  p.writeCfg(0, NAPOT | R | L);
  p.update();
  t.notOk(p.mFree);
  t.notOk(p.check(0x80000000, 8, STORE, M), 'locked R: M store fails');
  p.writeCfg(0, NAPOT | R | W);
  setAddr(p, 0, 0n);
  p.update();
  t.equal(p.cfg[0], NAPOT | R | L, 'locked cfg unchanged');
  t.equal(p.addr[0], ((0x80000000 >>> 2) | 0x1ff) | 0, 'locked addr unchanged');
  p.writeCfg(1, W); // W without R is reserved: the R/W field reads back 0
  t.equal(p.cfg[1], 0);
});
