// emu's phase-based startup through the real binary: option order and phase errors, config files
// with includes and templates, hostile values, include cycles, suspended monitors, -S, and the
// QMP-only flow building the same machine as the command line and a config file.

import t from 'tap';
import net from 'node:net';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMU, runBinary, spawnBinary, startEmuWithQmp, tempDir, waitFor } from '../helpers/emu.ts';

const dir = tempDir('emu-startup-');
const disk = (n: string) => {
  const f = join(dir, n);
  writeFileSync(f, Buffer.alloc(1 << 16));
  return f;
};
const a = disk('a.img');
const b = disk('b.img');
const weird = disk('we"ird,,}${x} [1].iso');
const cd = disk('cd.iso');

async function documentOf(args: string[]): Promise<Record<string, unknown>> {
  const r = await runBinary(t, EMU, [...args, '--print-commands']);
  if (r.code !== 0) throw new Error(r.stderr);
  // Build the machine from the printed stream in a QMP-only emu: the document is the comparison.
  const cmds = JSON.parse(r.stdout) as { execute: string; arguments: Record<string, unknown> }[];
  const e = await startEmuWithQmp(t, ['-S']);
  for (const c of cmds) await e.client.execute(c.execute, c.arguments);
  const doc = (await e.client.execute('x-query-machine-document')) as Record<string, unknown>;
  await e.client.execute('quit');
  return doc;
}

t.test('the same options in two orders: one works, the other gives the phase error', async (t) => {
  const bad = await runBinary(t, EMU, ['--device', 'virtio-scsi-device,id=s0', '--machine', 'virt', '--check']);
  t.equal(bad.code, 1);
  t.equal(bad.stderr, "emu: argument 1 (--device virtio-scsi-device,id=s0): device_add is permitted only in phases machine-initialized, machine-ready; the machine is in no-machine — put --machine first\n");
  const good = await runBinary(t, EMU, ['--machine', 'virt', '--device', 'virtio-scsi-device,id=s0', '--check']);
  t.equal(good.code, 0, good.stderr);
});

t.test('no argument prints help; --version', async (t) => {
  const h = await runBinary(t, EMU, []);
  t.equal(h.code, 0);
  t.match(h.stdout, /Usage: emu/);
  t.match(h.stdout, /--device/);
  const v = await runBinary(t, EMU, ['--version']);
  t.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
});

t.test('a config with includes, a conditional cdrom and a loop over two disks', async (t) => {
  const cfgDir = join(dir, 'cfg');
  mkdirSync(cfgDir, { recursive: true });
  writeFileSync(join(cfgDir, 'base.yaml'), 'machine:\n  type: virt\n  memory: 256M\n');
  writeFileSync(join(cfgDir, 'vm.yaml'), [
    'include: [base.yaml]',
    'variables:',
    '  disks: {type: [str], doc: disk images}',
    '  cdrom: {type: str, default: null}',
    'blockdevs:',
    '  - for: d',
    '    in: ${disks}',
    '    index: i',
    '    do:',
    '      driver: raw',
    '      node-name: disk${i}',
    '      file: {driver: file, filename: "${d}"}',
    '  - if: ${cdrom}',
    '    then: {driver: raw, node-name: cd, read-only: true, file: {driver: file, filename: "${cdrom}"}}',
    'devices:',
    '  - for: d',
    '    in: ${disks}',
    '    index: i',
    '    do: {driver: virtio-blk-device, drive: "disk${i}"}',
    '  - if: ${cdrom}',
    '    then:',
    '      - {driver: virtio-scsi-device, id: scsi0}',
    '      - {driver: scsi-cd, id: cd0, drive: cd}',
    '',
  ].join('\n'));
  const vm = join(cfgDir, 'vm.yaml');
  const without = await runBinary(t, EMU, [vm, `disks=${a}`, `disks=${b}`, '--print-commands']);
  t.equal(without.code, 0, without.stderr);
  const cmds = JSON.parse(without.stdout) as { execute: string; arguments: Record<string, unknown> }[];
  t.same(cmds.filter((c) => c.execute === 'device_add').map((c) => c.arguments.driver), ['virtio-blk-device', 'virtio-blk-device']);
  t.same(cmds.filter((c) => c.execute === 'machine-set').map((c) => c.arguments.memory), [256 << 20]);
  const withCd = await runBinary(t, EMU, [vm, `disks=${a}`, `disks=${b}`, `cdrom=${cd}`, '--print-commands']);
  const cmds2 = JSON.parse(withCd.stdout) as { execute: string; arguments: Record<string, unknown> }[];
  t.same(cmds2.filter((c) => c.execute === 'device_add').map((c) => c.arguments.driver), ['virtio-blk-device', 'virtio-blk-device', 'virtio-scsi-device', 'scsi-cd']);
  // The config's machine builds and checks.
  const check = await runBinary(t, EMU, [vm, `disks=${a}`, `disks=${b}`, `cdrom=${cd}`, '--check']);
  t.equal(check.code, 0, check.stderr);

  t.test('hostile values stay data', async (t) => {
    const r = await runBinary(t, EMU, [vm, `disks=${a}`, `cdrom=${weird}`, '--print-commands']);
    t.equal(r.code, 0, r.stderr);
    const c = (JSON.parse(r.stdout) as { execute: string; arguments: { 'node-name'?: string; file?: { filename: string } } }[])
      .find((x) => x.arguments['node-name'] === 'cd')!;
    t.equal(c.arguments.file!.filename, weird);
  });
});

