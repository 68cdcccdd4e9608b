// bench/firmware: spawn → the embedded firmware's `emu> ` prompt on the serial console (stdio), for
// `emu` and `emu-legacy -nographic`, 256 MiB, 1 and 4 harts. Target: ≤ 300 ms.
// Also: spawn → the banner's first line; in one process, QMP greeting → prompt (what the firmware
// adds to emu's own start-up), bare and with a disk and a CD drive (the storage drivers' scan and the
// boot attempts); the process's CPU time at the prompt (less sensitive to a loaded machine than
// wall time); and the host CPU time an idle prompt costs over 2 s.
// Run: npx tsx bench/firmware/firmware-bench.ts [runs]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.argv[2] ?? 15);
const EMU = new URL('../../bin/emu', import.meta.url).pathname;
const EMU_LEGACY = new URL('../../bin/emu-legacy', import.meta.url).pathname;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The process's user + system CPU time so far, ms (/proc/PID/stat fields 14 and 15, 100 Hz ticks). */
function cpuMs(pid: number): number {
  const f = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function once(cmd: string, args: string[], idleMs = 0): Promise<{ banner: number; prompt: number; promptCpuMs: number; idleCpuMs: number }> {
  const t0 = performance.now();
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  try {
    let out = '';
    let banner = 0;
    let promptCpuMs = 0;
    const prompt = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${cmd}: no prompt in 20 s`)), 20_000);
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (!banner && out.includes('emu firmware')) banner = performance.now() - t0;
        if (out.includes('emu> ') && !promptCpuMs) { promptCpuMs = cpuMs(proc.pid!); clearTimeout(timer); resolve(performance.now() - t0); }
      });
    });
    let idleCpuMs = 0;
    if (idleMs) {
      const c0 = cpuMs(proc.pid!);
      await new Promise((r) => setTimeout(r, idleMs));
      idleCpuMs = cpuMs(proc.pid!) - c0;
    }
    return { banner, prompt, promptCpuMs, idleCpuMs };
  } finally {
    proc.kill('SIGKILL');
  }
}

async function measure(name: string, cmd: string, args: string[]) {
  const b: number[] = [];
  const p: number[] = [];
  const c: number[] = [];
  await once(cmd, args);
  for (let i = 0; i < RUNS; i++) {
    const m = await once(cmd, args);
    b.push(m.banner);
    p.push(m.prompt);
    c.push(m.promptCpuMs);
  }
  console.log(`${name.padEnd(34)} banner ${median(b).toFixed(0).padStart(4)} ms   prompt median ${median(p).toFixed(0).padStart(4)} ms  (min ${Math.min(...p).toFixed(0)}, max ${Math.max(...p).toFixed(0)})   CPU to prompt median ${median(c).toFixed(0)} ms (min ${Math.min(...c)})`);
}

const { createRequire } = await import('node:module');
const require = createRequire(import.meta.url);

/** In one process: spawn → QMP greeting (emu's own start-up) and spawn → prompt; the difference is
 * what the firmware and the machine's start add. */
async function split(extra: string[] = []): Promise<{ greeting: number; prompt: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'emu-bench-fw-'));
  const sock = join(dir, 'q.sock');
  const t0 = performance.now();
  const proc = spawn(EMU, ['--qmp-socket', sock, '--chardev', 'stdio,id=s0', '--machine', 'virt,memory=256M,serial=s0', ...extra], { stdio: ['pipe', 'pipe', 'ignore'] });
  try {
    let out = '';
    const prompt = new Promise<number>((resolve) => proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('emu> ')) resolve(performance.now() - t0);
    }));
    while (!existsSync(sock)) {
      if (performance.now() - t0 > 20_000) throw new Error('no QMP socket');
      await new Promise((r) => setTimeout(r, 1));
    }
    const greeting = await new Promise<number>((resolve) => {
      const attempt = () => {
        const s = net.connect(sock);
        s.on('error', () => setTimeout(attempt, 1));
        s.on('data', () => { resolve(performance.now() - t0); s.destroy(); });
      };
      attempt();
    });
    return { greeting, prompt: await prompt };
  } finally {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`runs: ${RUNS}`);
await measure('emu, 1 hart', EMU, ['--chardev', 'stdio,id=s0', '--machine', 'virt,memory=256M,serial=s0']);
await measure('emu, 4 harts', EMU, ['--chardev', 'stdio,id=s0', '--machine', 'virt,memory=256M,serial=s0,smp.cpus=4']);
await measure('emu-legacy -nographic, 1 hart', EMU_LEGACY, ['-nographic', '-m', '256M']);
// A disk (virtio-blk) and a CD drive (scsi-cd on virtio-scsi), as the README's machine has.
const media = mkdtempSync(join(tmpdir(), 'emu-bench-fw-media-'));
writeFileSync(join(media, 'disk.img'), Buffer.alloc(64 * 1024 * 1024));
writeFileSync(join(media, 'x.iso'), Buffer.alloc(10 * 1024 * 1024));
const storage = ['--blockdev', `driver=raw,node-name=d,file.driver=file,file.filename=${join(media, 'disk.img')}`,
  '--blockdev', `driver=raw,node-name=c,read-only=on,file.driver=file,file.filename=${join(media, 'x.iso')}`,
  '--device', 'virtio-blk-device,drive=d', '--device', 'virtio-scsi-device', '--device', 'scsi-cd,drive=c'];
await measure('emu, 1 hart, disk + CD', EMU, ['--chardev', 'stdio,id=s0', '--machine', 'virt,memory=256M,serial=s0', ...storage]);
await measure('emu-legacy -hda -cdrom -nographic', EMU_LEGACY, ['-nographic', '-m', '256M', '-hda', join(media, 'disk.img'), '-cdrom', join(media, 'x.iso')]);
for (const [name, extra] of [['1 hart', []], ['1 hart, disk + CD', storage]] as const) {
  const g: number[] = [];
  const q: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const m = await split([...extra]);
    g.push(m.greeting);
    q.push(m.prompt);
  }
  console.log(`emu --qmp-socket, ${name}: QMP greeting median ${median(g).toFixed(0)} ms, prompt median ${median(q).toFixed(0)} ms, per-run prompt - greeting median ${median(q.map((x, i) => x - g[i])).toFixed(0)} ms`);
}
rmSync(media, { recursive: true, force: true });
const idle = await once(EMU, ['--chardev', 'stdio,id=s0', '--machine', 'virt,memory=256M,serial=s0,smp.cpus=4'], 2000);
console.log(`idle prompt, 4 harts: ${idle.idleCpuMs} ms of host CPU over 2000 ms`);
