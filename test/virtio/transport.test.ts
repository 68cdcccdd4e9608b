// virtio-mmio and virtio-blk driven from a TypeScript driver on guest RAM: negotiation, queue
// set-up checks, every request type, read-only backends, capacity changes, interrupt suppression
// (flags and event index), indirect tables, and a malformed chain leading to DEVICE_NEEDS_RESET.

import t from 'tap';
import { RAM_BASE } from '../../src/hw/memory/address-space.ts';
import type { BlockDriver } from '../../src/hw/block/driver.ts';
import { VirtioBlk } from '../../src/hw/virtio/blk.ts';
import { VirtioMmio } from '../../src/hw/virtio/mmio.ts';
import { type Buf, TestDriver, TestIrq, makeRam } from './driver.ts';

function memDisk(size: number, readOnly = false): BlockDriver & { data: Uint8Array; flushes: number; size: number } {
  const d = {
    format: 'raw', size, readOnly, data: new Uint8Array(size), flushes: 0,
    read(o: number, b: Uint8Array) { if (o + b.length > d.size) throw new Error('beyond'); b.set(d.data.subarray(o, o + b.length)); },
    write(o: number, b: Uint8Array) { if (readOnly) throw new Error('ro'); d.data.set(b, o); },
    flush() { d.flushes++; },
    close() {},
  };
  for (let i = 0; i < size; i++) d.data[i] = (i * 7 + (i >> 9)) & 0xff;
  return d;
}

const Q = RAM_BASE + 0x10000;
const HDR = RAM_BASE + 0x20000;
const DATA = RAM_BASE + 0x30000;
const STATUS = RAM_BASE + 0x2f000;

function setup(disk = memDisk(1 << 20), opts: { serial?: string } = {}) {
  const as = makeRam();
  const irq = new TestIrq();
  const blk = new VirtioBlk(disk, opts);
  const mmio = new VirtioMmio(as, irq, blk);
  const drv = new TestDriver(mmio, as);
  return { as, irq, blk, mmio, drv, disk };
}

function blkReq(s: ReturnType<typeof setup>, type: number, sector: number, data: { len: number; write?: boolean } | null, opts: { indirect?: boolean } = {}) {
  const { drv } = s;
  const q = drv.queues[0];
  drv.ram.set32(HDR, type); drv.ram.set32(HDR + 4, 0); drv.ram.set64(HDR + 8, sector);
  drv.ram.set8(STATUS, 0xee);
  const bufs: Buf[] = [{ addr: HDR, len: 16 }];
  if (data) bufs.push({ addr: DATA, len: data.len, write: data.write });
  bufs.push({ addr: STATUS, len: 1, write: true });
  drv.submit(q, bufs, opts.indirect ? { indirectAt: RAM_BASE + 0x40000 } : {});
  const u = drv.used(q);
  return { status: drv.ram.u8(STATUS), used: u };
}

function ready(s: ReturnType<typeof setup>) {
  t.ok(s.drv.init(), 'features accepted');
  s.drv.queue(0, 16, Q);
  s.drv.ok();
}

t.test('identity registers and feature negotiation', async (t) => {
  const s = setup(memDisk(4096, true));
  t.equal(s.drv.r(0), 0x74726976);
  t.equal(s.drv.r(4), 2);
  t.equal(s.drv.r(8), 2, 'block device');
  s.drv.w(0x14, 0);
  t.ok(s.drv.r(0x10) & (1 << 5), 'read-only backends offer VIRTIO_BLK_F_RO');
  t.notOk(s.drv.init(1n << 28n), 'a driver without VERSION_1 is refused');
  t.ok(s.drv.init(), 'a modern driver is accepted');
  t.notOk(new TestDriver(new VirtioMmio(makeRam(), new TestIrq(), null), makeRam()).r(8), 'an empty transport reads device ID 0');
  // Accepting a feature the device does not offer fails FEATURES_OK.
  const d = s.drv;
  d.w(0x70, 0); d.w(0x70, 3);
  d.w(0x24, 1); d.w(0x20, 1 | (1 << 20));
  d.w(0x70, 11);
  t.equal(d.status & 8, 0, 'unknown feature refused');
});

t.test('queue set-up refuses rings outside RAM or misaligned', async (t) => {
  const s = setup();
  s.drv.init();
  s.drv.w(0x30, 0);
  t.equal(s.drv.r(0x34), 256, 'QueueNumMax');
  s.drv.w(0x38, 16);
  s.drv.w(0x80, 0x1000); s.drv.w(0x90, Q + 0x1000); s.drv.w(0xa0, Q + 0x2000);
  s.drv.w(0x44, 1);
  t.equal(s.drv.r(0x44), 0, 'descriptor table outside RAM');
  s.drv.w(0x80, Q + 8);
  s.drv.w(0x44, 1);
  t.equal(s.drv.r(0x44), 0, 'misaligned descriptor table');
  s.drv.w(0x38, 12);
  s.drv.w(0x80, Q);
  s.drv.w(0x44, 1);
  t.equal(s.drv.r(0x44), 0, 'queue size not a power of two');
  s.drv.w(0x38, 16);
  s.drv.w(0x44, 1);
  t.equal(s.drv.r(0x44), 1, 'good rings');
});

