// Expanded config documents build real machines through the dispatcher (createCore +
// documentCommands), with real image files; the standard configs are found by name.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentCommands } from '../../src/hw/machine/document.ts';
import { createCore } from '../../src/qmp/core.ts';
import { applyConfig, configCommands, findConfig, loadConfig, standardConfigDir } from '../../src/vl2/config/index.ts';
import { configError, tempDir } from './helpers.ts';

async function build(doc: ReturnType<typeof loadConfig>['document']) {
  const core = createCore();
  for (const c of documentCommands(doc)) await core.dispatcher.submit(c.execute, c.arguments, { mode: 'json', source: 'config' });
  return core;
}

t.test('virt-disk with a disk and a cdrom builds the machine it describes', async (t) => {
  const { path } = tempDir({ 'disk.img': Buffer.alloc(1 << 20), 'x,{"y"}.iso': Buffer.alloc(1 << 20, 1) });
  const file = findConfig('virt-disk');
  t.equal(file, join(standardConfigDir()!, 'virt-disk.yaml'));
  const loaded = loadConfig(file, { root: path('disk.img'), cdrom: path('x,{"y"}.iso'), memory: '512M', cpus: '2' });
  const core = await build(loaded.document);
  t.equal(core.vm.phase, 'machine-initialized');
  const doc = core.vm.document();
  t.same(doc.machine, { memory: 512 * 2 ** 20, serial: 'serial0', smp: { cpus: 2 }, type: 'virt' });
  t.same(doc.chardevs, [{ id: 'serial0', backend: { type: 'stdio', data: {} } }]);
  t.same(doc.devices, [
    { driver: 'virtio-blk-device', id: 'root', bus: 'virtio-mmio-bus.7', drive: 'root' },
    { driver: 'virtio-scsi-device', id: 'scsi0', bus: 'virtio-mmio-bus.6' },
    { driver: 'scsi-cd', id: 'cd0', bus: 'scsi0.0', drive: 'cdrom', 'scsi-id': 0 },
  ]);
  t.same(doc.blockdevs, loaded.document.blockdevs, 'block nodes are exactly as the config wrote them');
  t.equal((doc.blockdevs[1].file as Record<string, unknown>).filename, path('x,{"y"}.iso'));
  const block = await core.dispatcher.submit('query-block', {}) as { device: string; qdev?: string; removable: boolean }[];
  t.ok(block.some((b) => b.qdev === 'cd0' && b.removable), 'the cdrom is removable media');
  core.vm.blocks.closeAll();
});

t.test('virt-disk without a cdrom; the document rebuilds the same machine', async (t) => {
  const { path } = tempDir({ 'disk.img': Buffer.alloc(1 << 20) });
  const loaded = loadConfig(findConfig('virt-disk'), { root: path('disk.img') });
  t.same(loaded.document.devices, [{ driver: 'virtio-blk-device', id: 'root', drive: 'root' }]);
  t.equal(loaded.document.machine!.memory, 256 * 2 ** 20, 'memory defaults to 256M');
  const a = await build(loaded.document);
  const b = await build(a.vm.document());
  t.equal(JSON.stringify(b.vm.document()), JSON.stringify(a.vm.document()));
  t.same(Buffer.from(b.vm.dtb()), Buffer.from(a.vm.dtb()));
  a.vm.blocks.closeAll();
  b.vm.blocks.closeAll();
});

t.test('virt-empty', async (t) => {
  const loaded = loadConfig(findConfig('virt-empty'));
  t.same(loaded.document, { format: 'emu-machine/1', chardevs: [], blockdevs: [], devices: [], machine: { type: 'virt', memory: 256 * 2 ** 20, smp: { cpus: 1 } } });
  const core = createCore();
  await applyConfig(core.dispatcher, loaded);
  t.ok(['machine-created', 'machine-initialized'].includes(core.vm.phase), 'the machine exists; the rest is up to the next command');
  t.same(core.vm.devices, []);
});

