// bench/startup: spawn → QMP greeting (and → first reply) for `emu --qmp-socket PATH -S`, for emu with
// a config of 20 devices, and for `qemu-system-riscv64 -M virt -S -display none -nodefaults -qmp
// unix:PATH,server=on,wait=off` in the same run when QEMU is installed; beside them the floor, a bare
// Node program that greets on a unix socket, emu without its code cache (EMU_CODE_CACHE=off) and emu
// through its previous launcher (an import of the ES module bundle, esm-launcher.mjs).
// Each run starts every target once, in turn, so load changes hit them alike.
//
// Besides wall time, the CPU time each process has used when its greeting arrives (all its threads,
// from /proc/PID/task/*/schedstat): on a shared machine it moves far less than wall time.
//
// Then the breakdown: where emu's CPU time goes up to the greeting, from a preload
// (trace-preload.cjs) that reads the process's CPU clock where start-up changes hands.
//
// Run: node scripts/build.mjs && npx tsx bench/startup/startup-bench.ts [runs]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.argv[2] ?? 15);
const EMU = new URL('../../bin/emu', import.meta.url).pathname;
const PRELOAD = new URL('./trace-preload.cjs', import.meta.url).pathname;
const ESM_LAUNCHER = new URL('./esm-launcher.mjs', import.meta.url).pathname;
const TIMEOUT_MS = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'emu-bench-startup-'));

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
  rmSync(dir, { recursive: true, force: true });
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** CPU time (ms) of every thread of a process so far. */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try { ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread ended */ }
  }
  return ns / 1e6;
}

interface Once { greeting: number; reply: number; cpu: number; trace?: Array<[string, number, number]> }

