// User-creatable objects through the real binaries: -object's errors as QEMU 7.2 prints them, the
// objects in the QOM tree over QMP (qom-list, qom-get, qom-list-types, object-add, object-del and its
// in-use refusal), the machine's RAM from a memory backend, and the objects' round trips through
// --print-config, `emu --object`, a config file's `objects:` and the state file.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMU, EMU_LEGACY, runBinary, startEmuWithQmp, tempDir } from '../helpers/emu.ts';

// Some 30 spawns of the binaries: minutes on a loaded 2-core machine.
t.setTimeout(300_000);

const dir = tempDir('emu-objects-');
const secretFile = join(dir, 'pw.txt');
writeFileSync(secretFile, 'aGVsbG8=');

t.test('-object errors: QEMU 7.2 texts, with the option where QEMU names it', async (t) => {
  const cases: [string[], string][] = [
    [['-object', 'secret,id=s0'], "emu-legacy: Either 'file' or 'data' must be provided\n"],
    [['-object', `secret,id=s0,data=x,file=${secretFile}`], "emu-legacy: 'file' and 'data' are mutually exclusive\n"],
    [['-object', 'secret,id=s0,data=x,format=bogus'], "emu-legacy: -object secret,id=s0,data=x,format=bogus: Parameter 'format' does not accept value 'bogus'\n"],
    [['-object', 'secret,id=s0,data=%%%,format=base64'], 'emu-legacy: Base64 data contains invalid characters\n'],
    [['-object', 'secret,id=s0,file=/nonexist'], 'emu-legacy: Unable to read /nonexist: Failed to open file \u201c/nonexist\u201d: No such file or directory\n'],
    [['-object', 'secret,data=x'], "emu-legacy: -object secret,data=x: Parameter 'id' is missing\n"],
    [['-object', 'secret,id=s0,data=x', '-object', 'secret,id=s0,data=y'], "emu-legacy: -object secret,id=s0,data=y: Duplicate ID 's0' for object\n"],
    [['-object', 'bogus,id=x'], "emu-legacy: -object bogus,id=x: Parameter 'qom-type' does not accept value 'bogus'\n"],
    [['-object', 'secret,id=s0,data=x,bogus=1'], "emu-legacy: -object secret,id=s0,data=x,bogus=1: Invalid parameter 'bogus'\n"],
    [['-object', '{"qom-type":"secret","id":"s","data":"x","bogus":1}'], 'emu-legacy: -object {"qom-type":"secret","id":"s","data":"x","bogus":1}: Parameter \'bogus\' is unexpected\n'],
    [['-object', 'memory-backend-ram,id=m0'], "emu-legacy: -object memory-backend-ram,id=m0: Parameter 'size' is missing\n"],
    [['-object', 'memory-backend-ram,id=m0,size=abc'], "emu-legacy: -object memory-backend-ram,id=m0,size=abc: Parameter 'size' expects a size value\n"],
    [['-object', 'memory-backend-ram,id=m0,size=0'], "emu-legacy: property 'size' of memory-backend-ram doesn't take value '0'\n"],
    [['-object', 'memory-backend-ram,id=m0,size=64M', '-M', 'memory-backend=m0', '-m', '128M'], 'emu-legacy: Machine memory size does not match the size of the memory backend\n'],
    [['-M', 'memory-backend=nosuch'], "emu-legacy: Memory backend 'nosuch' not found\n"],
    [['-object', 'secret,id=s0,data=x', '-M', 'memory-backend=s0'], "emu-legacy: Memory backend 's0' not found\n"],
    [['-device', 'virtio-rng-device,rng=nosuch'], "emu-legacy: -device virtio-rng-device,rng=nosuch: Device 'nosuch' not found\n"],
    [['-object', 'secret,id=s,data=x', '-device', 'virtio-rng-device,rng=s'], "emu-legacy: -device virtio-rng-device,rng=s: Invalid parameter type for 'rng', expected: rng-backend\n"],
    [['-object', 'rng-random,id=r,filename=/nonexist'], "emu-legacy: Could not open '/nonexist': No such file or directory\n"],
    [['-object', 'rng-builtin,id=r,bogus=1'], "emu-legacy: -object rng-builtin,id=r,bogus=1: Invalid parameter 'bogus'\n"],
    // QEMU checks properties while parsing, before any other option is processed.
    [['-object', 'memory-backend-ram,id=m0', '-chardev', 'bogus,id=c'], "emu-legacy: -object memory-backend-ram,id=m0: Parameter 'size' is missing\n"],
  ];
  for (const [args, expected] of cases) {
    const r = await runBinary(t, EMU_LEGACY, ['-nodefaults', '--print-config', ...args]);
    t.equal(r.stderr, expected, args.join(' '));
    t.equal(r.code, 1, `${args.join(' ')}: exit status`);
  }
});