t.test('a machine document written by emu is a config file (the state file case)', async (t) => {
  const { path, write } = tempDir({ 'disk.img': Buffer.alloc(1 << 20) });
  const a = await build(loadConfig(findConfig('virt-disk'), { root: path('disk.img') }).document);
  const doc = a.vm.document();
  write('state.json', JSON.stringify({ ...doc, generation: 7 }, null, 2));
  const loaded = loadConfig(path('state.json'));
  t.equal(loaded.generation, 7);
  t.same(loaded.document, doc);
  const b = await build(loaded.document);
  t.equal(JSON.stringify(b.vm.document()), JSON.stringify(doc));
  a.vm.blocks.closeAll();
  b.vm.blocks.closeAll();
});

t.test('configCommands gives each command its source position', async (t) => {
  const loaded = loadConfig(findConfig('virt-disk'), { root: 'disk.img', cdrom: 'cd.iso' });
  const cmds = configCommands(loaded);
  t.same(cmds.map((c) => c.execute), documentCommands(loaded.document).map((c) => c.execute), 'the commands are documentCommands\' own');
  const phaseSteps = ['accel-set', 'machine-init', 'finish-machine-init'];
  t.same(cmds.filter((c) => !phaseSteps.includes(c.execute)).map((c) => [c.execute, c.source?.line]), [
    ['chardev-add', 40], ['blockdev-add', 44], ['blockdev-add', 49], ['machine-set', 33],
    ['device_add', 55], ['device_add', 60], ['device_add', 62],
  ]);
  t.match(cmds[2].source!.context, []);
});

t.test('findConfig: paths, names, and the error listing the standard configs', async (t) => {
  const { path, dir } = tempDir({ 'mine.yaml': 'machine: {type: virt}\n', 'plain': 'machine: {type: virt}\n' });
  t.equal(findConfig(path('mine.yaml')), path('mine.yaml'));
  t.equal(findConfig('mine', [dir]), join(dir, 'mine.yaml'));
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    t.equal(findConfig('plain'), 'plain', 'a file in the current folder wins over a standard config');
  } finally {
    process.chdir(cwd);
  }
  t.throws(() => findConfig('./missing.yaml'), /could not read \.\/missing\.yaml: No such file or directory/);
  t.throws(() => findConfig('virt-nothing'), /'virt-nothing' is neither a file nor a standard config \(standard configs: virt-disk, virt-empty\)/);
  const old = process.env.EMU_CONFIG_PATH;
  process.env.EMU_CONFIG_PATH = dir;
  try {
    t.equal(findConfig('mine'), join(dir, 'mine.yaml'), 'EMU_CONFIG_PATH is searched first');
  } finally {
    if (old === undefined) delete process.env.EMU_CONFIG_PATH;
    else process.env.EMU_CONFIG_PATH = old;
  }
  writeFileSync(join(dir, 'virt-disk.yaml'), 'machine: {type: virt}\n');
  t.equal(findConfig('virt-disk', [dir, standardConfigDir()!]), join(dir, 'virt-disk.yaml'));
});

t.test('JSON and YAML spellings of one config give one document', async (t) => {
  const { path } = tempDir({
    'vm.json': JSON.stringify({
      variables: { disk: { type: 'str' }, cd: { type: 'str', default: null } },
      machine: { type: 'virt', memory: '1G' },
      blockdevs: [
        { driver: 'raw', 'node-name': 'd0', file: { driver: 'file', filename: '${disk}' } },
        { if: '${cd}', then: { driver: 'raw', 'node-name': 'cd', file: { driver: 'file', filename: '${cd}' } } },
      ],
    }, null, 2),
    'vm.yaml': `variables:
  disk: {type: str}
  cd: {type: str, default: null}
machine: {type: virt, memory: 1G}
blockdevs:
  - {driver: raw, node-name: d0, file: {driver: file, filename: "\${disk}"}}
  - if: \${cd}
    then: {driver: raw, node-name: cd, file: {driver: file, filename: "\${cd}"}}
`,
  });
  for (const vars of [{ disk: 'a' }, { disk: 'a', cd: 'b' }] as Record<string, string>[]) {
    t.same(loadConfig(path('vm.json'), vars).document, loadConfig(path('vm.yaml'), vars).document);
  }
  t.match(configError(() => loadConfig(path('vm.json'), { disk: 'a', cd: 'b', x: '1' })).message, /unknown variable 'x'/);
});
