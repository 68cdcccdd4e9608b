// The object model over QMP: paths, types, properties, device_add/device_del and their events.

import t from 'tap';
import { createCore } from '../../src/qmp/core.ts';

t.test('object tree, types and properties', async (t) => {
  const { dispatcher, vm } = createCore();
  const run = (n: string, a: Record<string, unknown> = {}) => dispatcher.submit(n, a);
  const events: { event: string; data?: unknown }[] = [];
  dispatcher.onEvent((e) => events.push(e));
  await run('machine-set', { type: 'virt', smp: { cpus: 2 } });
  await run('device_add', { driver: 'virtio-scsi-device', id: 'scsi0' });
  await run('device_add', { driver: 'scsi-cd', id: 'cd0' });
  await run('device_add', { driver: 'scsi-cd', bus: 'scsi0.0', lun: 3 });
  const machine = (await run('qom-list', { path: '/machine' })) as { name: string; type: string }[];
  t.same(machine.filter((p) => p.type.startsWith('child<')).map((p) => p.name), ['peripheral', 'peripheral-anon', 'unattached']);
  t.equal(await run('qom-get', { path: '/machine', property: 'type' }), 'virt-machine');
  t.equal(await run('qom-get', { path: '/machine/peripheral/cd0', property: 'type' }), 'scsi-cd');
  t.equal(await run('qom-get', { path: '/machine/peripheral/cd0', property: 'scsi-id' }), 0);
  t.equal(await run('qom-get', { path: '/machine/peripheral-anon/device[0]', property: 'scsi-id' }), 0, 'another lun may share the target');
  t.equal(await run('qom-get', { path: '/machine/peripheral-anon/device[0]', property: 'lun' }), 3);
  t.equal(await run('qom-get', { path: 'cd0', property: 'parent_bus' }), 'scsi0.0', 'partial paths resolve');
  const unattached = (await run('qom-list', { path: '/machine/unattached' })) as { name: string; type: string }[];
  t.ok(unattached.some((p) => p.type === 'child<virtio-mmio>'));
  t.same(await run('qom-list', { path: '/nope' }).catch((e) => e.toQmp()), { class: 'DeviceNotFound', desc: "Device '/nope' not found" });
  const types = (await run('qom-list-types', { implements: 'scsi-device' })) as { name: string }[];
  t.same(types.map((x) => x.name).sort(), ['scsi-cd', 'scsi-hd']);
  const props = (await run('device-list-properties', { typename: 'virtio-blk-device' })) as { name: string; type: string }[];
  t.ok(props.some((p) => p.name === 'drive' && p.type === 'str'));
  t.ok(props.some((p) => p.name === 'queue-size' && p.type === 'uint16'));
  t.match(await run('qom-set', { path: '/machine/peripheral/cd0', property: 'lun', value: 2 }).catch((e) => e.desc),
    /after it was realized/);
  await run('device_del', { id: 'scsi0' });
  t.same(events.filter((e) => e.event === 'DEVICE_DELETED').map((e) => e.data), [
    { path: '/machine/peripheral-anon/device[0]' },
    { device: 'cd0', path: '/machine/peripheral/cd0' },
    { device: 'scsi0', path: '/machine/peripheral/scsi0' },
  ], 'children go first, then the controller');
  t.equal(vm.devices.length, 0);
  t.same(vm.buses.has('scsi0.0'), false);
});
