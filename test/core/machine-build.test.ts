// Builds a virt machine purely through dispatched commands, reads its document, rebuilds a second
// machine from that document, and checks both documents and both device trees are byte-identical.

import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../../src/qmp/core.ts';
import { documentCommands } from '../../src/hw/machine/document.ts';

const dir = mkdtempSync(join(tmpdir(), 'emu-core-'));
const disk = join(dir, 'disk.img');
const iso = join(dir, 'cd.iso');
writeFileSync(disk, Buffer.alloc(1 << 20));
writeFileSync(iso, Buffer.alloc(1 << 20, 1));

async function buildByCommands() {
  const core = createCore();
  const run = (name: string, args?: Record<string, unknown>) => core.dispatcher.submit(name, args);
  await run('machine-set', { type: 'virt', memory: 256 * 1024 * 1024, smp: { cpus: 2 } });
  await run('blockdev-add', { driver: 'file', 'node-name': 'f0', filename: disk });
  await run('blockdev-add', { driver: 'raw', 'node-name': 'd0', file: 'f0' });
  await run('blockdev-add', { driver: 'raw', 'node-name': 'cd0', 'read-only': true, file: { driver: 'file', filename: iso } });
  await run('chardev-add', { id: 'ser0', backend: { type: 'null', data: {} } });
  await run('device_add', { driver: 'virtio-blk-device', id: 'vd0', drive: 'd0' });
  await run('device_add', { driver: 'virtio-scsi-device', id: 'scsi0' });
  await run('device_add', { driver: 'scsi-cd', id: 'cd', drive: 'cd0' });
  return core;
}

t.test('a machine built by commands equals the machine rebuilt from its document', async (t) => {
  const a = await buildByCommands();
  const docA = a.vm.document();
  t.equal(a.vm.phase, 'machine-initialized');
  t.same(docA.devices, [
    { driver: 'virtio-blk-device', id: 'vd0', bus: 'virtio-mmio-bus.7', drive: 'd0' },
    { driver: 'virtio-scsi-device', id: 'scsi0', bus: 'virtio-mmio-bus.6' },
    { driver: 'scsi-cd', id: 'cd', bus: 'scsi0.0', drive: 'cd0', 'scsi-id': 0 },
  ]);
  const b = createCore();
  for (const c of documentCommands(docA)) await b.dispatcher.submit(c.execute, c.arguments);
  t.equal(JSON.stringify(b.vm.document()), JSON.stringify(docA));
  t.same(Buffer.from(b.vm.dtb()), Buffer.from(a.vm.dtb()));
  a.vm.blocks.closeAll();
  b.vm.blocks.closeAll();
});
