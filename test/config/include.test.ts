// Includes: relative to the including file, recursive, merged in order, with their own variables;
// cycles reported with the chain.

import t from 'tap';
import { join } from 'node:path';
import { loadConfig } from '../../src/vl2/config/index.ts';
import { configError, tempDir } from './helpers.ts';

t.test('includes are relative to the including file, recursive, and merged in order', async (t) => {
  const { path } = tempDir({
    'vm.yaml': `
include: [parts/base.yaml, parts/disks.yaml]
machine: {memory: 1G, smp: {cpus: 2}}
devices:
  - {driver: virtio-blk-device, id: last, drive: extra}
blockdevs:
  - {driver: null-co, node-name: extra}
`,
    'parts/base.yaml': `
include: [serial.yaml]
machine: {type: virt, memory: 512M, smp: {cpus: 1, maxcpus: 4}, name: base}
actions: {reboot: shutdown}
`,
    'parts/serial.yaml': `
chardevs: [{id: ser0, backend: {type: "null", data: {}}}]
machine: {serial: ser0}
`,
    'parts/disks.yaml': `
blockdevs:
  - {driver: null-co, node-name: d0}
devices:
  - {driver: virtio-blk-device, id: vd0, drive: d0}
`,
  });
  const { document, sources } = loadConfig(path('vm.yaml'));
  t.same(document.machine, { serial: 'ser0', type: 'virt', memory: 2 ** 30, smp: { cpus: 2, maxcpus: 4 }, name: 'base' });
  t.same(document.actions, { reboot: 'shutdown' });
  t.same(document.chardevs, [{ id: 'ser0', backend: { type: 'null', data: {} } }]);
  t.same(document.blockdevs.map((b) => b['node-name']), ['d0', 'extra']);
  t.same(document.devices.map((d) => d.id), ['vd0', 'last']);
  t.same(sources.files, ['vm.yaml', 'parts/base.yaml', 'parts/serial.yaml', 'parts/disks.yaml'].map(path));
  const at = sources.at(['machine', 'name'])!;
  t.same([at.file, at.line], [join(path('parts'), 'base.yaml'), 3], 'merged members keep the position of the file that wrote them');
  t.match(at.context, [/^in .*base\.yaml included from .*vm\.yaml:2:11$/]);
  t.equal(sources.at(['machine', 'memory'])!.file, path('vm.yaml'));
});

t.test('an include with variables; the same file included twice, in a loop', async (t) => {
  const { path } = tempDir({
    'vm.yaml': `
variables:
  disks: {type: [str]}
include:
  - base.yaml
  - for: d
    in: \${disks}
    index: i
    do: {file: disk.yaml, with: {image: "\${d}", name: "disk\${i}"}}
`,
    'base.yaml': 'machine: {type: virt}\n',
    'disk.yaml': `
variables:
  image: {type: str}
  name: {type: str}
  readonly: {type: bool, default: false}
blockdevs:
  - {driver: raw, node-name: "\${name}", read-only: "\${readonly}", file: {driver: file, filename: "\${image}"}}
devices:
  - {driver: virtio-blk-device, id: "\${name}", drive: "\${name}"}
`,
  });
  const { document } = loadConfig(path('vm.yaml'), { disks: ['a.img', 'b,c}.img'] });
  t.same(document.blockdevs, [
    { driver: 'raw', 'node-name': 'disk0', 'read-only': false, file: { driver: 'file', filename: 'a.img' } },
    { driver: 'raw', 'node-name': 'disk1', 'read-only': false, file: { driver: 'file', filename: 'b,c}.img' } },
  ]);
  t.same(document.devices, [
    { driver: 'virtio-blk-device', id: 'disk0', drive: 'disk0' },
    { driver: 'virtio-blk-device', id: 'disk1', drive: 'disk1' },
  ]);
});

