// emu --state-file through the real binary: the file survives kill -9 exactly as acknowledged, the
// lock keeps a second emu away, hardware options beside an existing file are refused.

import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMU, runBinary, type Spawned, spawnBinary, startEmuWithQmp, tempDir, waitFor } from '../helpers/emu.ts';

function setup() {
  const dir = tempDir('emu-state-');
  const disk = join(dir, 'disk.img');
  const iso = join(dir, 'cd.iso');
  writeFileSync(disk, Buffer.alloc(1 << 20));
  writeFileSync(iso, Buffer.alloc(1 << 20, 7));
  return { dir, disk, iso, state: join(dir, 'vm.json') };
}

async function kill9(p: Spawned) {
  p.proc.kill('SIGKILL');
  await p.exited;
}

t.test('a machine built over QMP survives kill -9 identically', async (t) => {
  const { disk, iso, state } = setup();
  const a = await startEmuWithQmp(t, ['--state-file', state, '-S']);
  const q = a.client;
  await q.execute('blockdev-add', { driver: 'raw', 'node-name': 'd0', file: { driver: 'file', filename: disk } });
  await q.execute('blockdev-add', { driver: 'raw', 'node-name': 'cd0', 'read-only': true, file: { driver: 'file', filename: iso } });
  await q.execute('chardev-add', { id: 'c0', backend: { type: 'null', data: {} } });
  await q.execute('machine-set', { type: 'virt', memory: 256 << 20, smp: { cpus: 2 }, serial: 'c0' });
  await q.execute('device_add', { driver: 'virtio-blk-device', id: 'vd0', drive: 'd0' });
  await q.execute('device_add', { driver: 'virtio-scsi-device', id: 'scsi0' });
  await q.execute('device_add', { driver: 'scsi-cd', id: 'cd', drive: 'cd0' });
  const before = await q.execute('x-query-machine-document');
  await kill9(a);
  const onDisk = JSON.parse(readFileSync(state, 'utf8'));
  const { generation, ...docOnDisk } = onDisk;
  t.ok(generation >= 2, 'generations were written');
  t.same(docOnDisk, before, 'the file equals the acknowledged machine');
  const b = await startEmuWithQmp(t, ['--state-file', state, '-S']);
  t.same(await b.client.execute('x-query-machine-document'), before, 'relaunch rebuilds the same machine');
  await b.client.execute('quit');
  await b.exited;
});

t.test('an open tray stays open after kill -9 right after the reply', async (t) => {
  const { iso, state } = setup();
  const a = await startEmuWithQmp(t, ['--state-file', state, '-S',
    '--blockdev', `driver=raw,node-name=cd0,read-only=on,file.driver=file,file.filename=${iso}`,
    '--machine', 'virt', '--device', 'virtio-scsi-device,id=scsi0', '--device', 'scsi-cd,id=cd,drive=cd0']);
  const moved = a.client.waitEvent('DEVICE_TRAY_MOVED', { timeoutMs: 5000 });
  await a.client.execute('blockdev-open-tray', { id: 'cd' });
  a.proc.kill('SIGKILL');
  t.same((await moved).data, { device: '', id: 'cd', 'tray-open': true });
  await a.exited;
  const b = await startEmuWithQmp(t, ['--state-file', state, '-S']);
  const block = (await b.client.execute('query-block')) as { qdev: string; tray_open: boolean }[];
  t.equal(block.find((x) => x.qdev === 'cd')?.tray_open, true);
});

t.test('every change is announced with its generation after it is durable', async (t) => {
  const { state } = setup();
  const a = await startEmuWithQmp(t, ['--state-file', state, '-S', '--machine', 'virt']);
  const saved = a.client.waitEvent((e) => e.event === 'STATE_FILE_SAVED' && (e.data as { changes: { command?: string }[] }).changes.some((c) => c.command === 'device_add'));
  await a.client.execute('device_add', { driver: 'virtio-scsi-device', id: 's0' });
  const ev = await saved;
  const gen = (ev.data as { generation: number }).generation;
  t.equal(JSON.parse(readFileSync(state, 'utf8')).generation, gen, 'the announced generation is on disk');
});

t.test('the lock: a second emu is refused with the holder pid; a dead holder is recovered', async (t) => {
  const { state } = setup();
  const a = await startEmuWithQmp(t, ['--state-file', state, '-S', '--machine', 'virt']);
  const second = await runBinary(t, EMU, ['--state-file', state, '-S'], { timeoutMs: 10_000 });
  t.equal(second.code, 1);
  t.match(second.stderr, new RegExp(`in use by another emu \\(pid ${a.pid}\\)`));
  await kill9(a);
  const c = await startEmuWithQmp(t, ['--state-file', state, '-S']);
  t.same(await c.client.execute('query-machine-phase'), { phase: 'machine-created' });
});

t.test('hardware options beside an existing state file are an error unless --state-reset', async (t) => {
  const { state } = setup();
  const a = spawnBinary(t, EMU, ['--state-file', state, '-S', '--machine', 'virt']);
  await waitFor(() => { try { return JSON.parse(readFileSync(state, 'utf8')).generation >= 1; } catch { return false; } }, 'state file');
  await kill9(a);
  const r = await runBinary(t, EMU, ['--state-file', state, '--machine', 'virt,memory=1G', '--check']);
  t.equal(r.code, 1);
  t.match(r.stderr, /exists and is the machine; argument 3 \(--machine virt,memory=1G\) cannot change it — use --state-reset/);
  const b = await startEmuWithQmp(t, ['--state-file', state, '--state-reset', '-S', '--machine', 'virt,memory=1G']);
  const doc = (await b.client.execute('x-query-machine-document')) as { machine: { memory: number } };
  t.equal(doc.machine.memory, 1 << 30);
});
