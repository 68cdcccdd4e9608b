// Debian's OpenSBI 1.1 and U-Boot 2023.01 on the bare virt board: the OpenSBI banner, U-Boot's
// prompt, a command answered, and U-Boot's poweroff reaching sifive,test. Skipped when the
// packages are not installed. Every wait has a timeout (the host may be slow and shared).
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { runGuest, makeDtb } from './helpers.ts';

const FW_DIR = '/usr/lib/riscv64-linux-gnu/opensbi/generic';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const MiB = 1024 * 1024;
// two full boots; generous because CI hosts are shared (each boot takes a few seconds)
t.setTimeout(300000);

const noOpensbi = !existsSync(`${FW_DIR}/fw_jump.bin`) ? 'OpenSBI firmware not installed (Debian package opensbi)' : false;
const noUboot = !existsSync(UBOOT) ? 'U-Boot for qemu-riscv64 not installed (Debian package u-boot-qemu)' : false;
const dtb = makeDtb(256, 2);
const noDtb = dtb === null ? 'no way to make a device tree: install qemu-system-riscv64 or dtc (device-tree-compiler)' : false;

/** Drive U-Boot: stop autoboot, type `version`, then `poweroff`. */
function driveUboot(out: string, board: { uart: { push(s: string): void } }, state: { step: number }): void {
  if (state.step === 0 && out.includes('Hit any key to stop autoboot')) { state.step = 1; board.uart.push('\r'); }
  else if (state.step === 1 && /=> $/.test(out)) { state.step = 2; board.uart.push('version\r'); }
  else if (state.step === 2 && /U-Boot 2023[^\n]*\r?\n[\s\S]*=> $/.test(out.slice(out.lastIndexOf('=> version')))) {
    state.step = 3; board.uart.push('poweroff\r');
  }
}

for (const fw of ['fw_jump.bin', 'fw_dynamic.bin']) {
  t.test(`OpenSBI ${fw} + U-Boot: banner, prompt, version, poweroff`, { skip: noOpensbi || noUboot || noDtb }, async (t) => {
    const state = { step: 0 };
    const started = performance.now();
    const r = await runGuest(
      { bios: readFileSync(`${FW_DIR}/${fw}`), kernel: readFileSync(UBOOT), dtb: dtb! },
      { ramSize: 256 * MiB, harts: 2, timeoutMs: 120000, onOutput: (out, board) => driveUboot(out, board, state) },
    );
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    t.comment(`${fw}: boot + commands + poweroff in ${secs} s, ${r.board.runLoop.instructions} instructions`);
    const out = r.output.replace(/\r/g, '');
    t.match(out, /OpenSBI v1\.1\n/, 'OpenSBI banner');
    t.match(out, /Platform HART Count\s+: 2\n/, 'both harts found in the device tree');
    t.match(out, /Domain0 Next Address\s+: 0x0000000080200000\n/, 'U-Boot placed at 0x80200000');
    if (fw === 'fw_dynamic.bin') t.match(out, /Domain0 Next Arg1\s+: 0x000000008fe00000\n/, 'DTB at 0x8fe00000 as QEMU places it');
    t.match(out, /U-Boot 2023\.01[^\n]*\n/, 'U-Boot banner');
    t.match(out, /DRAM:\s+256 MiB/, 'U-Boot sees 256 MiB');
    t.match(out, /=> version\nU-Boot 2023\.01/, '`version` answered');
    t.match(out, /=> poweroff\npoweroff \.\.\./, 'poweroff command ran');
    t.equal(r.exitCode, 0, 'sifive,test poweroff reached');
    t.notMatch(out, /Unhandled exception|Illegal instruction/, 'no unhandled traps (e.g. FP instructions)');
  });
}
