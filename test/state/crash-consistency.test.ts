// Crash consistency of the state file: random configuration changes, SIGKILL at random moments.
// After every kill the file parses, is a complete machine document that rebuilds a machine, and its
// generation never goes below one that was acknowledged. A fault-injection switch that fails a write
// at each step shows the same: the file keeps the last acknowledged generation.

import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createCore } from '../../src/qmp/core.ts';
import { documentCommands } from '../../src/hw/machine/document.ts';
import { StateFileWriter } from '../../src/vl2/state-file.ts';
import { EMU, spawnBinary, tempDir, waitFor } from '../helpers/emu.ts';
import { QmpClient } from '../../src/qmp/client.ts';

const ITERATIONS = Number(process.env.EMU_CRASH_ITERATIONS ?? 200);
// Each iteration spawns and kills a real emu: allow for a loaded machine.
t.setTimeout(600_000);

async function replayable(text: string): Promise<{ generation: number }> {
  const doc = JSON.parse(text);
  const { generation, ...rest } = doc;
  const core = createCore();
  for (const c of documentCommands(rest)) await core.dispatcher.submit(c.execute, c.arguments);
  core.vm.blocks.closeAll();
  return { generation };
}

function randomCommand(r: () => number, n: number): [string, Record<string, unknown>] {
  const k = Math.floor(r() * 6);
  const id = `x${Math.floor(r() * 8)}`;
  switch (k) {
    case 0: return ['device_add', { driver: 'virtio-scsi-device', id: `s${id}` }];
    case 1: return ['device_del', { id: `s${id}` }];
    case 2: return ['chardev-add', { id: `c${id}`, backend: { type: 'null', data: {} } }];
    case 3: return ['chardev-remove', { id: `c${id}` }];
    case 4: return ['blockdev-add', { driver: 'null-co', 'node-name': `n${id}`, size: 4096 * (n + 1) }];
    default: return ['blockdev-del', { 'node-name': `n${id}` }];
  }
}

t.test(`${ITERATIONS} random kills leave a valid, acknowledged state file`, async (t) => {
  const dir = tempDir('emu-crash-');
  const state = join(dir, 'vm.json');
  const socket = join(dir, 'q.sock');
  let seed = 12345;
  const r = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let lastAcked = 0;
  let lastOnDisk = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const first = i === 0;
    const p = spawnBinary(t, EMU, ['--qmp-socket', socket, '--state-file', state, '-S', ...(first ? ['--machine', 'virt'] : [])]);
    let died = false;
    void p.exited.then(() => { died = true; });
    await waitFor(() => died || existsSync(socket), 'socket');
    let client: QmpClient | undefined;
    while (!client && !died) {
      try {
        client = await QmpClient.connect(socket, { timeoutMs: 5000 });
      } catch {
        await new Promise((res) => setTimeout(res, 5));
      }
    }
    if (!client) {
      t.fail(`iteration ${i}: emu died: ${p.stderr()}`);
      return;
    }
    const c = client;
    c.onEvent((e) => {
      if (e.event === 'STATE_FILE_SAVED') lastAcked = Math.max(lastAcked, (e.data as { generation: number }).generation);
    });
    const killAfter = Math.floor(r() * 25);
    const killer = setTimeout(() => p.proc.kill('SIGKILL'), killAfter);
    for (let k = 0; k < 20 && !died; k++) {
      const [name, args] = randomCommand(r, k);
      c.execute(name, args).catch(() => undefined);
      await new Promise((res) => setImmediate(res));
    }
    await p.exited;
    clearTimeout(killer);
    await c.close().catch(() => undefined);
    const text = readFileSync(state, 'utf8');
    let gen: number;
    try {
      gen = (await replayable(text)).generation;
    } catch (e) {
      t.fail(`iteration ${i}: the state file does not rebuild a machine: ${(e as Error).message}\n${text}`);
      return;
    }
    if (!(gen >= lastAcked && gen >= lastOnDisk)) {
      t.fail(`iteration ${i}: generation ${gen} on disk, but ${lastAcked} was acknowledged and ${lastOnDisk} was on disk before`);
      return;
    }
    lastOnDisk = gen;
    const leftovers = readdirSync(dir).filter((f) => f !== 'vm.json' && f !== 'vm.json.lock' && f !== 'q.sock' && !f.startsWith('.vm.json'));
    if (leftovers.length) {
      t.fail(`iteration ${i}: unexpected files ${leftovers.join(', ')}`);
      return;
    }
  }
  t.ok(lastOnDisk > 1, `the machine went through ${lastOnDisk} generations`);
});

t.test('a write failing at each step leaves the last acknowledged generation', async (t) => {
  for (const step of ['before-fsync', 'before-rename', 'before-dir-fsync'] as const) {
    const dir = tempDir('emu-fault-');
    const path = join(dir, 'vm.json');
    const { vm, dispatcher } = createCore();
    const w = new StateFileWriter(path, vm, () => {}, 0, { fault: { step, write: 3 } });
    dispatcher.onCommit((decl, _a, source) => w.change({ source, command: decl.command }));
    await w.change({ source: 'test', what: 'created' });
    await dispatcher.submit('machine-set', { type: 'virt' });
    const acked = readFileSync(path, 'utf8');
    await t.rejects(dispatcher.submit('chardev-add', { id: 'c0', backend: { type: 'null', data: {} } }),
      { message: /Failed to save the state file/ }, `${step}: the change is not acknowledged`);
    const after = readFileSync(path, 'utf8');
    if (step === 'before-dir-fsync') {
      // The rename happened; only the folder's durability is unknown: either generation is whole.
      t.ok(after === acked || JSON.parse(after).generation === 3, `${step}: old or new generation, never a mix`);
    } else {
      t.equal(after, acked, `${step}: the file still holds generation 2`);
    }
    t.equal((await replayable(after)).generation >= 2, true);
    // The next change writes again and is acknowledged.
    await dispatcher.submit('chardev-add', { id: 'c1', backend: { type: 'null', data: {} } });
    t.equal(JSON.parse(readFileSync(path, 'utf8')).generation, 4);
  }
});
