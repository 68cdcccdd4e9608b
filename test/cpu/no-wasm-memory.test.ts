// Guest memory is a WebAssembly.Memory so compiled blocks can address it; each one reserves
// gigabytes of address space, and a process that cannot get another must still run machines:
// interpreted, over a plain ArrayBuffer with the same layout.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AddressSpace } from '../../src/hw/memory/address-space.ts';
import { BlockCache } from '../../src/hw/cpu/jit.ts';
import { runGuest, guestElf, GUESTS } from './helpers.ts';

t.test('without a WebAssembly memory a machine runs interpreted, with the same results', async (t) => {
  const Memory = WebAssembly.Memory;
  t.teardown(() => { (WebAssembly as { Memory: unknown }).Memory = Memory; });
  (WebAssembly as { Memory: unknown }).Memory = class {
    constructor() { throw new RangeError('WebAssembly.Memory(): could not allocate memory'); }
  };
  const as = new AddressSpace(1 << 20);
  t.equal(as.memory, null, 'no WebAssembly memory');
  t.equal(BlockCache.for(as), null, 'no block compiler');
  as.ram[5] = 0xab;
  t.equal(as.read(0x80000005, 1), 0xab, 'RAM works');

  const r = await runGuest({ kernel: guestElf('isa') }, { timeoutMs: 60000 });
  t.equal(r.board.harts[0].jit, null, 'the guest ran interpreted');
  t.equal(r.exitCode, 0);
  t.equal(r.output, readFileSync(join(GUESTS, 'isa.expected'), 'latin1'), 'UART transcript identical to QEMU 7.2');
});
