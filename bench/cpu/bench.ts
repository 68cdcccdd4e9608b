/**
 * CPU benchmark: MIPS on a CPU-bound guest (cpubench.elf: CRC-32 + shell sort + heap sort),
 * time from spawn to U-Boot's prompt, host CPU while idle at the prompt; with QEMU's figures
 * for the same guest and firmware in the same run when qemu-system-riscv64 is installed.
 *
 *   npm run build && npx tsx bench/cpu/bench.ts [--runs N]
 *
 * MIPS: emu runs in this process (the bare virt board, no configuration layer); QEMU is
 * spawned. MIPS is reported against wall time and against this process's CPU time (the host
 * running the benchmark is often shared; CPU time is the steadier figure). The boot: both are
 * spawned with the same command line (emu as bin/emu-legacy, what users run), interleaved.
 */
import { readFileSync, existsSync } from 'node:fs';
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { VirtBoard } from '../../src/hw/guest/virt-board.ts';

const HERE = new URL('.', import.meta.url).pathname;
const FW = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 3) || 3;
const haveQemu = (() => { try { execFileSync('sh', ['-c', 'command -v qemu-system-riscv64'], { stdio: 'ignore' }); return true; } catch { return false; } })();

const median = (a: number[]): number => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const fmt = (a: number[], d = 1): string => `${median(a).toFixed(d)} [${Math.min(...a).toFixed(d)} – ${Math.max(...a).toFixed(d)}]`;

function emuGuest(elf: Uint8Array): Promise<{ wall: number; cpu: number; insns: number; out: string }> {
  return new Promise((resolve) => {
    let out = '';
    const c0 = process.cpuUsage(), t0 = performance.now();
    const b: VirtBoard = new VirtBoard({
      serial: { write: (d) => { out += Buffer.from(d).toString('latin1'); } },
      power: {
        poweroff: () => {
          const c = process.cpuUsage(c0);
          const r = { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, insns: b.runLoop.instructions, out };
          b.dispose();
          setImmediate(() => resolve(r));
        },
        reset: () => {},
      },
    });
    b.loadImages({ kernel: elf });
    b.runLoop.start();
  });
}

/** QEMU on the same guest; CPU time via /usr/bin/time (user + system of the QEMU process). */
function qemuGuest(elfPath: string): Promise<{ wall: number; cpu: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('/usr/bin/time', ['-f', 'CPU %U %S', 'qemu-system-riscv64', '-M', 'virt', '-bios', 'none', '-kernel', elfPath, '-nographic', '-m', '128M'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 120000);
    p.on('exit', () => {
      clearTimeout(timer);
      const m = /CPU ([\d.]+) ([\d.]+)/.exec(err);
      resolve({ wall: (performance.now() - t0) / 1000, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, out });
    });
    p.on('error', reject);
  });
}

/** How long after the prompt the idle measurement starts, and how long it lasts. */
const SETTLE_MS = 1000;
const IDLE_MS = 3000;
const EMU_LEGACY = join(HERE, '..', '..', 'bin', 'emu-legacy');

/**
 * Spawn an emulator with QEMU's command line for OpenSBI + U-Boot, press a key at the countdown,
 * time spawn → `=> `, then the emulator process's CPU while idle at the prompt (from /proc,
 * SETTLE_MS after the prompt: right at it V8's background threads are still optimizing).
 */
function boot(cmd: string): Promise<{ prompt: number; idlePct: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, ['-M', 'virt', '-m', '256M', '-nographic', '-bios', FW, '-kernel', UBOOT], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '', keyed = false, prompt = 0;
    const kill = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`${cmd}: no U-Boot prompt within 60 s`)); }, 60000);
    p.on('error', reject);
    p.stdout.on('data', (d) => {
      out += d;
      if (!keyed && out.includes('Hit any key')) { keyed = true; p.stdin.write('\r'); }
      if (keyed && !prompt && out.endsWith('=> ')) {
        prompt = (performance.now() - t0) / 1000;
        const ticks = (): number => { const f = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); };
        setTimeout(() => {
          const a = ticks(), w0 = performance.now();
          setTimeout(() => {
            const used = (ticks() - a) * 10; // clock ticks of 10 ms
            const idlePct = 100 * used / (performance.now() - w0);
            clearTimeout(kill); p.kill('SIGKILL');
            resolve({ prompt, idlePct });
          }, IDLE_MS);
        }, SETTLE_MS);
      }
    });
  });
}

const elfPath = join(HERE, 'cpubench.elf');
const elf = readFileSync(elfPath);
console.log(`# emu CPU benchmark (${new Date().toISOString()}, node ${process.version}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
const e: { wall: number; cpu: number; insns: number }[] = [];
let checksum = '';
for (let i = 0; i < runs; i++) {
  const r = await emuGuest(elf);
  checksum = /checksum (\S+)/.exec(r.out)?.[1] ?? 'MISSING';
  e.push(r);
}
const insns = e[0].insns;
console.log(`cpubench.elf: ${insns} guest instructions, checksum ${checksum}`);
console.log(`emu  MIPS (wall): ${fmt(e.map((r) => insns / r.wall / 1e6))}   MIPS (process CPU): ${fmt(e.map((r) => insns / r.cpu / 1e6))}   time ${fmt(e.map((r) => r.wall), 2)} s`);
if (haveQemu) {
  const q: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await qemuGuest(elfPath);
    if (!r.out.includes(checksum)) console.log('QEMU checksum differs!');
    q.push(r);
  }
  console.log(`QEMU MIPS (wall): ${fmt(q.map((r) => insns / r.wall / 1e6))}   MIPS (process CPU): ${fmt(q.map((r) => insns / r.cpu / 1e6))}   time ${fmt(q.map((r) => r.wall), 2)} s (whole process, start-up included)`);
}
if (existsSync(FW) && existsSync(UBOOT)) {
  // interleaved, so both see the same machine load
  const eb: { prompt: number; idlePct: number }[] = [], qb: { prompt: number; idlePct: number }[] = [];
  for (let i = 0; i < runs; i++) {
    eb.push(await boot(EMU_LEGACY));
    if (haveQemu) qb.push(await boot('qemu-system-riscv64'));
  }
  console.log(`emu  spawn to U-Boot prompt: ${fmt(eb.map((r) => r.prompt), 2)} s; host CPU idle at the prompt: ${fmt(eb.map((r) => r.idlePct))}% of one core`);
  if (haveQemu) {
    console.log(`QEMU spawn to U-Boot prompt: ${fmt(qb.map((r) => r.prompt), 2)} s; host CPU idle at the prompt: ${fmt(qb.map((r) => r.idlePct))}% of one core`);
    console.log(`ratio of medians: ${(median(eb.map((r) => r.prompt)) / median(qb.map((r) => r.prompt))).toFixed(2)}`);
  }
}
process.exit(0);
