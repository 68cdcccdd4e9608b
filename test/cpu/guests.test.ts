// The project's guest programs (test/guests) on the bare virt board: each prints its checks
// through the UART and powers off through sifive,test. The expected transcripts were
// produced by QEMU 7.2 (`qemu-system-riscv64 -M virt -bios none -kernel X.elf -nographic`),
// so a pass means emu's output is byte-identical to QEMU's.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGuest, guestElf, GUESTS } from './helpers.ts';

// Each guest runs three ways: as shipped, with the block compiler compiling everything that
// runs twice (so short guests exercise compiled code), and with the interpreter alone.
for (const jit of [undefined, 'eager', 'off'] as const) {
  for (const name of ['isa', 'atomics', 'traps', 'paging', 'interrupts', 'smc', 'pmp']) {
    t.test(`${name}${jit ? ` (jit ${jit})` : ''}`, async (t) => {
      const r = await runGuest({ kernel: guestElf(name) }, { timeoutMs: 60000, jit });
      const expected = readFileSync(join(GUESTS, `${name}.expected`), 'latin1');
      t.equal(r.exitCode, 0, 'guest powered off with the pass value');
      t.equal(r.output, expected, 'UART transcript identical to QEMU 7.2');
      t.notMatch(r.output, /FAIL/, 'no failed checks');
    });
  }
}

t.test('a failing guest reports its code through sifive,test', async (t) => {
  // a raw image (loaded at 0x80000000) that writes 0x3333 | 0x2a << 16 to the finisher
  const prog = new Uint32Array([
    0x001002b7, // lui  t0, 0x100          t0 = 0x100000
    0x002a3337, // lui  t1, 0x2a3          t1 = 0x2a3000
    0x33330313, // addi t1, t1, 0x333      t1 = 0x2a3333
    0x0062a023, // sw   t1, 0(t0)
    0x0000006f, // j    .
  ]);
  const r = await runGuest({ kernel: new Uint8Array(prog.buffer) }, { timeoutMs: 30000 });
  t.equal(r.exitCode, 0x2a, 'fail code 0x2a reported');
});
