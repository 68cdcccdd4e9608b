// QMP benchmark: emu (`emu --qmp-socket PATH -S`) against QEMU 7.2
// (`qemu-system-riscv64 -M virt -S -display none -nodefaults -qmp unix:PATH,server=on,wait=off`)
// in the same run, with the same client.
//
//   npx tsx bench/qmp/qmp-bench.ts [--runs 5] [--n 5000] [--startup-runs 10] [--no-qemu] [--json FILE]
//
// Measures, each on a fresh process per run:
//   startup    spawn -> connect() succeeds -> greeting -> qmp_capabilities reply -> query-status reply
//              (emu: the built binary, bin/emu; run `node scripts/build.mjs` first)
//   sequential one connection, send query-status, wait for the reply, repeat (ops/s, p50/p99 RTT)
//   pipelined  one connection, all N commands (ids 0..N-1) written at once, N replies read
//   multi      8 clients, each one request outstanding (emu: 8 connections to one socket; QEMU serves
//              one client per -qmp, so it gets 8 sockets, as in ../shared/tools/qmpbench.py)
//
// The client is a minimal raw-socket loop that counts CRLF-terminated lines, so it costs little and
// the same for both. Every wait has a timeout; every spawned process is killed by its PID.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const RUNS = opt('--runs', 5);
const N = opt('--n', 5000);
const STARTUP_RUNS = opt('--startup-runs', 10);
const CLIENTS = 8;
const WITH_QEMU = !args.includes('--no-qemu') && hasQemu();
const JSON_OUT = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const TIMEOUT = 20_000;
const BIN_EMU = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/emu');

function hasQemu(): boolean {
  try { execFileSync('qemu-system-riscv64', ['--version'], { stdio: 'ignore', timeout: 10000 }); return true; } catch { return false; }
}

// ---- process management ----

const children = new Set<ChildProcess>();
function killAll(): void {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => { killAll(); process.exit(130); });

interface Target {
  name: string;
  /** argv for one process whose primary QMP socket is `sock`; `extra` more sockets (QEMU multi). */
  argv(sock: string, extra: string[]): string[];
  multiSockets: boolean;
}

function spawnTarget(t: Target, sock: string, extra: string[] = []): ChildProcess {
  const [cmd, ...rest] = t.argv(sock, extra);
  const c = spawn(cmd, rest, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(c);
  c.on('exit', () => children.delete(c));
  return c;
}

async function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  process.kill(c.pid, 'SIGKILL');
  await Promise.race([exited, sleep(5000)]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

// ---- a minimal line client ----

class Line {
  private want = 0;
  private waiter: (() => void) | undefined;
  lines = 0;
  private constructor(readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => {
      // Count CRLFs without keeping the text: the server is what is measured.
      const s = d.toString('latin1');
      let i = -1;
      while ((i = s.indexOf('\n', i + 1)) >= 0) this.lines++;
      if (this.waiter && this.lines >= this.want) { const w = this.waiter; this.waiter = undefined; w(); }
    });
    sock.on('error', () => { /* surfaced as a timeout */ });
  }
  static async connect(p: string, deadlineMs: number): Promise<Line> {
    for (;;) {
      try {
        const s = await new Promise<net.Socket>((resolve, reject) => {
          const c = net.connect(p);
          c.once('connect', () => resolve(c));
          c.once('error', reject);
        });
        return new Line(s);
      } catch {
        if (now() > deadlineMs) throw new Error(`connect ${p}: timed out`);
        await sleep(1);
      }
    }
  }
  /**
   * Resolves when `count` lines in total have been received. One watchdog per connection bounds
   * every wait, instead of a timer per request that would slow the client down.
   */
  until(count: number): Promise<void> {
    if (this.lines >= count) return Promise.resolve();
    this.want = count;
    this.since = now();
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.fail = reject;
    });
  }
  private since = 0;
  private fail: ((e: Error) => void) | undefined;
  private readonly watchdog = setInterval(() => {
    if (this.waiter && now() - this.since > TIMEOUT) {
      this.waiter = undefined;
      this.fail?.(new Error(`timeout at ${this.lines}/${this.want} lines`));
    }
  }, 1000).unref();
  send(s: string): void { this.sock.write(s); }
  close(): void { clearInterval(this.watchdog); this.sock.destroy(); }
}

