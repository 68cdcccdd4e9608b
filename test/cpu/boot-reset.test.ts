// U-Boot's `reset` command: OpenSBI turns it into a sifive,test reset write, the board resets
// (RAM cleared, images reloaded) and the firmware boots again. Skipped without the packages.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { runGuest, makeDtb } from './helpers.ts';

const FW_DIR = '/usr/lib/riscv64-linux-gnu/opensbi/generic';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const MiB = 1024 * 1024;
t.setTimeout(300000);

const noOpensbi = !existsSync(`${FW_DIR}/fw_jump.bin`) ? 'OpenSBI firmware not installed (Debian package opensbi)' : false;
const noUboot = !existsSync(UBOOT) ? 'U-Boot for qemu-riscv64 not installed (Debian package u-boot-qemu)' : false;
const dtb = makeDtb(256, 2);
const noDtb = dtb === null ? 'no way to make a device tree: install qemu-system-riscv64 or dtc (device-tree-compiler)' : false;

t.test('U-Boot reset goes through sifive,test reset and boots again', { skip: noOpensbi || noUboot || noDtb }, async (t) => {
  let resets = 0;
  let sent = 0;
  const r = await runGuest(
    { bios: readFileSync(`${FW_DIR}/fw_jump.bin`), kernel: readFileSync(UBOOT), dtb: dtb! },
    {
      ramSize: 256 * MiB, harts: 2, timeoutMs: 120000,
      onOutput: (out, board) => {
        const banners = out.split('OpenSBI v1.1').length - 1;
        if (banners === 1 && sent === 0 && out.includes('Hit any key to stop autoboot')) { sent = 1; board.uart.push('\r'); }
        else if (sent === 1 && /=> $/.test(out)) { sent = 2; board.uart.push('reset\r'); }
        resets = banners - 1;
      },
      until: (out) => out.split('OpenSBI v1.1').length - 1 >= 2 && /U-Boot 2023\.01[^\n]*\n[\s\S]*U-Boot 2023\.01/.test(out),
    },
  );
  t.ok(resets >= 1, 'OpenSBI banner printed again after reset');
  t.equal(r.resets, 1, 'one machine reset requested through sifive,test');
});
