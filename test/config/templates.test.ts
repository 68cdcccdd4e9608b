// Variables, conditionals and loops: a template with a conditional cdrom and a loop over two disks,
// expanded with and without its variables; hostile values stay data.

import t from 'tap';
import { loadConfig } from '../../src/vl2/config/index.ts';
import { configError, tempDir } from './helpers.ts';

const TEMPLATE = `
variables:
  cdrom: {type: str, default: null}
  disks: {type: [str], default: []}
machine: {type: virt}
blockdevs:
  - for: disk
    in: \${disks}
    index: i
    do:
      driver: raw
      node-name: disk\${i}
      file: {driver: file, filename: "\${disk}"}
  - if: \${cdrom}
    then: {driver: raw, node-name: cd, read-only: true, file: {driver: file, filename: "\${cdrom}"}}
devices:
  - for: disk
    in: \${disks}
    index: i
    do: {driver: virtio-blk-device, id: "vd\${i}", drive: "disk\${i}"}
  - if: \${cdrom}
    then:
      - {driver: virtio-scsi-device, id: scsi0}
      - {driver: scsi-cd, id: cd0, drive: cd}
`;

const rawFile = (node: string, filename: string, extra: Record<string, unknown> = {}) =>
  ({ driver: 'raw', 'node-name': node, ...extra, file: { driver: 'file', filename } });

t.test('a conditional cdrom and a loop over two disks, with the variables', async (t) => {
  const { path } = tempDir({ 'vm.yaml': TEMPLATE });
  const { document } = loadConfig(path('vm.yaml'), { disks: ['a.img', 'b.img'], cdrom: 'x.iso' });
  t.same(document.blockdevs, [rawFile('disk0', 'a.img'), rawFile('disk1', 'b.img'), rawFile('cd', 'x.iso', { 'read-only': true })]);
  t.same(document.devices, [
    { driver: 'virtio-blk-device', id: 'vd0', drive: 'disk0' },
    { driver: 'virtio-blk-device', id: 'vd1', drive: 'disk1' },
    { driver: 'virtio-scsi-device', id: 'scsi0' },
    { driver: 'scsi-cd', id: 'cd0', drive: 'cd' },
  ]);
});

t.test('the same template without the variables', async (t) => {
  const { path } = tempDir({ 'vm.yaml': TEMPLATE });
  const { document } = loadConfig(path('vm.yaml'));
  t.same(document, { format: 'emu-machine/1', chardevs: [], blockdevs: [], devices: [], machine: { type: 'virt' } });
  const one = loadConfig(path('vm.yaml'), { disks: 'only.img' }).document;
  t.same(one.blockdevs, [rawFile('disk0', 'only.img')], 'one word for a list variable is a one-element list');
});

t.test('hostile values stay data', async (t) => {
  const hostile = [
    'a"b.img', "it's.img", 'a,b,c.img', 'x}y.img', '${cdrom}', '$${x}', 'a: b', '- [x]', '{driver: null-co}',
    '"},{"driver":"null-co"}', 'line\nbreak', '#not-a-comment', '${', ' ', '\u0000',
  ];
  const { path } = tempDir({ 'vm.yaml': TEMPLATE });
  for (const h of hostile) {
    const { document } = loadConfig(path('vm.yaml'), { disks: [h, 'b.img'], cdrom: h });
    t.same(document.blockdevs, [rawFile('disk0', h), rawFile('disk1', 'b.img'), rawFile('cd', h, { 'read-only': true })], JSON.stringify(h));
    t.equal(document.devices.length, 4);
  }
  const empty = loadConfig(path('vm.yaml'), { disks: [''], cdrom: '' }).document;
  t.same(empty.blockdevs, [rawFile('disk0', '')], 'an empty value is false in a condition (cdrom= is no cdrom)');
});

t.test('a whole ${name} is typed data; inside a longer string it is interpolation', async (t) => {
  const { path } = tempDir({
    'vm.yaml': `
variables:
  mem: {type: size, default: 512M}
  cpus: {type: int, default: 2}
  ro: {type: bool, default: true}
  name: {type: str, default: guest}
  order: {type: [str], default: [c, d]}
machine:
  type: virt
  memory: \${mem}
  smp: {cpus: "\${cpus}"}
  name: "vm-\${name}-\${cpus}"
  uuid: "$\${name}"
blockdevs:
  - {driver: null-co, node-name: n0, read-only: "\${ro}"}
`,
  });
  const { document, sources } = loadConfig(path('vm.yaml'), { cpus: '4' });
  t.same(document.machine, { type: 'virt', memory: 512 * 2 ** 20, smp: { cpus: 4 }, name: 'vm-guest-4', uuid: '${name}' });
  t.same(document.blockdevs[0], { driver: 'null-co', 'node-name': 'n0', 'read-only': true });
  t.same(sources.variables, { mem: 512 * 2 ** 20, cpus: 4, ro: true, name: 'guest', order: ['c', 'd'] });
  t.equal(loadConfig(path('vm.yaml'), { ro: 'off' }).document.blockdevs[0]['read-only'], false);
  t.equal(loadConfig(path('vm.yaml'), { mem: '1G' }).document.machine!.memory, 2 ** 30);
});

t.test('only strings and integers interpolate', async (t) => {
  const { path } = tempDir({
    'vm.yaml': 'variables:\n  ro: {type: bool, default: true}\nmachine: {type: virt, name: "x-${ro}"}\n',
  });
  const e = configError(() => loadConfig(path('vm.yaml')));
  t.match(e.message, /vm\.yaml:3:29: variable 'ro' is boolean; only strings and integers can be part of a longer string/);
});

