// A guest reads entropy from virtio-rng-device (test/guests/rng.c: a bare-metal driver on the
// virtio-mmio registers). Its transcript on emu-legacy equals QEMU 7.2's (rng.expected, from
// `make expected`; re-run against live QEMU when installed); with an rng-random backend on a file of
// one repeated byte, the guest sees that the bytes come from the backend (they no longer vary).

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMU_LEGACY, ROOT, runBinary, tempDir } from '../helpers/emu.ts';

const GUESTS = join(ROOT, 'test/guests');
const ELF = join(GUESTS, 'rng.elf');
const EXPECTED = readFileSync(join(GUESTS, 'rng.expected'), 'latin1');
const ARGS = ['-M', 'virt', '-bios', 'none', '-kernel', ELF, '-display', 'none', '-nodefaults', '-serial', 'stdio', '-m', '128M'];
const haveQemu = spawnSync('qemu-system-riscv64', ['--version'], { stdio: 'ignore', timeout: 10000 }).status === 0;

t.test('the guest reads entropy as on QEMU 7.2', async (t) => {
  const r = await runBinary(t, EMU_LEGACY, [...ARGS, '-device', 'virtio-rng-device'], { timeoutMs: 60_000 });
  t.equal(r.stdout, EXPECTED);
  t.equal(r.code, 0, r.stderr);
});

t.test('the bytes come from the rng backend object', async (t) => {
  const file = join(tempDir('emu-rng-guest-'), 'ones.bin');
  writeFileSync(file, Buffer.alloc(4096, 0x5a));
  const r = await runBinary(t, EMU_LEGACY, [...ARGS, '-object', `rng-random,id=r,filename=${file}`, '-device', 'virtio-rng-device,rng=r'], { timeoutMs: 60_000 });
  t.match(r.stdout, /^virtio-rng at slot 7, version 2\r?\n/);
  t.match(r.stdout, /read 64 bytes, varied 0/);
  t.match(r.stdout, /read 256 bytes, varied 0/);
});

t.test('live QEMU 7.2 prints the recorded transcript', { skip: haveQemu ? false : 'qemu-system-riscv64 not installed' }, async (t) => {
  const r = spawnSync('qemu-system-riscv64', [...ARGS, '-global', 'virtio-mmio.force-legacy=false', '-device', 'virtio-rng-device'], { encoding: 'latin1', timeout: 30_000 });
  t.equal(r.stdout, EXPECTED);
});
