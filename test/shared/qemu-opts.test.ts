// Golden tests for QEMU 7.2's QemuOpts (util/qemu-option.c); messages observed with -m, -drive, -name.
import t from 'tap';
import {
  QemuOptsList,
  QemuOptsError,
  parseBool,
  idWellformed,
  type QemuOptsListSpec,
  type QemuOptsWarning,
} from '../../src/shared/qemu-opts.ts';

const memory: QemuOptsListSpec = {
  name: 'memory',
  impliedOptName: 'size',
  mergeLists: true,
  desc: [
    { name: 'size', type: 'size' },
    { name: 'slots', type: 'number' },
    { name: 'maxmem', type: 'size' },
  ],
};
const drive: QemuOptsListSpec = { name: 'drive', desc: [] };
const name: QemuOptsListSpec = {
  name: 'name',
  impliedOptName: 'guest',
  mergeLists: true,
  desc: [
    { name: 'guest', type: 'string' },
    { name: 'process', type: 'string' },
    { name: 'debug-threads', type: 'bool' },
  ],
};
const device: QemuOptsListSpec = { name: 'device', impliedOptName: 'driver', desc: [] };

const fail = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof QemuOptsError) return e.hint ? [e.message, e.hint] : e.message;
    throw e;
  }
  return 'no error';
};

t.test('flat key=value, implied first key, ,, escape', async (t) => {
  const l = new QemuOptsList(device);
  const o = l.parse('virtio-blk-device,drive=d0,serial=a,,b', { permitAbbrev: true });
  t.equal(o.get('driver'), 'virtio-blk-device');
  t.equal(o.get('drive'), 'd0');
  t.equal(o.get('serial'), 'a,b');
  t.same(o.toDict(), { driver: 'virtio-blk-device', drive: 'd0', serial: 'a,b' });
  // unlike keyval, the implied value may hold an escaped comma
  t.equal(l.parse('virtio-blk-device,,x', { permitAbbrev: true }).get('driver'), 'virtio-blk-device,x');
  // dotted keys are not special
  t.equal(l.parse('x,a.b=1', { permitAbbrev: true }).get('a.b'), '1');
});

t.test('id is taken out, first one wins, and must be well formed', async (t) => {
  const l = new QemuOptsList(drive);
  const o = l.parse('file=d0.img,id=a,id=b');
  t.equal(o.id, 'a');
  t.equal(o.get('id'), undefined);
  t.same(o.toDict(), { id: 'a', file: 'd0.img' });
  t.equal(fail(() => l.parse('file=x,id=a')), "Duplicate ID 'a' for drive");
  t.same(fail(() => l.parse('id=1a')), [
    "Parameter 'id' expects an identifier",
    "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n",
  ]);
  t.same(fail(() => l.parse('id=')), [
    "Parameter 'id' expects an identifier",
    "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n",
  ]);
  t.ok(idWellformed('a-b.c_d9'));
  t.notOk(idWellformed('_a'));
  const c = new QemuOptsList({ name: 'chardev', impliedOptName: 'backend', desc: [] });
  c.parse('null,id=c0,id=c1', { permitAbbrev: true });
  t.equal(c.parse('null,id=c1', { permitAbbrev: true }).id, 'c1'); // the second id was ignored
  t.equal(l.instances.length, 1);
});

t.test('merge_lists groups (-m): one instance, later values win, no id', async (t) => {
  const l = new QemuOptsList(memory);
  l.parse('256', { permitAbbrev: true });
  l.parse('512', { permitAbbrev: true });
  t.equal(l.instances.length, 1);
  t.equal(l.instances[0].get('size'), '512');
  t.equal(l.instances[0].getSize('size'), 512n);
  const m = new QemuOptsList(memory);
  m.parse('size=256M', { permitAbbrev: true });
  m.parse('slots=2,maxmem=1G', { permitAbbrev: true });
  t.equal(m.instances[0].get('size'), '256M');
  t.equal(m.instances[0].getNumber('slots'), 2n);
  t.equal(fail(() => new QemuOptsList(memory).parse('512,id=x', { permitAbbrev: true })), "Invalid parameter 'id'");
});