t.test('conditions: else, not, equals, and, or', async (t) => {
  const { path } = tempDir({
    'vm.yaml': `
variables:
  console: {type: str, default: stdio}
  debug: {type: bool, default: false}
machine:
  type: virt
  serial: {if: {equals: ["\${console}", none]}, then: null, else: ser0}
  name: {if: {not: "\${debug}"}, then: quiet, else: loud}
  append: {if: {and: ["\${debug}", {or: [false, "\${console}"]}]}, then: debug}
chardevs:
  - if: {equals: ["\${console}", none]}
    else: {id: ser0, backend: {type: "\${console}", data: {}}}
    then: []
`,
  });
  t.same(loadConfig(path('vm.yaml')).document.machine, { type: 'virt', serial: 'ser0', name: 'quiet' });
  t.same(loadConfig(path('vm.yaml'), { console: 'null', debug: 'on' }).document.machine,
    { type: 'virt', serial: 'ser0', name: 'loud', append: 'debug' });
  t.same(loadConfig(path('vm.yaml'), { console: 'null', debug: 'on' }).document.chardevs, [{ id: 'ser0', backend: { type: 'null', data: {} } }]);
  const none = configError(() => loadConfig(path('vm.yaml'), { console: 'none' }));
  t.match(none.message, /Invalid parameter type for 'serial', expected: string/, 'null is data too, and the schema refuses it');
});

t.test('a loop variable that is a list of lists is not possible; loops over literal lists are', async (t) => {
  const { path } = tempDir({
    'vm.yaml': `
machine: {type: virt}
blockdevs:
  - for: n
    in: [a, b, c]
    do: {driver: null-co, node-name: "\${n}"}
`,
  });
  t.same(loadConfig(path('vm.yaml')).document.blockdevs.map((b) => b['node-name']), ['a', 'b', 'c']);
});

t.test('variable errors name the variable', async (t) => {
  const { path } = tempDir({
    'vm.yaml': 'variables:\n  root: {doc: the root disk}\n  cpus: {type: int, default: 1}\nmachine: {type: virt}\n',
    'bad.yaml': 'machine: {type: virt, name: "${nope}"}\n',
    'unset.yaml': 'variables:\n  cd: {default: null}\nmachine: {type: virt, name: "${cd}"}\n',
  });
  t.equal(configError(() => loadConfig(path('vm.yaml'))).message,
    `${path('vm.yaml')}:2:3: variable 'root' is required (the root disk); give it as root=VALUE after the config file`);
  t.match(configError(() => loadConfig(path('vm.yaml'), { root: 'r', rot: 'x' })).message,
    /unknown variable 'rot': .*vm\.yaml declares root, cpus/);
  t.match(configError(() => loadConfig(path('vm.yaml'), { root: 'r', cpus: 'two' })).message,
    /vm\.yaml:3:3: variable 'cpus': 'two' is not an integer/);
  t.match(configError(() => loadConfig(path('vm.yaml'), { root: 'r', cpus: ['1', '2'] })).message,
    /variable 'cpus' is given 2 times but is not a list/);
  t.match(configError(() => loadConfig(path('bad.yaml'))).message, /bad\.yaml:1:29: unknown variable 'nope' \(no variables are declared\)/);
  t.match(configError(() => loadConfig(path('unset.yaml'))).message, /unset\.yaml:3:29: variable 'cd' is not set \(use it under \{if: "\$\{cd\}", then: \.\.\.\}\)/);
});

t.test('x- sections hold YAML anchors; aliases are values like any other', async (t) => {
  const { path } = tempDir({
    'vm.yaml': `
x-disk: &disk {driver: virtio-blk-device}
machine: {type: virt}
blockdevs: [{driver: null-co, node-name: a}, {driver: null-co, node-name: b}]
devices:
  - {<<: *disk, drive: a}
  - for: n
    in: [b]
    do:
      - {if: true, then: {driver: virtio-blk-device, drive: "\${n}"}}
`,
  });
  const { document } = loadConfig(path('vm.yaml'));
  t.same(document.devices, [{ driver: 'virtio-blk-device', drive: 'a' }, { driver: 'virtio-blk-device', drive: 'b' }]);
});

t.test('loops over literal lists of mappings use ${var.member}', async (t) => {
  const { path, write } = tempDir({
    'vm.yaml': `
machine: {type: virt}
blockdevs:
  - for: d
    in:
      - {name: system, image: system.img}
      - {name: data, image: data.img, ro: true}
    do:
      driver: raw
      node-name: "\${d.name}"
      read-only: {if: "\${d.ro}", then: true}
      file: {driver: file, filename: "\${d.image}"}
`,
  });
  t.same(loadConfig(path('vm.yaml')).document.blockdevs, [
    { driver: 'raw', 'node-name': 'system', file: { driver: 'file', filename: 'system.img' } },
    { driver: 'raw', 'node-name': 'data', 'read-only': true, file: { driver: 'file', filename: 'data.img' } },
  ]);
  write('bad.yaml', 'machine: {type: virt}\nblockdevs:\n  - {for: d, in: [{name: a}], do: {driver: null-co, node-name: "${d.nmae}"}}\n');
  t.match(configError(() => loadConfig(path('bad.yaml'))).message,
    /bad\.yaml:3:64: in loop over the list at line 3 \(iteration 1, d=\{"name":"a"\}\): 'd' has no member 'nmae'/);
  write('bom.json', '\ufeff{"machine": {"type": "virt"}}');
  t.same(loadConfig(path('bom.json')).document.machine, { type: 'virt' }, 'a byte-order mark is skipped');
});
