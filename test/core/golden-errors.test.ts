// The exact texts of phase violations, unknown commands, bad arguments and bad sizes.

import t from 'tap';
import { createCore } from '../../src/qmp/core.ts';
import type { QmpError } from '../../src/shared/errors.ts';

async function error(run: () => Promise<unknown>): Promise<{ class: string; desc: string }> {
  try {
    await run();
  } catch (e) {
    return (e as QmpError).toQmp();
  }
  throw new Error('expected an error');
}

t.test('unknown commands', async (t) => {
  const { dispatcher } = createCore();
  for (const name of ['nonexistent', 'Query-Status', 'query_status']) {
    t.same(await error(() => dispatcher.submit(name, {})), { class: 'CommandNotFound', desc: `The command ${name} has not been found` });
  }
});

t.test('argument validation, in QEMU order: missing before unexpected, nothing runs on failure', async (t) => {
  const { dispatcher, vm } = createCore();
  const e = (n: string, a: Record<string, unknown>) => error(() => dispatcher.submit(n, a)).then((x) => x.desc);
  t.equal(await e('chardev-remove', {}), "Parameter 'id' is missing");
  t.equal(await e('chardev-remove', { bogus: 1 }), "Parameter 'id' is missing");
  t.equal(await e('chardev-remove', { id: 'x', bogus: 1 }), "Parameter 'bogus' is unexpected");
  t.equal(await e('chardev-remove', { id: 5 }), "Invalid parameter type for 'id', expected: string");
  t.equal(await e('query-named-block-nodes', { flat: 'yes' }), "Invalid parameter type for 'flat', expected: boolean");
  t.equal(await e('machine-set', { type: 'virt', memory: 'big' }), "Invalid parameter type for 'memory', expected: integer");
  t.equal(await e('machine-set', { type: 'virt', memory: -1 }), "Parameter 'memory' expects integer");
  t.equal(await e('machine-set', { type: 'virt', smp: { cpus: 'two' } }), "Invalid parameter type for 'smp.cpus', expected: integer");
  t.equal(await e('query-status', { x: 1 }), "Parameter 'x' is unexpected");
  t.equal(await e('blockdev-add', { driver: 'bogus', 'node-name': 'n' }), "Parameter 'driver' does not accept value 'bogus'");
  t.equal(await e('blockdev-add', { driver: 'raw', 'node-name': 'n' }), "Parameter 'file' is missing");
  t.equal(await e('blockdev-add', { driver: 'raw', 'node-name': 'n', file: { driver: 'file' } }), "Parameter 'file.filename' is missing");
  t.equal(await e('chardev-add', { id: 'c', backend: { type: 'socket', data: { addr: { type: 'unix', data: {} } } } }),
    "Parameter 'backend.data.addr.data.path' is missing");
  t.equal(await e('qmp_capabilities', { enable: 'oob' }), "Invalid parameter type for 'enable', expected: array");
  t.equal(await e('qmp_capabilities', { enable: ['bogus'] }), "Parameter 'enable[0]' does not accept value 'bogus'");
  t.equal(vm.phase, 'no-machine');
  t.equal(vm.chardevs.size, 0);
});

t.test('keyval arguments are typed by the schema', async (t) => {
  const { dispatcher } = createCore();
  const e = (n: string, a: Record<string, unknown>) =>
    error(() => dispatcher.submit(n, a, { mode: 'keyval' })).then((x) => x.desc);
  t.equal(await e('machine-set', { type: 'virt', memory: 'garbage' }), "Parameter 'memory' expects size");
  t.equal(await e('machine-set', { type: 'virt', smp: { cpus: 'x' } }), "Parameter 'smp.cpus' expects integer");
  t.equal(await e('blockdev-add', { driver: 'file', 'node-name': 'n', filename: 'f', 'read-only': 'maybe' }),
    "Parameter 'read-only' expects 'on' or 'off'");
  await dispatcher.submit('machine-set', { type: 'virt', memory: '1.5G', smp: { cpus: '2' } }, { mode: 'keyval' });
  const doc = (await dispatcher.submit('x-query-machine-document', {})) as { machine: { memory: number; smp: { cpus: number } } };
  t.equal(doc.machine.memory, 1.5 * 1024 ** 3);
  t.equal(doc.machine.smp.cpus, 2);
});

