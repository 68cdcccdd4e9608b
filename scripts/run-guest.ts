/**
 * Try firmware by hand on the bare virt board (no configuration layer):
 *
 *   npx tsx scripts/run-guest.ts --bios fw_jump.bin --kernel u-boot.bin --dtb virt.dtb -m 256M [--smp N]
 *
 * --bios none (or no --bios) starts the kernel directly. UART0 is connected to stdin/stdout
 * (raw mode when stdin is a terminal; Ctrl-A x quits). The exit status is the guest's
 * sifive,test code (0 for a plain poweroff). A guest reset resets the board and boots again,
 * or exits with 0 under --no-reboot. --stats prints the instruction count and MIPS at exit.
 */
import { readFileSync } from 'node:fs';
import { VirtBoard } from '../src/hw/guest/virt-board.ts';

function parseSize(s: string): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  const mult = { '': 1024 * 1024, K: 1024, M: 1024 * 1024, G: 1024 * 1024 * 1024 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * mult;
}

const args = process.argv.slice(2);
const opt: Record<string, string> = {};
const flags = new Set<string>();
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--no-reboot' || a === '--stats') { flags.add(a); continue; }
  if (a.startsWith('--') || a === '-m') opt[a.replace(/^-+/, '')] = args[++i];
  else { console.error(`unexpected argument ${a}`); process.exit(2); }
}

const out: Buffer[] = [];
let flushScheduled = false;
const serial = {
  write(data: Uint8Array) {
    out.push(Buffer.from(data));
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(() => { flushScheduled = false; process.stdout.write(Buffer.concat(out.splice(0))); });
    }
  },
};

const t0 = performance.now();
function finish(code: number): void {
  board.dispose();
  process.stdout.write(Buffer.concat(out.splice(0)));
  if (flags.has('--stats')) {
    const s = (performance.now() - t0) / 1000;
    process.stderr.write(`\n[run-guest] ${board.runLoop.instructions} instructions in ${s.toFixed(2)} s = ${(board.runLoop.instructions / s / 1e6).toFixed(1)} MIPS\n`);
  }
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  process.exit(code);
}

const board = new VirtBoard({
  ramSize: opt.m ? parseSize(opt.m) : 128 * 1024 * 1024,
  harts: opt.smp ? Number(opt.smp) : 1,
  serial,
  power: {
    poweroff: (code) => finish(code),
    reset: () => { if (flags.has('--no-reboot')) finish(0); else board.reset(); },
  },
});

const bios = opt.bios && opt.bios !== 'none' ? readFileSync(opt.bios) : undefined;
const kernel = opt.kernel ? readFileSync(opt.kernel) : undefined;
const dtb = opt.dtb ? readFileSync(opt.dtb) : undefined;
board.loadImages({ bios, kernel, dtb });
board.runLoop.onError = (e) => { console.error('\n[run-guest] emulator error:', e); finish(1); };

let ctrlA = false;
if (process.stdin.isTTY) process.stdin.setRawMode(true);
process.stdin.on('data', (d: Buffer) => {
  const keep: number[] = [];
  for (const b of d) {
    if (ctrlA) {
      ctrlA = false;
      if (b === 0x78) finish(0); // Ctrl-A x
      else keep.push(b);
    } else if (b === 0x01 && process.stdin.isTTY) ctrlA = true;
    else keep.push(b);
  }
  if (keep.length) board.uart.push(Uint8Array.from(keep));
});
process.stdin.on('end', () => { /* keep running: the guest may still print */ });
board.runLoop.start();