t.test('read, write, flush, get-id, write-zeroes, discard, unsupported', async (t) => {
  const s = setup(memDisk(1 << 20), { serial: 'EMU-SERIAL-1' });
  ready(s);
  let r = blkReq(s, 0, 3, { len: 1024, write: true });
  t.equal(r.status, 0);
  t.same(r.used, [{ id: 0, len: 1025 }], 'used length counts data and status');
  t.same(Buffer.from(s.drv.ram.bytes(DATA, 1024)), Buffer.from(s.disk.data.subarray(3 * 512, 5 * 512)), 'read data');
  s.drv.ram.put(DATA, new Uint8Array(512).fill(0x5a));
  r = blkReq(s, 1, 10, { len: 512 });
  t.equal(r.status, 0);
  t.ok(s.disk.data.subarray(5120, 5632).every((b) => b === 0x5a), 'written');
  r = blkReq(s, 4, 0, null);
  t.equal(r.status, 0);
  t.equal(s.disk.flushes, 1, 'flush reaches the backend');
  r = blkReq(s, 8, 0, { len: 20, write: true });
  t.equal(r.status, 0);
  t.equal(Buffer.from(s.drv.ram.bytes(DATA, 12)).toString(), 'EMU-SERIAL-1');
  // write-zeroes of sectors 10..11
  s.drv.ram.set64(DATA, 10); s.drv.ram.set32(DATA + 8, 2); s.drv.ram.set32(DATA + 12, 0);
  r = blkReq(s, 13, 0, { len: 16 });
  t.equal(r.status, 0);
  t.ok(s.disk.data.subarray(5120, 6144).every((b) => b === 0), 'zeroed');
  r = blkReq(s, 11, 0, { len: 16 });
  t.equal(r.status, 0, 'discard accepted');
  s.drv.ram.set64(DATA, 2047); s.drv.ram.set32(DATA + 8, 2);
  t.equal(blkReq(s, 13, 0, { len: 16 }).status, 1, 'write-zeroes beyond the end');
  t.equal(blkReq(s, 0, 2047, { len: 1024, write: true }).status, 1, 'read beyond the end');
  t.equal(blkReq(s, 0, 0, { len: 100, write: true }).status, 1, 'read of a partial sector');
  t.equal(blkReq(s, 99, 0, null).status, 2, 'unknown type: UNSUPP');
  r = blkReq(s, 0, 1, { len: 512, write: true }, { indirect: true });
  t.equal(r.status, 0, 'indirect chain');
  t.same(Buffer.from(s.drv.ram.bytes(DATA, 512)), Buffer.from(s.disk.data.subarray(512, 1024)));
  t.equal(s.drv.status & 64, 0, 'never needed a reset');
});

t.test('read-only backend refuses writes', async (t) => {
  const s = setup(memDisk(65536, true));
  ready(s);
  t.equal(blkReq(s, 1, 0, { len: 512 }).status, 1, 'write: IOERR');
  t.equal(blkReq(s, 0, 0, { len: 512, write: true }).status, 0, 'read works');
  t.equal(blkReq(s, 13, 0, { len: 16 }).status, 2, 'write-zeroes not offered: UNSUPP');
});

t.test('capacity change raises a configuration interrupt', async (t) => {
  const s = setup();
  ready(s);
  const gen = s.drv.r(0xfc);
  t.equal(s.drv.r(0x100), 2048);
  s.disk.size = 2 << 20;
  s.blk.checkCapacity();
  t.equal(s.drv.r(0x100), 4096, 'new capacity');
  t.not(s.drv.r(0xfc), gen, 'config generation moved');
  t.equal(s.drv.r(0x60) & 2, 2, 'config change interrupt');
  t.ok(s.irq.level);
  s.drv.w(0x64, 2);
  t.notOk(s.irq.level, 'acknowledged');
});

t.test('interrupt suppression: NO_INTERRUPT flag and event index', async (t) => {
  const s = setup();
  s.drv.init(1n << 32n); // no event index
  s.drv.queue(0, 16, Q);
  s.drv.ok();
  const q = s.drv.queues[0];
  s.drv.ram.set16(q.avail, 1);
  blkReq(s, 4, 0, null);
  t.equal(s.irq.raised, 0, 'suppressed by the flag');
  s.drv.ram.set16(q.avail, 0);
  blkReq(s, 4, 0, null);
  t.equal(s.irq.raised, 1);
  s.drv.w(0x64, 1);

  const e = setup();
  ready(e);
  const eq = e.drv.queues[0];
  e.drv.ram.set16(eq.avail + 4 + 2 * 16, 2); // used_event: interrupt when used idx passes 2
  blkReq(e, 4, 0, null);
  blkReq(e, 4, 0, null);
  t.equal(e.irq.raised, 0, 'no interrupt before used_event');
  blkReq(e, 4, 0, null);
  t.equal(e.irq.raised, 1, 'interrupt when the used index passes used_event');
  t.equal(e.drv.ram.u16(eq.used + 4 + 8 * 16), 3, 'avail_event published');
});

t.test('a malformed chain sets DEVICE_NEEDS_RESET; reset recovers', async (t) => {
  const s = setup();
  ready(s);
  const q = s.drv.queues[0];
  // A two-descriptor loop.
  s.drv.ram.set64(q.desc, HDR); s.drv.ram.set32(q.desc + 8, 16); s.drv.ram.set16(q.desc + 12, 1); s.drv.ram.set16(q.desc + 14, 1);
  s.drv.ram.set64(q.desc + 16, STATUS); s.drv.ram.set32(q.desc + 24, 1); s.drv.ram.set16(q.desc + 28, 1); s.drv.ram.set16(q.desc + 30, 0);
  s.drv.ram.set16(q.avail + 4, 0);
  s.drv.ram.set16(q.avail + 2, 1);
  s.drv.w(0x50, 0);
  t.equal(s.drv.status & 64, 64, 'needs reset');
  t.equal(s.drv.r(0x60) & 2, 2, 'told through a configuration interrupt');
  t.match(s.mmio.lastError, /loops/);
  ready(s);
  t.equal(s.drv.status & 64, 0, 'reset clears it');
  t.equal(blkReq(s, 0, 0, { len: 512, write: true }).status, 0, 'usable again');
});