t.test('phase violations', async (t) => {
  const { dispatcher, vm } = createCore();
  const e = (n: string, a: Record<string, unknown> = {}) => error(() => dispatcher.submit(n, a)).then((x) => x.desc);
  t.equal(await e('device_add', { driver: 'virtio-blk-device' }),
    "The command 'device_add' is permitted only in phases machine-initialized, machine-ready; the machine is in phase no-machine");
  t.equal(await e('cont'), "The command 'cont' is permitted only after machine initialization has completed");
  t.equal(await e('system_reset'), "The command 'system_reset' is permitted only after machine initialization has completed");
  t.equal(await e('machine-init'), "The command 'machine-init' is permitted only in phase accel-created; the machine is in phase no-machine");
  t.equal(await e('query-cpus-fast'),
    "The command 'query-cpus-fast' is permitted only in phases machine-initialized, machine-ready; the machine is in phase no-machine");
  // The phase is checked before the arguments, as QEMU does.
  t.equal(await e('device_add', { bogus: 1 }),
    "The command 'device_add' is permitted only in phases machine-initialized, machine-ready; the machine is in phase no-machine");
  await dispatcher.submit('machine-set', { type: 'virt' });
  t.equal(await e('machine-set', { type: 'virt' }),
    "The command 'machine-set' is permitted only in phase no-machine; the machine is in phase machine-created");
  // Construction commands advance a created machine implicitly; queries do not.
  t.equal(await e('query-cpus-fast'),
    "The command 'query-cpus-fast' is permitted only in phases machine-initialized, machine-ready; the machine is in phase machine-created");
  await dispatcher.submit('device_add', { driver: 'virtio-scsi-device' });
  t.equal(vm.phase, 'machine-initialized');
  await dispatcher.submit('cont');
  t.equal(vm.phase, 'machine-ready');
  t.equal(vm.runState, 'running');
  t.equal(await e('machine-init'), "The command 'machine-init' is permitted only in phase accel-created; the machine is in phase machine-ready");
});

t.test('machine and device errors', async (t) => {
  const { dispatcher } = createCore();
  const e = (n: string, a: Record<string, unknown>) => error(() => dispatcher.submit(n, a));
  t.same(await e('machine-set', { type: 'virt', smp: { cpus: 600 } }),
    { class: 'GenericError', desc: "Invalid SMP CPUs 600. The max CPUs supported by machine 'virt' is 512" });
  t.equal((await e('machine-set', { type: 'virt', smp: { cpus: 2, maxcpus: 1 } })).desc,
    'Invalid CPU topology: maxcpus must be equal to or greater than smp: sockets (1) * dies (1) * cores (1) * threads (1) == maxcpus (1) < smp_cpus (2)');
  t.equal((await e('machine-set', { type: 'virt', boot: { order: 'z' } })).desc, "Invalid boot device 'z'");
  t.equal((await e('machine-set', { type: 'virt', boot: { order: 'cdc' } })).desc, "Boot device 'c' was given twice", 'as -boot order=cdc');
  await dispatcher.submit('machine-set', { type: 'virt' });
  t.equal((await e('device_add', { driver: 'nosuchdevice' })).desc, "'nosuchdevice' is not a valid device model name");
  t.equal((await e('device_add', { driver: 'virtio-blk-device', bogusprop: 1 })).desc, "Property 'virtio-blk-device.bogusprop' not found");
  t.equal((await e('device_add', { driver: 'virtio-blk-device' })).desc, 'drive property not set');
  t.equal((await e('device_add', { driver: 'virtio-blk-device', drive: 'nosuch' })).desc, "Property 'virtio-blk-device.drive' can't find value 'nosuch'");
  t.equal((await e('device_add', { driver: 'scsi-cd' })).desc, "No 'SCSI' bus found for device 'scsi-cd'");
  t.equal((await e('device_add', { driver: 'scsi-cd', bus: 'nosuch' })).desc, "Bus 'nosuch' not found");
  t.equal((await e('device_add', { driver: 'scsi-cd', bus: 'virtio-mmio-bus.0' })).desc, "Device 'scsi-cd' can't go on virtio-bus bus");
  t.equal((await e('device_add', { driver: 'device' })).desc, "Parameter 'driver' expects a pluggable device type");
  await dispatcher.submit('device_add', { driver: 'virtio-scsi-device', id: 'a' });
  t.equal((await e('device_add', { driver: 'virtio-scsi-device', id: 'a' })).desc, "Duplicate device ID 'a'");
  t.same(await e('device_del', { id: 'nope' }), { class: 'DeviceNotFound', desc: "Device 'nope' not found" });
  t.same(await e('device-list-properties', { typename: 'virtio-net-ccw' }), { class: 'DeviceNotFound', desc: "Device 'virtio-net-ccw' not found" });
  await dispatcher.submit('finish-machine-init', {});
  t.equal((await e('device_add', { driver: 'virtio-scsi-device' })).desc, "Bus 'virtio-mmio-bus.6' does not support hotplugging");
});