t.test('objects in the QOM tree, object-add and object-del over QMP', async (t) => {
  const e = await startEmuWithQmp(t, ['-nodefaults', '-S', '-object', 'memory-backend-ram,id=m0,size=64M',
    '-object', `secret,id=s0,file=${secretFile},format=base64`, '-M', 'memory-backend=m0'], { binary: EMU_LEGACY });
  const c = e.client;
  const err = async (cmd: string, args: Record<string, unknown>) => {
    try {
      await c.execute(cmd, args);
    } catch (x) {
      return (x as Error).message;
    }
    return 'succeeded';
  };
  t.same(await c.execute('qom-list', { path: '/objects' }), [
    // Secrets are created before chardevs, memory backends after them (as QEMU does).
    { name: 'type', type: 'string' }, { name: 's0', type: 'child<secret>' }, { name: 'm0', type: 'child<memory-backend-ram>' }]);
  t.equal(await c.execute('qom-get', { path: '/objects/s0', property: 'type' }), 'secret');
  t.equal(await c.execute('qom-get', { path: '/objects/s0', property: 'file' }), secretFile);
  t.equal(await c.execute('qom-get', { path: '/objects/s0', property: 'format' }), 'base64');
  t.equal(await c.execute('qom-get', { path: '/objects/m0', property: 'size' }), 64 << 20);
  t.same(await c.execute('qom-list-types', { implements: 'user-creatable' }), [
    { name: 'secret', parent: 'secret_common' }, { name: 'memory-backend-ram', parent: 'memory-backend' },
    { name: 'rng-builtin', parent: 'rng-backend' }, { name: 'rng-random', parent: 'rng-backend' }]);
  t.same((await c.execute('qom-list-properties', { typename: 'secret' }) as { name: string; description?: string }[]).map((p) => [p.name, p.description]),
    [['data', undefined], ['file', undefined], ['format', undefined]], 'secret properties have no description, as in QEMU');
  const doc = await c.execute('x-query-machine-document') as { machine: { memory: number } };
  t.equal(doc.machine.memory, 64 << 20, 'the RAM is the backend\'s size');

  t.equal(await err('object-del', { id: 'm0' }), "object 'm0' is in use, can not be deleted");
  t.equal(await err('object-del', { id: 'nosuch' }), "object 'nosuch' not found");
  t.equal(await err('object-add', { 'qom-type': 'secret', id: 's0', data: 'x' }), "attempt to add duplicate property 's0' to object (type 'container')");
  t.equal(await err('object-add', { 'qom-type': 'secret', id: 's2' }), "Either 'file' or 'data' must be provided");
  t.equal(await err('object-add', { 'qom-type': 'memory-backend-ram', id: 'm1', size: 0 }), "property 'size' of memory-backend-ram doesn't take value '0'");
  t.equal(await err('object-add', { 'qom-type': 'secret', id: 's3', data: 'x', bogus: 1 }), "Parameter 'bogus' is unexpected");
  t.equal(await err('qom-get', { path: '/objects/s2', property: 'type' }), "Device '/objects/s2' not found", 'a failed object-add leaves nothing');

  await c.execute('object-add', { 'qom-type': 'secret', id: 's1', data: 'hi' });
  t.equal(await c.execute('qom-get', { path: '/objects/s1', property: 'data' }), 'hi');
  await c.execute('object-del', { id: 's1' });
  await c.execute('object-del', { id: 's0' });
  t.same(await c.execute('qom-list', { path: '/objects' }), [{ name: 'type', type: 'string' }, { name: 'm0', type: 'child<memory-backend-ram>' }]);
  await c.execute('quit');
});

t.test('--print-config keeps objects; emu builds the same machine from it', async (t) => {
  const legacy = ['-nodefaults', '-S', '-object', 'secret,id=s0,data=aGk=,format=base64', '-object', 'memory-backend-ram,id=ram,size=96M', '-M', 'memory-backend=ram'];
  const r = await runBinary(t, EMU_LEGACY, [...legacy, '--print-config']);
  t.equal(r.code, 0, r.stderr);
  const printed = JSON.parse(r.stdout) as { objects: unknown[]; machine: Record<string, unknown> };
  t.same(printed.objects, [
    { 'qom-type': 'secret', id: 's0', data: 'aGk=', format: 'base64' },
    { 'qom-type': 'memory-backend-ram', id: 'ram', size: 96 << 20 }]);
  t.equal(printed.machine['memory-backend'], 'ram');
  const cfg = join(dir, 'objects.json');
  writeFileSync(cfg, r.stdout);
  const e = await startEmuWithQmp(t, ['-S', cfg]);
  t.same(await e.client.execute('x-query-machine-document'), printed, 'config file');
  await e.client.execute('quit');
  const o = await startEmuWithQmp(t, ['-S', '--object', 'secret,id=s0,data=aGk=,format=base64', '--object', 'memory-backend-ram,id=ram,size=96M',
    '--machine', 'virt,memory-backend=ram', '--accel', 'tcg']);
  t.same(await o.client.execute('x-query-machine-document'), printed, 'emu --object');
  await o.client.execute('quit');
});

