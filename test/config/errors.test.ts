// Every error names file:line:column, and inside templates the loop iteration or variable involved.

import t from 'tap';
import { createCore } from '../../src/qmp/core.ts';
import { ConfigError, applyConfig, loadConfig } from '../../src/vl2/config/index.ts';
import { configError, tempDir } from './helpers.ts';

const { path, write } = tempDir();
const err = (name: string, text: string, vars: Record<string, string | string[]> = {}) => {
  write(name, text);
  const e = configError(() => loadConfig(path(name), vars));
  return e.message.slice(path('').length + 1);
};

t.test('a schema error inside a loop names the iteration', async (t) => {
  const text = `# a template
variables:
  disks: {type: [str]}
machine:
  type: virt
blockdevs:
  - for: disk
    in: \${disks}
    index: i
    do:
      node-name: n\${i}
      driver: {if: {equals: ["\${disk}", a.img]}, then: raw}
      file: {driver: file, filename: "\${disk}"}
`;
  t.equal(err('vm.cfg', text, { disks: ['a.img', 'b.img'] }),
    "vm.cfg:11:7: in loop over 'disks' (iteration 2, disk=b.img): Parameter 'driver' is missing");
  t.equal(err('vm.cfg', text, { disks: ['a.img', 'x y.img'] }),
    `vm.cfg:11:7: in loop over 'disks' (iteration 2, disk="x y.img"): Parameter 'driver' is missing`);
});

t.test('schema errors point at the offending value, key or object', async (t) => {
  t.equal(err('a.yaml', 'machine:\n  type: virt\n  memory: lots\n'), "a.yaml:3:11: Parameter 'memory' expects size");
  t.equal(err('b.yaml', 'machine:\n  type: virt\n  smp: {cpus: two}\n'), "b.yaml:3:15: Invalid parameter type for 'smp.cpus', expected: integer");
  t.equal(err('c.yaml', 'blockdevs:\n  - driver: raw\n    file: d0\n    colour: red\n'), "c.yaml:4:5: Parameter 'colour' is unexpected");
  t.equal(err('d.yaml', 'blockdevs:\n  - {driver: vmdk, node-name: x}\n'), "d.yaml:2:14: Parameter 'driver' does not accept value 'vmdk'");
  t.equal(err('e.yaml', 'chardevs:\n  - id: log\n    backend:\n      type: file\n      data: {append: true}\n'),
    "e.yaml:5:13: Parameter 'backend.data.out' is missing");
  t.equal(err('f.yaml', 'blockdevs:\n  - driver: raw\n    file:\n      driver: file\n      filename: [a]\n'),
    "f.yaml:5:17: Invalid parameter type for 'file.filename', expected: string");
  t.equal(err('g.yaml', 'devices:\n  - id: x\n'), "g.yaml:2:5: Parameter 'driver' is missing");
  t.equal(err('h.yaml', 'accel: 7\n'), "h.yaml:1:8: Invalid parameter type for 'accel', expected: string");
  t.equal(err('i.yaml', 'actions: {reboot: never}\n'), "i.yaml:1:19: Parameter 'reboot' does not accept value 'never'");
  t.equal(err('j.yaml', 'variables:\n  cpus: {type: str, default: "2"}\nmachine: {type: virt, smp: {cpus: "${cpus}"}}\n'),
    "j.yaml:3:35: from variable cpus=2: Invalid parameter type for 'smp.cpus', expected: integer");
});

t.test('syntax errors', async (t) => {
  t.match(err('s1.yaml', 'machine:\n  type: virt\n   memory: 1G\n'), /^s1\.yaml:[23]:\d+: /);
  t.equal(err('s2.yaml', 'machine: {type: virt}\nmachine: {type: virt}\n'), 's2.yaml:2:1: Map keys must be unique');
  t.match(err('s3.json', '{\n  "machine": {"type": "virt",}\n}\n'), /^s3\.json:2:30: invalid JSON: /);
  t.equal(err('s4.yaml', 'machine: {type: !custom virt}\n'), 's4.yaml:1:17: Unresolved tag: !custom');
  t.equal(err('s5.yaml', '- machine\n'), 's5.yaml:1:1: a config file is a mapping of sections (machine, blockdevs, devices, ...)');
});