t.test('validation against the description', async (t) => {
  const l = () => new QemuOptsList(memory);
  t.equal(fail(() => l().parse('512,bogus=1', { permitAbbrev: true })), "Invalid parameter 'bogus'");
  t.same(fail(() => l().parse('garbage', { permitAbbrev: true })), [
    "Parameter 'size' expects a non-negative number below 2^64",
    'Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n',
  ]);
  t.same(fail(() => l().parse(',size=1G', { permitAbbrev: true }))[0], "Parameter 'size' expects a non-negative number below 2^64");
  t.equal(fail(() => l().parse('16E', { permitAbbrev: true })), "Value '16E' is out of range for parameter 'size'");
  t.equal(fail(() => l().parse('1G,slots=x', { permitAbbrev: true })), "Parameter 'slots' expects a number");
  t.equal(
    fail(() => l().parse('1G,slots=99999999999999999999', { permitAbbrev: true })),
    "Value '99999999999999999999' is too large for parameter 'slots'",
  );
  t.equal(l().parse('1G,slots= 010', { permitAbbrev: true }).getNumber('slots'), 8n);
  t.equal(l().parse('1G,slots=0x10', { permitAbbrev: true }).getNumber('slots'), 16n);
  t.equal(
    fail(() => new QemuOptsList(name).parse('foo,debug-threads=maybe', { permitAbbrev: true })),
    "Parameter 'debug-threads' expects 'on' or 'off'",
  );
  t.equal(l().parse('', { permitAbbrev: true }).get('size'), undefined);
});

t.test('a hex size with a suffix is accepted with a warning', async (t) => {
  const warnings: QemuOptsWarning[] = [];
  const o = new QemuOptsList(memory).parse('0x10M', { permitAbbrev: true, onWarning: (w) => warnings.push(w) });
  t.equal(o.getSize('size'), 16n * 1024n * 1024n);
  t.same(warnings, [{ message: 'Using a multiplier suffix on hex numbers is deprecated: 0x10M' }]);
});

t.test('booleans', async (t) => {
  for (const v of ['on', 'yes', 'true', 'y']) t.equal(parseBool('read-only', v), true, v);
  for (const v of ['off', 'no', 'false', 'n']) t.equal(parseBool('read-only', v), false, v);
  for (const v of ['maybe', 'Y', 'ON', '1', '']) {
    t.throws(() => parseBool('read-only', v), { message: "Parameter 'read-only' expects 'on' or 'off'" }, v);
  }
  const l = new QemuOptsList(name);
  t.equal(l.parse('foo,debug-threads=on', { permitAbbrev: true }).getBool('debug-threads', false), true);
});

t.test('short-form booleans warn (deprecated) and become on/off', async (t) => {
  const warnings: QemuOptsWarning[] = [];
  const l = new QemuOptsList(drive);
  const o = l.parse('file=d0.img,readonly,nosnapshot', { warnOnFlag: true, onWarning: (w) => warnings.push(w) });
  t.equal(o.get('readonly'), 'on');
  t.equal(o.get('snapshot'), 'off');
  t.same(warnings, [
    { message: "short-form boolean option 'readonly' deprecated", hint: 'Please use readonly=on instead\n' },
    { message: "short-form boolean option 'nosnapshot' deprecated", hint: 'Please use snapshot=off instead\n' },
  ]);
  const w2: QemuOptsWarning[] = [];
  new QemuOptsList({ name: 'chardev', desc: [] }).parse('id=c,nodelay', { warnOnFlag: true, onWarning: (w) => w2.push(w) });
  t.same(w2, [{ message: "short-form boolean option 'nodelay' deprecated", hint: 'Please use nodelay=on instead\n' }]);
});

t.test('help', async (t) => {
  const r = new QemuOptsList(memory).parse('1G,help', { permitAbbrev: true, allowHelp: true });
  t.equal(r.helpWanted, true);
  // a list that accepts anything takes "help" as a flag
  t.equal(new QemuOptsList(device).parse('help', { permitAbbrev: true, allowHelp: true }).get('driver'), 'help');
  t.equal(new QemuOptsList(drive).parse('help', { allowHelp: true }).get('help'), 'on');
});

t.test('get returns the last setting; getters of unset options use defaults', async (t) => {
  const l = new QemuOptsList({ name: 'x', desc: [{ name: 'a', type: 'string', defValue: 'dflt' }, { name: 'b', type: 'bool' }] });
  const o = l.parse('a=1,a=2');
  t.equal(o.get('a'), '2');
  t.same(o.toDict(), { a: '2' });
  t.equal(l.parse('').get('a'), 'dflt');
  t.equal(l.parse('').getBool('b', true), true);
});

t.test('fromDict (JSON -device, readconfig)', async (t) => {
  const l = new QemuOptsList(device);
  const o = l.fromDict({ driver: 'scsi-cd', id: 'cd0', bootindex: 2, removable: true, nested: { a: 1 } });
  t.equal(o.id, 'cd0');
  t.same(o.toDict(), { id: 'cd0', driver: 'scsi-cd', bootindex: '2', removable: 'on' });
  t.equal(fail(() => l.fromDict({ driver: 'x', id: 'cd0' })), "Duplicate ID 'cd0' for device");
  o.set('drive', 'd0');
  t.equal(o.get('drive'), 'd0');
});
