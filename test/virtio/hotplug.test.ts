// The machine side of virtio-scsi, in process: a GuestMachine built from commands, a driver on its
// transport, scsi-hd hot-plugged and unplugged with device_add / device_del (events on the event
// queue, the unit answering and then gone), and QMP media commands reaching the scsi-cd's guest view.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCore } from '../../src/qmp/core.ts';
import { GuestMachine } from '../../src/hw/machine/guest.ts';
import { RAM_BASE } from '../../src/hw/memory/address-space.ts';
import { TestDriver } from './driver.ts';
import { tempDir } from '../helpers/emu.ts';

const REQ = RAM_BASE + 0x40000, RESP = REQ + 0x100, DATA = REQ + 0x1000, EVENTS = REQ + 0x8000;

t.test('hot-plug and hot-unplug of scsi-hd, media changes of scsi-cd', async (t) => {
  const dir = tempDir('emu-hotplug-');
  writeFileSync(join(dir, 'hd.img'), Buffer.alloc(1 << 20, 0x11));
  writeFileSync(join(dir, 'cd.iso'), Buffer.alloc(1 << 20, 0x22));
  const { vm, dispatcher } = createCore();
  vm.guestFactory = (m) => new GuestMachine(m);
  const run = (name: string, args?: Record<string, unknown>) => dispatcher.submit(name, args);
  const events: { event: string; data: unknown }[] = [];
  const emit = vm.emit;
  vm.emit = (event, data) => { events.push({ event, data }); emit(event, data); };
  await run('machine-set', { type: 'virt', memory: 64 * 1024 * 1024 });
  await run('blockdev-add', { driver: 'raw', 'node-name': 'hd0', file: { driver: 'file', filename: join(dir, 'hd.img') } });
  await run('blockdev-add', { driver: 'raw', 'node-name': 'cd0', 'read-only': true, file: { driver: 'file', filename: join(dir, 'cd.iso') } });
  await run('device_add', { driver: 'virtio-scsi-device', id: 'scsi0' });
  await run('device_add', { driver: 'scsi-cd', id: 'cd', drive: 'cd0' });
  await run('finish-machine-init');
  t.equal(vm.phase, 'machine-ready');
  t.teardown(() => { vm.guest?.dispose(); vm.blocks.closeAll(); });
  const guest = vm.guest as GuestMachine;
  const mmio = guest.transports[7];
  t.equal(mmio.read(8, 4), 8, 'virtio-scsi on the highest transport');
  const drv = new TestDriver(mmio, guest.board.as);
  t.ok(drv.init());
  for (let i = 0; i < 3; i++) drv.queue(i, 16, RAM_BASE + 0x10000 + i * 0x4000);
  drv.ok();
  const evq = drv.queues[1];
  for (let i = 0; i < 4; i++) drv.submit(evq, [{ addr: EVENTS + 16 * i, len: 16, write: true }], { first: i, notify: i === 3 });

  const scsi = (target: number, cdb: number[], inLen = 96) => {
    const q = drv.queues[2];
    const b = drv.ram.bytes(REQ, 51);
    b.fill(0);
    b[0] = 1; b[1] = target; b[2] = 0x40;
    b.set(cdb, 19);
    drv.ram.bytes(RESP, 108).fill(0xee);
    drv.submit(q, [{ addr: REQ, len: 51 }, { addr: RESP, len: 108, write: true }, { addr: DATA, len: inLen, write: true }]);
    t.equal(drv.used(q).length, 1);
    return { response: drv.ram.u8(RESP + 11), status: drv.ram.u8(RESP + 10), sense: [drv.ram.u8(RESP + 14) & 15, drv.ram.u8(RESP + 24), drv.ram.u8(RESP + 25)] };
  };
  const event = () => drv.used(evq).map((u) => ({ event: drv.ram.u32(EVENTS + 16 * u.id), target: drv.ram.u8(EVENTS + 16 * u.id + 5), reason: drv.ram.u32(EVENTS + 16 * u.id + 12) }));

  t.equal(scsi(1, [0x12, 0, 0, 0, 36, 0]).response, 3, 'nothing at target 1: BAD_TARGET');
  await run('device_add', { driver: 'scsi-hd', id: 'hd', drive: 'hd0', 'scsi-id': 1 });
  t.same(event(), [{ event: 1, target: 1, reason: 1 }], 'hot-plug: transport reset event, reason rescan');
  const inq = scsi(1, [0x12, 0, 0, 0, 36, 0]);
  t.equal(inq.response, 0);
  t.equal(drv.ram.u8(DATA), 0, 'a disk answers at target 1');
  t.equal(scsi(1, [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], 512).status, 0, 'READ(10) of the hot-plugged disk');
  t.equal(drv.ram.u8(DATA), 0x11);
  // WRITE(10) of one block: data-out follows the request header.
  {
    const q = drv.queues[2];
    const b = drv.ram.bytes(REQ, 51);
    b.fill(0); b[0] = 1; b[1] = 1; b[2] = 0x40; b.set([0x2a, 0, 0, 0, 0, 2, 0, 0, 1, 0], 19);
    drv.ram.bytes(DATA + 0x2000, 512).fill(0x77);
    drv.submit(q, [{ addr: REQ, len: 51 }, { addr: DATA + 0x2000, len: 512 }, { addr: RESP, len: 108, write: true }]);
    drv.used(q);
    t.equal(drv.ram.u8(RESP + 10), 0, 'WRITE(10)');
  }
  t.equal(scsi(1, [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]).status, 0, 'SYNCHRONIZE CACHE');
  t.equal(scsi(1, [0x88, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0], 512).status, 0, 'READ(16) reads it back');
  t.equal(drv.ram.u8(DATA + 511), 0x77);
  t.equal(scsi(1, [0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0], 32).status, 0, 'READ CAPACITY(16)');
  t.equal(drv.ram.u32(DATA + 4), 0xff070000, 'last LBA 2047 (big-endian)');
  t.equal(scsi(1, [0x1a, 0, 0x3f, 0, 96, 0]).status, 0, 'MODE SENSE(6), all pages');
  t.equal(drv.ram.u8(DATA + 3), 8, 'with a block descriptor');
  t.equal(drv.ram.u8(DATA + 4 + 8), 0x01, 'first page: error recovery');
  const bad = scsi(1, [0xff, 0, 0, 0, 0, 0]);
  t.same([bad.status, ...bad.sense], [2, 5, 0x20, 0], 'unknown opcode: ILLEGAL REQUEST, invalid command operation code');
  await run('device_del', { id: 'hd' });
  t.same(event(), [{ event: 1, target: 1, reason: 2 }], 'hot-unplug: transport reset event, reason removed');
  t.equal(scsi(1, [0x00, 0, 0, 0, 0, 0]).response, 3, 'gone');
  t.ok(events.some((e) => e.event === 'DEVICE_DELETED'));

  // QMP media commands reach the drive as the guest sees it.
  t.equal(scsi(0, [0x00, 0, 0, 0, 0, 0]).status, 0, 'the CD is ready');
  await run('blockdev-open-tray', { id: 'cd' });
  const r = scsi(0, [0x00, 0, 0, 0, 0, 0]);
  t.same([r.status, ...r.sense], [2, 2, 0x3a, 0x02], 'tray open: NOT READY, medium not present - tray open');
  await run('blockdev-close-tray', { id: 'cd' });
  const ua = scsi(0, [0x00, 0, 0, 0, 0, 0]);
  t.same([ua.status, ...ua.sense], [2, 6, 0x28, 0], 'tray closed over a medium: UNIT ATTENTION, medium may have changed');
  t.same(event().map((e) => [e.event, e.reason & 0xff]), [[3, 0x28]], 'parameter-change event with ASC 0x28');
  t.equal(scsi(0, [0x00, 0, 0, 0, 0, 0]).status, 0, 'ready after the attention');
  // The guest locks the tray; QMP eject is refused, and the guest sees the eject request.
  t.equal(scsi(0, [0x1e, 0, 0, 0, 1, 0]).status, 0);
  await t.rejects(run('eject', { id: 'cd' }), /is locked and force was not specified/);
  scsi(0, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0], 8);
  t.equal(drv.ram.u8(DATA + 4), 1, 'GESN: eject request');
  t.equal((drv.ram.u8(DATA) << 8) | drv.ram.u8(DATA + 1), 4, 'GESN: the descriptor length counts the 4 bytes after the header, as QEMU');
  // Guest eject waits for the durable tray move, then DEVICE_TRAY_MOVED.
  t.equal(scsi(0, [0x1e, 0, 0, 0, 0, 0]).status, 0);
  const q = drv.queues[2];
  const b = drv.ram.bytes(REQ, 51);
  b.fill(0); b[0] = 1; b[2] = 0x40; b.set([0x1b, 0, 0, 0, 2, 0], 19);
  let release!: () => void;
  vm.persist = () => new Promise<void>((res) => { release = res; });
  const before = events.length;
  drv.submit(q, [{ addr: REQ, len: 51 }, { addr: RESP, len: 108, write: true }]);
  t.same(drv.used(q), [], 'the eject is not complete before the change is durable');
  t.notOk(events.slice(before).some((e) => e.event === 'DEVICE_TRAY_MOVED'), 'nor announced');
  release();
  await new Promise((r) => setImmediate(r));
  t.equal(drv.used(q).length, 1, 'completed once durable');
  t.equal(drv.ram.u8(RESP + 10), 0);
  t.same(events.at(-1), { event: 'DEVICE_TRAY_MOVED', data: { device: '', id: 'cd', 'tray-open': true } });
  t.equal(vm.document().devices.find((d) => d.id === 'cd')?.['tray-open'], true, 'the machine document records the open tray');
});