async function once(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Once> {
  const sock = join(dir, `s${Math.random().toString(36).slice(2)}.sock`);
  const full = args.map((a) => a.replace('SOCK', sock));
  const t0 = performance.now();
  const proc = spawn(cmd, full, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  children.add(proc);
  let stderr = '';
  proc.stderr!.on('data', (d) => { stderr += d; });
  try {
    while (!existsSync(sock)) {
      if (performance.now() - t0 > TIMEOUT_MS || proc.exitCode !== null) throw new Error(`${cmd} ${full.join(' ')}: no socket; ${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 1));
    }
    const r = await new Promise<Once>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${cmd}: no greeting in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      const attempt = () => {
        const s = net.connect(sock);
        let buf = '';
        let greeting = 0;
        let cpu = 0;
        s.on('error', () => setTimeout(attempt, 1));
        s.on('data', (d) => {
          buf += d.toString();
          if (!greeting && buf.includes('\n')) {
            greeting = performance.now() - t0;
            cpu = cpuMs(proc.pid!);
            s.write('{"execute":"qmp_capabilities"}');
          } else if (greeting && buf.split('\n').length > 2) {
            clearTimeout(timer);
            resolve({ greeting, reply: performance.now() - t0, cpu });
            s.destroy();
          }
        });
      };
      attempt();
    });
    const line = stderr.split('\n').find((l) => l.startsWith('EMU-STARTUP-TRACE '));
    if (line) r.trace = JSON.parse(line.slice('EMU-STARTUP-TRACE '.length));
    return r;
  } finally {
    proc.kill('SIGKILL');
    children.delete(proc);
  }
}

const images = Array.from({ length: 4 }, (_, i) => {
  const f = join(dir, `d${i}.img`);
  writeFileSync(f, Buffer.alloc(1 << 16));
  return f;
});
const cfg = join(dir, 'twenty.json');
writeFileSync(cfg, JSON.stringify({
  machine: { type: 'virt', memory: '256M' },
  blockdevs: images.map((f, i) => ({ driver: 'raw', 'node-name': `d${i}`, 'read-only': true, file: { driver: 'file', filename: f } })),
  devices: [
    ...images.map((_, i) => ({ driver: 'virtio-blk-device', id: `vd${i}`, drive: `d${i}` })),
    { driver: 'virtio-scsi-device', id: 'scsi0' },
    ...Array.from({ length: 15 }, (_, i) => ({ driver: 'scsi-cd', id: `cd${i}`, bus: 'scsi0.0' })),
  ],
}));

// The least any Node.js program needs to greet on a unix socket.
const FLOOR = `require('net').createServer(s=>{s.write('{"QMP": {}}\\r\\n');s.on('data',()=>s.write('{"return": {}}\\r\\n'))}).listen(process.argv[1])`;

interface Target { name: string; cmd: string; args: string[]; env?: Record<string, string>; runs: Once[] }
const targets: Target[] = [
  { name: 'node floor (bare unix-socket server)', cmd: process.execPath, args: ['-e', FLOOR, 'SOCK'], runs: [] },
  { name: 'emu --qmp-socket P -S', cmd: process.execPath, args: [EMU, '--qmp-socket', 'SOCK', '-S'], runs: [] },
  { name: 'same, EMU_CODE_CACHE=off', cmd: process.execPath, args: [EMU, '--qmp-socket', 'SOCK', '-S'], env: { EMU_CODE_CACHE: 'off' }, runs: [] },
  { name: 'same, previous launcher (ES module)', cmd: process.execPath, args: [ESM_LAUNCHER, '--qmp-socket', 'SOCK', '-S'], runs: [] },
  { name: 'emu, config with 20 devices, -S', cmd: process.execPath, args: [EMU, '--qmp-socket', 'SOCK', '-S', cfg], runs: [] },
];
if (spawnSync('qemu-system-riscv64', ['--version']).status === 0) {
  targets.push({ name: 'qemu-system-riscv64 -M virt -S', cmd: 'qemu-system-riscv64', args: ['-M', 'virt', '-S', '-display', 'none', '-nodefaults', '-qmp', 'unix:SOCK,server=on,wait=off'], runs: [] });
}
const traced: Target[] = [
  { name: 'emu --qmp-socket P -S', cmd: process.execPath, args: ['-r', PRELOAD, EMU, '--qmp-socket', 'SOCK', '-S'], runs: [] },
  { name: 'emu, config with 20 devices', cmd: process.execPath, args: ['-r', PRELOAD, EMU, '--qmp-socket', 'SOCK', '-S', cfg], runs: [] },
];

console.log(`runs: ${RUNS}, node ${process.version}, loadavg at start ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const t of [...targets, ...traced]) await once(t.cmd, t.args, t.env); // warm the page cache
for (let i = 0; i < RUNS; i++) for (const t of [...targets, ...traced]) t.runs.push(await once(t.cmd, t.args, t.env));

const f = (x: number) => x.toFixed(1).padStart(7);
console.log(`\n${'target'.padEnd(38)} greeting  first reply   CPU at greeting   (medians, ms; min greeting)`);
for (const t of targets) {
  const g = t.runs.map((r) => r.greeting);
  console.log(`${t.name.padEnd(38)}${f(median(g))}  ${f(median(t.runs.map((r) => r.reply)))}      ${f(median(t.runs.map((r) => r.cpu)))}          (${Math.min(...g).toFixed(1)})`);
}
const q = targets.find((t) => t.cmd === 'qemu-system-riscv64');
if (q) {
  const qr = median(q.runs.map((r) => r.reply));
  const qc = median(q.runs.map((r) => r.cpu));
  for (const t of targets.slice(1, 5)) {
    console.log(`ratio ${t.name} / QEMU: first reply ${(median(t.runs.map((r) => r.reply)) / qr).toFixed(2)}, CPU ${(median(t.runs.map((r) => r.cpu)) / qc).toFixed(2)}`);
  }
} else {
  console.log('qemu-system-riscv64 not installed (Debian qemu-system-misc): no comparison');
}

console.log('\nbreakdown of CPU time up to the greeting (medians, ms; the trace preload loads node:net itself):');
for (const t of traced) {
  const names = t.runs[0].trace!.map(([n]) => n);
  const parts = names.map((n, i) => `${n} ${median(t.runs.map((r) => (r.trace![i][1] - (i ? r.trace![i - 1][1] : 0)) / 1000)).toFixed(1)}`);
  console.log(`${t.name.padEnd(30)} ${parts.join(' | ')} | total ${median(t.runs.map((r) => r.trace!.at(-1)![1] / 1000)).toFixed(1)}`);
}
process.exit(0);