t.test('an include cycle is reported', async (t) => {
  const c = join(dir, 'cyc');
  mkdirSync(c, { recursive: true });
  writeFileSync(join(c, 'one.yaml'), 'include: [two.yaml]\n');
  writeFileSync(join(c, 'two.yaml'), 'include: [one.yaml]\n');
  const r = await runBinary(t, EMU, [join(c, 'one.yaml'), '--check']);
  t.equal(r.code, 1);
  t.match(r.stderr, /cycle/i);
  t.match(r.stderr, /one\.yaml/);
});

t.test('monitors do not greet before the command line is done', async (t) => {
  const qmp = join(dir, 'wait-q.sock');
  const peer = join(dir, 'wait-c.sock');
  const p = spawnBinary(t, EMU, ['--qmp-socket', qmp, '-S', '--chardev', `socket,id=c0,path=${peer},server=on,wait=on`, '--machine', 'virt']);
  await waitFor(() => existsSync(qmp) && existsSync(peer), 'both sockets');
  const sock = net.connect(qmp);
  let got = '';
  sock.on('data', (d) => { got += d.toString(); });
  await new Promise((r) => setTimeout(r, 400));
  t.equal(got, '', 'no greeting while the command line waits');
  const peerSock = net.connect(peer);
  await waitFor(() => got.includes('"QMP"'), 'the greeting', 5000);
  t.match(got, /^\{"QMP": /);
  peerSock.destroy();
  sock.destroy();
  p.proc.kill('SIGKILL');
});

t.test('-S leaves the machine in prelaunch; cont over QMP starts it', async (t) => {
  const e = await startEmuWithQmp(t, ['-S', '--machine', 'virt,bios=none']);
  t.same(await e.client.execute('query-status'), { running: false, singlestep: false, status: 'prelaunch' });
  const resumed = e.client.waitEvent('RESUME', { timeoutMs: 5000 });
  await e.client.execute('cont');
  await resumed;
  t.same(await e.client.execute('query-status'), { running: true, singlestep: false, status: 'running' });
  await e.client.execute('quit');
});

t.test('the QMP-only flow builds the same machine as the command line and a config file', async (t) => {
  // QMP only: start empty, build, advance, cont (the worked example of docs/QMP.md).
  const q = await startEmuWithQmp(t, []);
  t.same(await q.client.execute('query-machine-phase'), { phase: 'no-machine' });
  await q.client.execute('blockdev-add', { driver: 'raw', 'node-name': 'disk0', file: { driver: 'file', filename: a } });
  await q.client.execute('machine-set', { type: 'virt', memory: 268435456, bios: 'none' });
  await q.client.execute('machine-init');
  await q.client.execute('device_add', { driver: 'virtio-blk-device', id: 'vd0', drive: 'disk0' });
  await q.client.execute('finish-machine-init');
  await q.client.execute('cont');
  const viaQmp = await q.client.execute('x-query-machine-document');
  await q.client.execute('quit');
  const viaCli = await documentOf(['--blockdev', `driver=raw,node-name=disk0,file.driver=file,file.filename=${a}`,
    '--machine', 'virt,memory=256M,bios=none', '--device', 'virtio-blk-device,id=vd0,drive=disk0']);
  const cfg = join(dir, 'same.json');
  writeFileSync(cfg, JSON.stringify({
    machine: { type: 'virt', memory: '256M', bios: 'none' },
    blockdevs: [{ driver: 'raw', 'node-name': 'disk0', file: { driver: 'file', filename: a } }],
    devices: [{ driver: 'virtio-blk-device', id: 'vd0', drive: 'disk0' }],
  }));
  const viaConfig = await documentOf([cfg]);
  t.same(viaCli, viaQmp);
  t.same(viaConfig, viaQmp);
});
