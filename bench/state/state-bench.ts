// bench/state: durable configuration changes per second with --state-file, and the QMP latency each
// change adds (p50/p99), against the same changes without a state file. Run: npx tsx bench/state/state-bench.ts
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QmpClient } from '../../src/qmp/client.ts';

const N = Number(process.argv[2] ?? 400);
const EMU = new URL('../../bin/emu', import.meta.url).pathname;

async function start(withState: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'emu-bench-state-'));
  const sock = join(dir, 'q.sock');
  const args = ['--qmp-socket', sock, '-S', '--machine', 'virt', ...(withState ? ['--state-file', join(dir, 'vm.json')] : [])];
  const proc = spawn(EMU, args, { stdio: 'ignore' });
  const end = Date.now() + 20_000;
  while (!existsSync(sock)) {
    if (Date.now() > end) throw new Error('no socket');
    await new Promise((r) => setTimeout(r, 10));
  }
  let client: QmpClient | undefined;
  while (!client) client = await QmpClient.connect(sock).catch(async () => { await new Promise((r) => setTimeout(r, 10)); return undefined; });
  return { proc, client };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function run(withState: boolean) {
  const { proc, client } = await start(withState);
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const a = performance.now();
    await client.execute('chardev-add', { id: `c${i}`, backend: { type: 'null', data: {} } });
    lat.push(performance.now() - a);
  }
  const seqSecs = (performance.now() - t0) / 1000;
  // Pipelined: all at once; durable writes coalesce, every reply still waits for its generation.
  const t1 = performance.now();
  await Promise.all(Array.from({ length: N }, (_, i) => client.execute('chardev-remove', { id: `c${i}` })));
  const pipeSecs = (performance.now() - t1) / 1000;
  await client.execute('quit').catch(() => undefined);
  proc.kill('SIGKILL');
  return { seq: N / seqSecs, pipe: N / pipeSecs, p50: pct(lat, 50), p99: pct(lat, 99) };
}

const base = await run(false);
const state = await run(true);
const f = (x: number) => x.toFixed(0);
const ms = (x: number) => `${x.toFixed(2)} ms`;
console.log(`changes: ${N} chardev-add (sequential) then ${N} chardev-remove (pipelined)`);
console.log(`without state file: ${f(base.seq)}/s sequential, ${f(base.pipe)}/s pipelined, p50 ${ms(base.p50)}, p99 ${ms(base.p99)}`);
console.log(`with --state-file:  ${f(state.seq)}/s sequential, ${f(state.pipe)}/s pipelined, p50 ${ms(state.p50)}, p99 ${ms(state.p99)}`);
console.log(`latency added by durability: p50 ${ms(state.p50 - base.p50)}, p99 ${ms(state.p99 - base.p99)}`);
process.exit(0);