t.test("an include's variables are checked against its declarations", async (t) => {
  const { path } = tempDir({
    'unknown.yaml': 'include: [{file: disk.yaml, with: {image: a, colour: red}}]\n',
    'missing.yaml': 'include: [{file: disk.yaml, with: {}}]\n',
    'typed.yaml': 'include: [{file: disk.yaml, with: {image: 7}}]\n',
    'disk.yaml': 'variables:\n  image: {type: str, doc: an image}\nblockdevs: [{driver: null-co, node-name: "${image}"}]\n',
    'nofile.yaml': 'include: [nothere.yaml]\n',
  });
  t.match(configError(() => loadConfig(path('unknown.yaml'))).message,
    /unknown\.yaml:1:46: unknown variable 'colour': .*disk\.yaml declares image$/);
  t.match(configError(() => loadConfig(path('missing.yaml'))).message,
    /missing\.yaml:1:11: variable 'image' of .*disk\.yaml is required \(an image\); pass it with \{file: disk\.yaml, with: \{image: \.\.\.\}\}/);
  t.match(configError(() => loadConfig(path('typed.yaml'))).message, /typed\.yaml:1:43: variable 'image': 7 is not a string/);
  t.match(configError(() => loadConfig(path('nofile.yaml'))).message, /nofile\.yaml:1:11: could not read .*nothere\.yaml: No such file or directory/);
});

t.test('an include cycle is reported with the chain', async (t) => {
  const { path } = tempDir({
    'a.yaml': 'include: [sub/b.yaml]\nmachine: {type: virt}\n',
    'sub/b.yaml': 'include: [c.yaml]\n',
    'sub/c.yaml': 'chardevs: []\ninclude:\n  - ../a.yaml\n',
    'self.yaml': 'include: [self.yaml]\n',
  });
  const e = configError(() => loadConfig(path('a.yaml')));
  t.equal(e.reason, `include cycle: ${path('a.yaml')} -> ${path('sub/b.yaml')} -> ${path('sub/c.yaml')} -> ${path('a.yaml')}`);
  t.equal(e.file, path('sub/c.yaml'));
  t.equal(e.line, 3);
  t.equal(e.column, 5);
  t.match(configError(() => loadConfig(path('self.yaml'))).message, /self\.yaml:1:11: include cycle: .*self\.yaml -> .*self\.yaml$/);
});

t.test('a file included twice without a cycle is fine', async (t) => {
  const { path } = tempDir({
    'vm.yaml': 'include: [x.yaml, y.yaml]\n',
    'x.yaml': 'include: [common.yaml]\n',
    'y.yaml': 'include: [common.yaml]\n',
    'common.yaml': 'actions: {shutdown: pause}\n',
  });
  t.same(loadConfig(path('vm.yaml')).document.actions, { shutdown: 'pause' });
});

t.test('errors inside an included file say how it was reached', async (t) => {
  const { path } = tempDir({
    'vm.yaml': 'include:\n  - {file: disk.yaml, with: {n: 1}}\n',
    'disk.yaml': 'variables:\n  n: {type: int}\nblockdevs:\n  - {driver: null-co, node-name: x, size: lots}\n',
    'syntax.yaml': 'include: [broken.yaml]\n',
    'broken.yaml': 'machine: {type: virt\n',
  });
  t.match(configError(() => loadConfig(path('vm.yaml'))).message,
    /disk\.yaml:4:43: in .*disk\.yaml included from .*vm\.yaml:2:5: Invalid parameter type for 'size', expected: integer$/);
  t.match(configError(() => loadConfig(path('syntax.yaml'))).message,
    /broken\.yaml:\d+:\d+: in .*broken\.yaml included from .*syntax\.yaml:1:11: /);
});

t.test('a bare name that is no file beside the includer is a standard config', async (t) => {
  const { path, write } = tempDir({
    'vm.yaml': `
include:
  - {file: virt-empty, with: {memory: 1G}}
chardevs: [{id: ser0, backend: {type: "null", data: {}}}]
machine: {serial: ser0}
`,
  });
  const { document, sources } = loadConfig(path('vm.yaml'));
  t.same(document.machine, { type: 'virt', memory: 2 ** 30, smp: { cpus: 1 }, serial: 'ser0' });
  t.match(sources.files[1], /configs\/virt-empty\.yaml$/);
  write('virt-empty', 'variables: {memory: {type: size}}\nmachine: {type: virt, name: mine}\n');
  t.same(loadConfig(path('vm.yaml')).document.machine!.name, 'mine', 'a file of that name beside the includer wins');
});