t.test('a config file\'s objects section, and its errors with positions', async (t) => {
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'machine: {type: virt, memory-backend: ram}\nobjects:\n  - {qom-type: memory-backend-ram, id: ram, size: 32M}\n');
  const e = await startEmuWithQmp(t, ['-S', good]);
  const doc = await e.client.execute('x-query-machine-document') as { machine: { memory: number }; objects: unknown[] };
  t.equal(doc.machine.memory, 32 << 20);
  t.same(doc.objects, [{ 'qom-type': 'memory-backend-ram', id: 'ram', size: 32 << 20 }]);
  await e.client.execute('quit');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'machine: {type: virt}\nobjects:\n  - {qom-type: secret, id: s, format: hex, data: x}\n');
  const r = await runBinary(t, EMU, ['--check', bad]);
  t.equal(r.code, 1);
  t.match(r.stderr, /bad\.yaml:3:\d+: .*Parameter 'format' does not accept value 'hex'/);
});

t.test('the state file keeps objects added over QMP', async (t) => {
  const state = join(dir, 'vm-state.json');
  const e = await startEmuWithQmp(t, ['-S', '--state-file', state, '--machine', 'virt']);
  await e.client.execute('object-add', { 'qom-type': 'secret', id: 'pw', data: 'x' });
  await e.client.execute('quit');
  await e.exited;
  const again = await startEmuWithQmp(t, ['-S', '--state-file', state]);
  t.equal(await again.client.execute('qom-get', { path: '/objects/pw', property: 'data' }), 'x');
  await again.client.execute('quit');
});

t.test('rng backends and virtio-rng-device: in the tree, in use, in the document', async (t) => {
  const e = await startEmuWithQmp(t, ['-nodefaults', '-S', '-object', 'rng-random,id=r', '-object', 'rng-builtin,id=b',
    '-device', 'virtio-rng-device,rng=r,id=v', '-device', 'virtio-rng-device'], { binary: EMU_LEGACY });
  const c = e.client;
  t.equal(await c.execute('qom-get', { path: '/objects/r', property: 'filename' }), '/dev/urandom');
  t.equal(await c.execute('qom-get', { path: '/machine/peripheral/v', property: 'rng' }), 'r');
  await t.rejects(c.execute('object-del', { id: 'r' }), { message: "object 'r' is in use, can not be deleted" });
  await c.execute('object-del', { id: 'b' });
  const doc = await c.execute('x-query-machine-document') as { objects: unknown[]; devices: unknown[] };
  t.same(doc.objects, [{ 'qom-type': 'rng-random', id: 'r' }]);
  t.same(doc.devices, [{ driver: 'virtio-rng-device', id: 'v', bus: 'virtio-mmio-bus.7', rng: 'r' }, { driver: 'virtio-rng-device', bus: 'virtio-mmio-bus.6' }]);
  await c.execute('quit');
});

t.test('-object help and -object TYPE,help in QEMU\'s layout', async (t) => {
  const list = await runBinary(t, EMU_LEGACY, ['-object', 'help']);
  t.equal(list.stdout, 'List of user creatable objects:\n  memory-backend-ram\n  rng-builtin\n  rng-random\n  secret\n');
  t.equal(list.code, 0);
  const secret = await runBinary(t, EMU_LEGACY, ['-object', 'secret,help']);
  t.equal(secret.stdout, 'secret options:\n  data=<string>\n  file=<string>\n  format=<QCryptoSecretFormat>\n');
  const ram = await runBinary(t, EMU_LEGACY, ['-object', 'memory-backend-ram,help']);
  t.equal(ram.stdout, 'memory-backend-ram options:\n  size=<int>             - Size of the memory region (ex: 500M)\n');
  t.equal((await runBinary(t, EMU_LEGACY, ['-object', 'rng-builtin,help'])).stdout, 'There are no options for rng-builtin.\n');
  const bad = await runBinary(t, EMU_LEGACY, ['-object', 'bogus,help']);
  t.equal(bad.stderr, "emu-legacy: -object bogus,help: Parameter 'qom-type' does not accept value 'bogus'\n");
  t.equal(bad.code, 1);
});

t.test('-readconfig [object] sections: the same objects, QEMU\'s file:line errors', async (t) => {
  const good = join(dir, 'objects.cfg');
  writeFileSync(good, '[object "s0"]\n  qom-type = "secret"\n  data = "x"\n[object "m0"]\n  qom-type = "memory-backend-ram"\n  size = "64M"\n[machine]\n  memory-backend = "m0"\n');
  const r = await runBinary(t, EMU_LEGACY, ['-nodefaults', '-readconfig', good, '--print-config']);
  t.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { objects: unknown[]; machine: { memory: number } };
  t.same(doc.objects, [{ 'qom-type': 'secret', id: 's0', data: 'x' }, { 'qom-type': 'memory-backend-ram', id: 'm0', size: 64 << 20 }]);
  t.equal(doc.machine.memory, 64 << 20);
  const bad = join(dir, 'bad-object.cfg');
  writeFileSync(bad, '[object "s0"]\n  qom-type = "secret"\n  bogus = "x"\n');
  const b = await runBinary(t, EMU_LEGACY, ['-nodefaults', '-readconfig', bad, '--print-config']);
  t.equal(b.stderr, `emu-legacy:${bad}:3: Parameter 'bogus' is unexpected\n`);
  t.equal(b.code, 1);
});
