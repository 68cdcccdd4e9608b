/**
 * QMP latency while the guest computes: spawn bin/emu running cpuloop.elf (cpubench's CRC and
 * sorts without end) with a QMP socket, send `query-status` round trips every few ms for some
 * seconds, and report p50 / p99 / max round-trip time, with the emulator's CPU use over the
 * same window (≈ 100 % of a core shows the guest really was computing). QEMU runs the same
 * guest for comparison when qemu-system-riscv64 is installed.
 *
 *   npx tsx bench/cpu/qmp-latency.ts [--seconds S] [--interval MS] [--runs N]
 *
 * Run `node scripts/build.mjs` first: bin/emu loads dist/.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HERE = new URL('.', import.meta.url).pathname;
const ROOT = join(HERE, '..', '..');
const GUEST = join(HERE, 'cpuloop.elf');
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}: expected a positive number, got ${process.argv[i + 1]}`);
  return v;
};
const seconds = arg('--seconds', 5), interval = arg('--interval', 5), runs = arg('--runs', 1);
const haveQemu = (() => { try { execFileSync('sh', ['-c', 'command -v qemu-system-riscv64'], { stdio: 'ignore' }); return true; } catch { return false; } })();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (s: number[], p: number): number => s[Math.min(s.length - 1, Math.floor(s.length * p))];

/** CPU ticks (user + system, 10 ms each) of a process so far. */
function ticks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function connectWhenReady(path: string, child: ChildProcess, ms: number): Promise<Socket> {
  const until = performance.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`emulator exited (${child.exitCode}) before its QMP socket was ready`);
    if (existsSync(path)) {
      const s = await new Promise<Socket | null>((resolve) => {
        const c = connect(path);
        c.once('connect', () => resolve(c));
        c.once('error', () => resolve(null));
      });
      if (s) return s;
    }
    if (performance.now() > until) throw new Error(`QMP socket ${path} not ready after ${ms} ms`);
    await sleep(20);
  }
}

/** Line-oriented QMP client: `cmd` resolves with the next reply (events are skipped). */
function qmpClient(sock: Socket): { cmd: (execute: string) => Promise<unknown>; greeting: Promise<void> } {
  let buf = '';
  const waiters: ((v: unknown) => void)[] = [];
  let greeted: () => void;
  const greeting = new Promise<void>((r) => { greeted = r; });
  sock.setNoDelay(true);
  sock.on('data', (d) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      const m = JSON.parse(line) as Record<string, unknown>;
      if ('QMP' in m) greeted();
      else if ('return' in m || 'error' in m) waiters.shift()?.(m);
    }
  });
  const cmd = (execute: string): Promise<unknown> => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no reply to ${execute} within 10 s`)), 10000);
    waiters.push((v) => { clearTimeout(t); resolve(v); });
    sock.write(JSON.stringify({ execute }) + '\n');
  });
  return { cmd, greeting };
}

async function measure(name: string, argv: (sock: string) => [string, string[]]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'emu-qmplat-'));
  const path = join(dir, 'qmp.sock');
  const [bin, args] = argv(path);
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const sock = await connectWhenReady(path, child, 15000);
    const q = qmpClient(sock);
    await q.greeting;
    await q.cmd('qmp_capabilities');
    const st = await q.cmd('query-status') as { return?: { status?: string } };
    if (st.return?.status !== 'running') throw new Error(`${name}: guest not running: ${JSON.stringify(st)}`);
    await sleep(1000); // past start-up and the compiler's first blocks
    const rtt: number[] = [];
    const t0 = performance.now(), k0 = ticks(child.pid!);
    while (performance.now() - t0 < seconds * 1000) {
      const a = performance.now();
      await q.cmd('query-status');
      rtt.push(performance.now() - a);
      await sleep(interval);
    }
    const cpu = 100 * (ticks(child.pid!) - k0) * 10 / (performance.now() - t0);
    sock.destroy();
    rtt.sort((x, y) => x - y);
    return `${name}: ${rtt.length} query-status round trips every ${interval} ms over ${seconds} s: ` +
      `p50 ${pct(rtt, 0.5).toFixed(2)} ms, p99 ${pct(rtt, 0.99).toFixed(2)} ms, max ${rtt[rtt.length - 1].toFixed(2)} ms; ` +
      `emulator CPU ${cpu.toFixed(0)}% of one core`;
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`# QMP latency while the guest computes (${new Date().toISOString()}, node ${process.version}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
for (let r = 0; r < runs; r++) {
  console.log(await measure('emu ', (s) => [join(ROOT, 'bin', 'emu'), ['--machine', `type=virt,bios=none,kernel=${GUEST}`, '--qmp-socket', s]]));
  if (haveQemu) {
    console.log(await measure('QEMU', (s) => ['qemu-system-riscv64', ['-M', 'virt', '-m', '128M', '-bios', 'none', '-kernel', GUEST, '-display', 'none', '-serial', 'null', '-monitor', 'none', '-qmp', `unix:${s},server=on,wait=off`]]));
  }
}
process.exit(0);
