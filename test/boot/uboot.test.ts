// Debian's OpenSBI and U-Boot boot on emu through the real binaries: OpenSBI's banner, U-Boot's
// prompt, a command typed on the serial console answered, `reset` resets (RESET event, OpenSBI
// again) and `poweroff` ends emu with a SHUTDOWN event. emu-legacy with QEMU's command line
// (-nographic), emu with the same machine as options and as a config file.

import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMU_LEGACY, startEmuWithQmp, tempDir, waitFor } from '../helpers/emu.ts';

const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';

type Start = (t: Parameters<typeof startEmuWithQmp>[0], bios: string) => ReturnType<typeof startEmuWithQmp>;
const ways: [string, Start][] = [
  ['emu-legacy -nographic', (t, bios) => startEmuWithQmp(t, ['-M', 'virt', '-m', '256M', '-nographic', '-bios', bios, '-kernel', UBOOT], { binary: EMU_LEGACY })],
  ['emu --machine', (t, bios) => startEmuWithQmp(t, ['--chardev', 'stdio,id=serial0', '--machine', `virt,memory=256M,serial=serial0,bios=${bios},kernel=${UBOOT}`])],
  ['emu with a config file', (t, bios) => {
    const cfg = join(tempDir('emu-uboot-'), 'uboot.yaml');
    writeFileSync(cfg, `machine: {type: virt, memory: 256M, serial: serial0, bios: ${bios}, kernel: ${UBOOT}}\nchardevs:\n  - {id: serial0, backend: {type: stdio, data: {}}}\n`);
    return startEmuWithQmp(t, [cfg]);
  }],
];

for (const fw of ['fw_jump.bin', 'fw_dynamic.bin']) for (const [how, start] of ways) {
  const bios = join(OPENSBI, fw);
  t.test(`OpenSBI ${fw} + U-Boot smode under ${how}`, { skip: !existsSync(bios) ? `needs the Debian package opensbi (${bios})` : !existsSync(UBOOT) ? `needs the Debian package u-boot-qemu (${UBOOT})` : false }, async (t) => {
    const e = await start(t, bios);
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
