// Debian's OpenSBI and U-Boot boot on emu through the real binary: OpenSBI's banner, U-Boot's prompt,
// a command typed on the serial console answered, `reset` resets (RESET event, OpenSBI again) and
// `poweroff` ends emu with a SHUTDOWN event.

import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startEmuWithQmp, waitFor } from '../helpers/emu.ts';

const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';

for (const fw of ['fw_jump.bin', 'fw_dynamic.bin']) {
  const bios = join(OPENSBI, fw);
  t.test(`OpenSBI ${fw} + U-Boot smode under emu`, { skip: !existsSync(bios) ? `needs the Debian package opensbi (${bios})` : !existsSync(UBOOT) ? `needs the Debian package u-boot-qemu (${UBOOT})` : false }, async (t) => {
    const e = await startEmuWithQmp(t, ['--chardev', 'stdio,id=serial0', '--machine', `virt,memory=256M,serial=serial0,bios=${bios},kernel=${UBOOT}`]);
    const out = () => e.stdout();
    await waitFor(() => out().includes('OpenSBI v1.1'), 'the OpenSBI banner', 60_000);
    await waitFor(() => out().includes('Hit any key to stop autoboot'), 'U-Boot', 60_000);
    e.proc.stdin!.write('\n');
    await waitFor(() => /=> $/.test(out()), 'the U-Boot prompt', 60_000);
    t.pass('U-Boot reached its prompt');
    e.proc.stdin!.write('version\r');
    await waitFor(() => /riscv64-linux-gnu-gcc/.test(out()), 'the answer to version', 20_000);
    t.match(out(), /U-Boot 2023\.01/);
    const reset = e.client.waitEvent('RESET', { timeoutMs: 20_000 });
    const before = out().length;
    e.proc.stdin!.write('reset\r');
    t.same((await reset).data, { guest: true, reason: 'guest-reset' });
    await waitFor(() => out().slice(before).includes('OpenSBI v1.1'), 'OpenSBI after the reset', 60_000);
    await waitFor(() => out().slice(before).includes('Hit any key to stop autoboot'), 'U-Boot after the reset', 60_000);
    e.proc.stdin!.write('\n');
    await waitFor(() => /=> $/.test(out()), 'the prompt after the reset', 60_000);
    const shutdown = e.client.waitEvent('SHUTDOWN', { timeoutMs: 20_000 });
    e.proc.stdin!.write('poweroff\r');
    t.same((await shutdown).data, { guest: true, reason: 'guest-shutdown' });
    const exit = await e.exited;
    t.equal(exit.code, 0, 'emu ends after the guest powers off');
  });
}