t.test('structure and template errors', async (t) => {
  t.match(err('t1.yaml', 'machines: {type: virt}\n'), /^t1\.yaml:1:1: unknown section 'machines' \(a config file has format, /);
  t.equal(err('t2.yaml', 'format: emu-machine/2\n'), "t2.yaml:1:9: unsupported format \"emu-machine/2\"; emu reads 'emu-machine/1'");
  t.equal(err('t3.yaml', 'devices: {driver: virtio-scsi-device}\n'), "t3.yaml:1:10: 'devices' must be a list");
  t.equal(err('t4.yaml', 'machine: {if: true}\n'), 't4.yaml:1:10: a conditional lacks \'then\'');
  t.equal(err('t5.yaml', 'devices:\n  - {for: d, in: 3, do: {}}\n'), 't5.yaml:2:18: a loop runs over a list; \'in\' is 3');
  t.equal(err('t6.yaml', 'devices:\n  - {if: true, then: {}, otherwise: {}}\n'),
    "t6.yaml:2:26: 'otherwise' is unexpected in a conditional (it takes if, then, else)");
  t.equal(err('t7.yaml', 'machine: {"${x}": 1}\n'), "t7.yaml:1:11: '${x}': keys are not expanded; only values are");
  t.equal(err('t8.yaml', 'machine: {type: virt, name: "a${b"}\n'),
    "t8.yaml:1:29: unterminated '${' in 'a${b' (write $${ for a literal ${)");
  t.equal(err('t9.yaml', 'variables:\n  d: {default: x}\ndevices:\n  - {for: d, in: [1], do: {}}\n'),
    "t9.yaml:4:11: loop variable 'd' hides a variable of the same name");
  t.equal(err('t10.yaml', 'variables:\n  n: {type: int, required: true, default: 1}\n'),
    "t10.yaml:2:18: variable 'n' is required and cannot have a default");
  t.equal(err('t11.yaml', 'variables:\n  n: {type: integer}\n'),
    "t11.yaml:2:13: variable 'n': type must be one of str, int, number, bool, size or a list such as [str]");
  t.equal(err('t12.yaml', 'variables:\n  n: {type: int, default: one}\n'), "t12.yaml:2:27: variable 'n': 'one' is not an integer");
});

t.test('errors while the commands run point at the entry or member that produced them', async (t) => {
  write('run.yaml', `machine: {type: virt}
blockdevs:
  - {driver: null-co, node-name: d0}
devices:
  - driver: virtio-blk-device
    drive: d0
  - driver: virtio-blk-device
    drive: d0
    color: blue
`);
  const loaded = loadConfig(path('run.yaml'));
  const core = createCore();
  const e = await applyConfig(core.dispatcher, loaded).then(() => undefined, (x: unknown) => x);
  t.type(e, ConfigError);
  t.equal((e as Error).message.slice(path('').length + 1), "run.yaml:9:5: Property 'virtio-blk-device.color' not found");
  write('run2.yaml', 'machine: {type: virt}\ndevices:\n  - {driver: virtio-blk-device, drive: nope}\n');
  const e2 = await applyConfig(createCore().dispatcher, loadConfig(path('run2.yaml'))).then(() => undefined, (x: unknown) => x);
  t.equal((e2 as Error).message.slice(path('').length + 1), "run2.yaml:3:40: Property 'virtio-blk-device.drive' can't find value 'nope'");
  core.vm.blocks.closeAll();
});

t.test('aliases that expand exponentially are refused', async (t) => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  t.match(err('laughs.yaml', `${lines.join('\n')}\n`), /^laughs\.yaml:\d+:\d+: the document expands to more than 1000000 values/);
  t.match(err('alias.yaml', 'common: &c {type: virt}\nmachine: *c\n'), /^alias\.yaml:1:1: unknown section 'common' \(a config file has format, .*, and x-NAME sections of your own\)$/);
});