const QS = '{"execute":"query-status"}';

async function negotiated(sock: string): Promise<Line> {
  const l = await Line.connect(sock, now() + TIMEOUT);
  await l.until(1);
  l.send('{"execute":"qmp_capabilities"}');
  await l.until(2);
  return l;
}

// ---- measurements ----

interface Startup { connect: number; greeting: number; caps: number; status: number }

async function startup(t: Target): Promise<Startup> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emu-qmpb-'));
  const sock = path.join(dir, 'qmp.sock');
  const t0 = now();
  const c = spawnTarget(t, sock);
  try {
    const l = await Line.connect(sock, t0 + TIMEOUT);
    const connect = now() - t0;
    await l.until(1);
    const greeting = now() - t0;
    l.send('{"execute":"qmp_capabilities"}');
    await l.until(2);
    const caps = now() - t0;
    l.send(QS);
    await l.until(3);
    const status = now() - t0;
    l.close();
    return { connect, greeting, caps, status };
  } finally {
    await stop(c);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Latency { seqOps: number; p50: number; p99: number; pipeOps: number }

async function latency(t: Target): Promise<Latency> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emu-qmpb-'));
  const sock = path.join(dir, 'qmp.sock');
  const c = spawnTarget(t, sock);
  try {
    const l = await negotiated(sock);
    for (let i = 0; i < 200; i++) { l.send(QS); await l.until(l.lines + 1); } // warm-up
    const rtt = new Float64Array(N);
    const s0 = now();
    for (let i = 0; i < N; i++) {
      const a = now();
      const want = l.lines + 1;
      l.send(QS);
      await l.until(want);
      rtt[i] = now() - a;
    }
    const seqMs = now() - s0;
    rtt.sort();
    let batch = '';
    for (let i = 0; i < N; i++) batch += `{"execute":"query-status","id":${i}}`;
    const p0 = now();
    const want = l.lines + N;
    l.send(batch);
    await l.until(want);
    const pipeMs = now() - p0;
    l.close();
    return { seqOps: N / (seqMs / 1000), p50: rtt[Math.floor(N * 0.5)] * 1000, p99: rtt[Math.floor(N * 0.99)] * 1000, pipeOps: N / (pipeMs / 1000) };
  } finally {
    await stop(c);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function multi(t: Target): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emu-qmpb-'));
  const sock = path.join(dir, 'qmp.sock');
  const extra = t.multiSockets ? Array.from({ length: CLIENTS - 1 }, (_, i) => path.join(dir, `qmp${i + 1}.sock`)) : [];
  const c = spawnTarget(t, sock, extra);
  try {
    const socks = t.multiSockets ? [sock, ...extra] : Array.from({ length: CLIENTS }, () => sock);
    const ls = await Promise.all(socks.map((s) => negotiated(s)));
    const per = Math.floor(N / CLIENTS);
    const t0 = now();
    await Promise.all(ls.map(async (l) => {
      for (let i = 0; i < per; i++) {
        const want = l.lines + 1;
        l.send(QS);
        await l.until(want);
      }
    }));
    const ms = now() - t0;
    for (const l of ls) l.close();
    return (per * CLIENTS) / (ms / 1000);
  } finally {
    await stop(c);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const range = (xs: number[]): string => `[${Math.min(...xs).toFixed(1)} – ${Math.max(...xs).toFixed(1)}]`;

async function measure(t: Target): Promise<Record<string, number[]>> {
  const r: Record<string, number[]> = { connect: [], greeting: [], caps: [], status: [], seqOps: [], p50: [], p99: [], pipeOps: [], multiOps: [] };
  for (let i = 0; i < STARTUP_RUNS; i++) {
    const s = await startup(t);
    r.connect.push(s.connect); r.greeting.push(s.greeting); r.caps.push(s.caps); r.status.push(s.status);
  }
  for (let i = 0; i < RUNS; i++) {
    const l = await latency(t);
    r.seqOps.push(l.seqOps); r.p50.push(l.p50); r.p99.push(l.p99); r.pipeOps.push(l.pipeOps);
    r.multiOps.push(await multi(t));
  }
  return r;
}

// The least any Node.js program needs to greet: a bare unix-socket server answering every byte
// chunk with an empty return. Separates Node's own start-up from emu's.
const NODE_FLOOR = `const net=require('net');net.createServer(s=>{s.write('{"QMP": {"version": {}, "capabilities": []}}\\r\\n');` +
  `s.on('data',d=>{for(const c of d)if(c===125)s.write('{"return": {}}\\r\\n')})}).listen(process.argv[1])`;

async function main(): Promise<void> {
  const floor: Target = { name: 'node-floor', argv: (sock) => [process.execPath, '-e', NODE_FLOOR, sock], multiSockets: false };
  // emu is the shipped binary (bin/emu: the script bundle in dist/ and its code cache; run
  // `node scripts/build.mjs` first), what users start.
  const targets: Target[] = [{ name: 'emu', argv: (sock) => [process.execPath, BIN_EMU, '--qmp-socket', sock, '-S'], multiSockets: false }];
  if (WITH_QEMU) {
    targets.push({
      name: 'qemu',
      argv: (sock, extra) => ['qemu-system-riscv64', '-M', 'virt', '-S', '-display', 'none', '-nodefaults',
        '-qmp', `unix:${sock},server=on,wait=off`, ...extra.flatMap((e) => ['-qmp', `unix:${e},server=on,wait=off`])],
      multiSockets: true,
    });
  }
  const results: Record<string, Record<string, number[]>> = {};
  // Interleave the emulators run by run would be fairer on a noisy box, but each measurement
  // spawns fresh processes anyway; run emu then QEMU back to back.
  for (const t of targets) results[t.name] = await measure(t);
  const fl: number[] = [];
  for (let i = 0; i < STARTUP_RUNS; i++) fl.push((await startup(floor)).greeting);
  results.floor = { greeting: fl };
  const rows: Array<[string, string, boolean]> = [
    ['spawn → connect (ms)', 'connect', false], ['spawn → greeting (ms)', 'greeting', false],
    ['spawn → qmp_capabilities reply (ms)', 'caps', false], ['spawn → query-status reply (ms)', 'status', false],
    ['sequential ops/s', 'seqOps', true], ['sequential p50 RTT (µs)', 'p50', false], ['sequential p99 RTT (µs)', 'p99', false],
    ['pipelined ops/s', 'pipeOps', true], [`${CLIENTS} clients ops/s`, 'multiOps', true],
  ];
  const out: string[] = [];
  out.push(`QMP bench: N=${N}, runs=${RUNS} (startup runs=${STARTUP_RUNS}), node ${process.version}, ${os.cpus().length} CPUs, loadavg ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  out.push('');
  out.push(`| metric | emu median [min – max] |${WITH_QEMU ? ' QEMU median [min – max] | emu vs QEMU |' : ''}`);
  out.push(`|---|---|${WITH_QEMU ? '---|---|' : ''}`);
  for (const [label, key, higherBetter] of rows) {
    const e = results.emu[key];
    let line = `| ${label} | ${median(e).toFixed(1)} ${range(e)} |`;
    if (WITH_QEMU) {
      const q = results.qemu[key];
      const ratio = higherBetter ? median(e) / median(q) : median(q) / median(e);
      line += ` ${median(q).toFixed(1)} ${range(q)} | ${ratio.toFixed(2)}× ${higherBetter ? '' : '(QEMU/emu)'} |`;
    }
    out.push(line);
  }
  out.push('');
  out.push(`Node.js floor (a bare Node unix-socket server): spawn → greeting ${median(results.floor.greeting).toFixed(1)} ms ${range(results.floor.greeting)}`);
  process.stdout.write(out.join('\n') + '\n');
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify({ N, RUNS, STARTUP_RUNS, results }, null, 2));
}

main().catch((e: unknown) => {
  killAll();
  process.stderr.write(`qmp-bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
