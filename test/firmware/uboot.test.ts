// Debian's U-Boot for S-mode boots as -kernel on emu's embedded firmware, no OpenSBI: the firmware's
// SBI carries it to its prompt, and its poweroff (SBI system reset) ends emu with SHUTDOWN.
import t from 'tap';
import { existsSync } from 'node:fs';
import { exitWithin, startEmuWithQmp, waitFor } from '../helpers/emu.ts';

const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';

for (const cpus of [1, 2]) {
  t.test(`U-Boot smode on the embedded firmware, ${cpus} hart(s)`, { skip: existsSync(UBOOT) ? false : `needs the Debian package u-boot-qemu (${UBOOT})` }, async (t) => {
    const e = await startEmuWithQmp(t, ['--chardev', 'stdio,id=s0', '--machine', `virt,memory=256M,serial=s0,smp.cpus=${cpus},kernel=${UBOOT}`]);
    const out = () => e.stdout();
    await waitFor(() => out().includes('Hit any key to stop autoboot'), 'U-Boot', 60_000);
    t.notMatch(out(), /OpenSBI/);
    t.notMatch(out(), /emu firmware/, 'with a kernel the firmware prints nothing');
    e.proc.stdin!.write('\n');
    await waitFor(() => /=> $/.test(out()), 'the U-Boot prompt', 60_000);
    t.match(out(), /DRAM: +256 MiB/);
    e.proc.stdin!.write('version\r');
    await waitFor(() => /riscv64-linux-gnu-gcc/.test(out()), 'the answer to version', 20_000);
    const shutdown = e.client.waitEvent('SHUTDOWN', { timeoutMs: 20_000 });
    e.proc.stdin!.write('poweroff\r');
    t.same((await shutdown).data, { guest: true, reason: 'guest-shutdown' });
    const exit = await exitWithin(e, 20_000);
    t.equal(exit?.code, 0);
  });
}
