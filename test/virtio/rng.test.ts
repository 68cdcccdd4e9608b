// virtio-rng (virtio 1.x §5.4) driven through the real virtio-mmio transport by the test driver, as a
// guest kernel drives it: device id 4, one queue, every device-writable byte filled from the rng
// backend object (rng-random on a file of known bytes; rng-builtin).

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RAM_BASE } from '../../src/hw/memory/address-space.ts';
import { VirtioMmio } from '../../src/hw/virtio/mmio.ts';
import { VirtioRng } from '../../src/hw/virtio/rng.ts';
import { createTypeRegistry } from '../../src/hw/devices/index.ts';
import { UserObjects } from '../../src/hw/objects/index.ts';
import { container } from '../../src/hw/qom/object.ts';
import { tempDir } from '../helpers/emu.ts';
import { TestDriver, TestIrq, makeRam } from './driver.ts';

const Q = RAM_BASE + 0x10000;
const BUF = RAM_BASE + 0x40000;

function rig(objectArgs: Record<string, unknown>) {
  const objects = new UserObjects(createTypeRegistry(), container());
  const backend = objects.add(objectArgs as never);
  const as = makeRam(4);
  const irq = new TestIrq();
  const mmio = new VirtioMmio(as, irq, new VirtioRng(backend.entropy!));
  const drv = new TestDriver(mmio, as);
  return { drv, irq, objects };
}

t.test('identity: device id 4, no device features, one queue', async (t) => {
  const { drv } = rig({ 'qom-type': 'rng-builtin', id: 'r' });
  t.equal(drv.r(0x08), 4, 'DeviceID');
  drv.w(0x14, 0);
  t.equal(drv.r(0x10) & 0xffffff, 0, 'no device-specific feature bits');
  t.ok(drv.init(), 'FEATURES_OK');
  drv.w(0x30, 0);
  t.ok(drv.r(0x34) > 0, 'queue 0 exists');
  drv.w(0x30, 1);
  t.equal(drv.r(0x34), 0, 'queue 1 does not');
});

t.test('rng-random: the guest reads the backend\'s bytes, across chains and segments', async (t) => {
  const file = join(tempDir('emu-rng-'), 'pool.bin');
  const pool = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff));
  writeFileSync(file, pool);
  const { drv, irq } = rig({ 'qom-type': 'rng-random', id: 'r', filename: file });
  t.ok(drv.init());
  const q = drv.queue(0, 8, Q);
  drv.ok();
  drv.ram.bytes(BUF, 64).fill(0);
  drv.submit(q, [{ addr: BUF, len: 16, write: true }]);
  t.same(drv.used(q), [{ id: 0, len: 16 }]);
  t.same([...drv.ram.bytes(BUF, 16)], [...pool.subarray(0, 16)]);
  t.ok(irq.raised >= 1, 'used-buffer interrupt');
  // Two writable segments in one chain: filled in order, length is their sum.
  drv.submit(q, [{ addr: BUF + 16, len: 8, write: true }, { addr: BUF + 32, len: 24, write: true }], { first: 1 });
  t.same(drv.used(q), [{ id: 1, len: 32 }]);
  t.same([...drv.ram.bytes(BUF + 16, 8)], [...pool.subarray(16, 24)]);
  t.same([...drv.ram.bytes(BUF + 32, 24)], [...pool.subarray(24, 48)]);
});

t.test('rng-builtin: buffers get fresh random bytes', async (t) => {
  const { drv } = rig({ 'qom-type': 'rng-builtin', id: 'r' });
  t.ok(drv.init());
  const q = drv.queue(0, 8, Q);
  drv.ok();
  drv.ram.bytes(BUF, 128).fill(0);
  drv.submit(q, [{ addr: BUF, len: 64, write: true }]);
  drv.submit(q, [{ addr: BUF + 64, len: 64, write: true }], { first: 1 });
  t.same(drv.used(q), [{ id: 0, len: 64 }, { id: 1, len: 64 }]);
  const a = Buffer.from(drv.ram.bytes(BUF, 64));
  const b = Buffer.from(drv.ram.bytes(BUF + 64, 64));
  t.not(a.toString('hex'), b.toString('hex'), 'two reads differ');
  t.ok(new Set(a).size > 16, 'and are not a constant pattern');
});

t.test('rng-random on a file that cannot be opened: QEMU\'s message, nothing created', async (t) => {
  const objects = new UserObjects(createTypeRegistry(), container());
  t.throws(() => objects.add({ 'qom-type': 'rng-random', id: 'r', filename: '/nonexist' } as never), { message: "Could not open '/nonexist': No such file or directory" });
  t.equal(objects.list().length, 0);
});

t.test('a link by path is released by the same path, and the object can then be deleted', async (t) => {
  const { objects } = rig({ 'qom-type': 'rng-builtin', id: 'r' });
  objects.claim('/machine/peripheral/rng0', 'rng', '/objects/r', 'rng-backend');
  t.throws(() => objects.del('r'), /object 'r' is in use, can not be deleted/);
  objects.release('/machine/peripheral/rng0', '/objects/r');
  t.doesNotThrow(() => objects.del('r'));
});
