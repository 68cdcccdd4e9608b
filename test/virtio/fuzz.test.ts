// Random and mutated descriptor chains against virtio-blk and virtio-scsi through the transport,
// written straight into guest RAM: descriptors with wild addresses, lengths, flags and next links,
// indirect tables, avail indexes that jump, random register writes. The host must never throw; the
// device either answers or sets DEVICE_NEEDS_RESET, and after a reset it serves requests again.

import t from 'tap';
import { RAM_BASE } from '../../src/hw/memory/address-space.ts';
import type { BlockDriver } from '../../src/hw/block/driver.ts';
import type { Device } from '../../src/hw/qom/device.ts';
import { VirtioBlk } from '../../src/hw/virtio/blk.ts';
import { VirtioMmio } from '../../src/hw/virtio/mmio.ts';
import { VirtioScsi } from '../../src/hw/virtio/scsi.ts';
import { ScsiCd } from '../../src/hw/virtio/scsi-cd.ts';
import { ScsiHd } from '../../src/hw/virtio/scsi-hd.ts';
import { TestDriver, TestIrq, makeRam, type Buf } from './driver.ts';

const ITERATIONS = 100_000;
const RAM_MIB = 4;
const RAM_END = RAM_BASE + (RAM_MIB << 20);
const Q = [RAM_BASE + 0x10000, RAM_BASE + 0x14000, RAM_BASE + 0x18000];
const SCRATCH = RAM_BASE + 0x40000;

/** xorshift32: reproducible runs (the seed is in the test name). */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
  return { next, int: (n: number) => next() % n, pick: <T>(a: readonly T[]): T => a[next() % a.length] };
}

function memDisk(size: number, readOnly = false): BlockDriver {
  const data = new Uint8Array(size);
  return {
    format: 'raw', size, readOnly,
    read(o, b) { if (o < 0 || o + b.length > size) throw new Error('beyond the end'); b.set(data.subarray(o, o + b.length)); },
    write(o, b) { if (readOnly || o < 0 || o + b.length > size) throw new Error('refused'); data.set(b, o); },
    flush() {}, close() {},
  };
}

function fakeDevice(type: string, props: Record<string, unknown>): Device {
  return { type: { name: type }, props, state: {}, label: type, get: (k: string) => props[k] } as unknown as Device;
}

type Rng = ReturnType<typeof rng>;

function wildAddr(r: Rng): number {
  switch (r.int(6)) {
    case 0: return SCRATCH + r.int(0x20000);
    case 1: return RAM_END - r.int(64);
    case 2: return r.next() * 0x100000000 + r.next();
    case 3: return 0;
    case 4: return RAM_BASE - 1 - r.int(16);
    default: return RAM_BASE + r.int(RAM_MIB << 20);
  }
}

function wildLen(r: Rng): number {
  return r.pick([0, 1, 2, 15, 16, 17, 51, 108, 512, 513, 2048, 4096, 0xffffffff, r.int(1 << 20), r.int(200)]);
}

interface Target {
  name: string;
  drv: TestDriver;
  mmio: VirtioMmio;
  queues: number;
  /** A well-formed request for the device; returns whether it succeeded. */
  valid(): boolean;
  /** A well-formed request's buffers, for mutation. */
  request(r: Rng): Buf[];
}

function bring(drv: TestDriver, queues: number): void {
  drv.init();
  for (let i = 0; i < queues; i++) drv.queue(i, 16, Q[i]);
  drv.ok();
}

function blkTarget(): Target {
  const as = makeRam(RAM_MIB);
  const mmio = new VirtioMmio(as, new TestIrq(), new VirtioBlk(memDisk(1 << 20)));
  const drv = new TestDriver(mmio, as);
  bring(drv, 1);
  const hdr = SCRATCH, data = SCRATCH + 0x1000, status = SCRATCH + 0x3000;
  return {
    name: 'virtio-blk', drv, mmio, queues: 1,
    request(r) {
      drv.ram.set32(hdr, r.pick([0, 1, 4, 8, 11, 13, r.next()]));
      drv.ram.set64(hdr + 8, r.int(4) === 0 ? r.next() : r.int(2100));
      return [{ addr: hdr, len: 16 }, { addr: data, len: 512 * (1 + r.int(8)), write: r.int(2) === 0 }, { addr: status, len: 1, write: true }];
    },
    valid() {
      const q = drv.queues[0];
      drv.used(q);
      drv.ram.set32(hdr, 0); drv.ram.set64(hdr + 8, 1);
      drv.ram.set8(status, 0xff);
      drv.submit(q, [{ addr: hdr, len: 16 }, { addr: data, len: 512, write: true }, { addr: status, len: 1, write: true }]);
      return drv.used(q).length === 1 && drv.ram.u8(status) === 0;
    },
  };
}

function scsiTarget(): Target {
  const as = makeRam(RAM_MIB);
  const host = {
    media: new Map<Device, BlockDriver>(),
    medium(dev: Device) { return this.media.get(dev); },
    async trayMove(dev: Device, open: boolean) { dev.props['tray-open'] = open; },
    trayLock(dev: Device, locked: boolean) { dev.state.locked = locked; },
  };
  const hd = fakeDevice('scsi-hd', { 'scsi-id': 0, lun: 0 });
  const cd = fakeDevice('scsi-cd', { 'scsi-id': 1, lun: 0 });
  host.media.set(hd, memDisk(1 << 20));
  host.media.set(cd, memDisk(1 << 20, true));
  const scsi = new VirtioScsi([new ScsiHd(hd, host), new ScsiCd(cd, host)]);
  const mmio = new VirtioMmio(as, new TestIrq(), scsi);
  const drv = new TestDriver(mmio, as);
  bring(drv, 3);
  const req = SCRATCH, resp = SCRATCH + 0x100, data = SCRATCH + 0x1000;
  const cdbs = [0x00, 0x03, 0x12, 0x1a, 0x1b, 0x1e, 0x25, 0x28, 0x2a, 0x35, 0x43, 0x46, 0x4a, 0x5a, 0x88, 0x8a, 0x9e, 0xa0, 0xbd];
  return {
    name: 'virtio-scsi', drv, mmio, queues: 3,
    request(r) {
      const b = drv.ram.bytes(req, 51);
      b.fill(0);
      b[0] = r.int(8) === 0 ? r.int(256) : 1;
      b[1] = r.int(3);
      b[2] = 0x40; b[3] = r.int(4) === 0 ? r.int(256) : 0;
      for (let i = 19; i < 51; i++) b[i] = r.int(3) === 0 ? r.int(256) : 0;
      b[19] = r.pick(cdbs);
      const bufs: Buf[] = [{ addr: req, len: 51 }];
      if (r.int(3) === 0) bufs.push({ addr: data, len: 512 * r.int(9) });
      bufs.push({ addr: resp, len: 108, write: true });
      if (r.int(2) === 0) bufs.push({ addr: data + 0x8000, len: r.pick([8, 36, 96, 512, 4096, 0x10000]), write: true });
      return bufs;
    },
    valid() {
      const q = drv.queues[2];
      drv.used(q);
      const b = drv.ram.bytes(req, 51);
      b.fill(0);
      b[0] = 1; b[2] = 0x40; b[19] = 0x12; b[23] = 36; // INQUIRY to the disk
      drv.ram.set8(resp + 11, 0xff);
      drv.submit(q, [{ addr: req, len: 51 }, { addr: resp, len: 108, write: true }, { addr: data, len: 36, write: true }]);
      return drv.used(q).length === 1 && drv.ram.u8(resp + 11) === 0 && drv.ram.u8(resp + 10) === 0 && drv.ram.u8(data) === 0;
    },
  };
}

function fuzz(tt: Target, seed: number, iterations: number) {
  const r = rng(seed);
  const { drv } = tt;
  let resets = 0;
  let errors = 0;
  let checks = 0;
  let firstError: unknown;
  for (let it = 0; it < iterations; it++) {
    try {
      const qi = r.int(tt.queues);
      const q = drv.queues[qi];
      const mode = r.int(100);
      if (mode < 40) {
        // Entirely random descriptors and a random head.
        const n = 1 + r.int(6);
        for (let k = 0; k < n; k++) {
          const d = q.desc + 16 * r.int(q.num);
          drv.ram.set64(d, wildAddr(r));
          drv.ram.set32(d + 8, wildLen(r));
          drv.ram.set16(d + 12, r.int(8));
          drv.ram.set16(d + 14, r.int(4) === 0 ? r.int(65536) : r.int(q.num + 2));
        }
        drv.ram.set16(q.avail + 4 + 2 * (q.availIdx % q.num), r.int(4) === 0 ? r.int(65536) : r.int(q.num));
        q.availIdx = (q.availIdx + (r.int(10) === 0 ? r.int(65536) : 1)) & 0xffff;
        drv.ram.set16(q.avail + 2, q.availIdx);
        if (r.int(8) === 0) {
          // an indirect table of random entries
          const table = SCRATCH + 0x10000;
          for (let k = 0; k < 8; k++) {
            const d = table + 16 * k;
            drv.ram.set64(d, wildAddr(r)); drv.ram.set32(d + 8, wildLen(r)); drv.ram.set16(d + 12, r.int(8)); drv.ram.set16(d + 14, r.int(10));
          }
          const d = q.desc + 16 * r.int(q.num);
          drv.ram.set64(d, r.int(4) === 0 ? wildAddr(r) : table); drv.ram.set32(d + 8, r.pick([16, 128, 0, 8, 0x100000])); drv.ram.set16(d + 12, r.pick([4, 5, 6]));
        }
        drv.w(0x50, r.int(6) === 0 ? r.int(8) : qi);
      } else if (mode < 95) {
        // A well-formed request with one field mutated.
        const bufs = tt.request(r);
        const victim = bufs[r.int(bufs.length)];
        switch (r.int(6)) {
          case 0: victim.addr = wildAddr(r); break;
          case 1: victim.len = wildLen(r); break;
          case 2: victim.write = !victim.write; break;
          case 3: bufs.reverse(); break;
          case 4: bufs.splice(r.int(bufs.length), 1); break;
          default: break;
        }
        drv.submit(q, bufs, { first: r.int(q.num), ...(r.int(4) === 0 ? { indirectAt: SCRATCH + 0x10000 } : {}) });
        if (r.int(16) === 0) drv.ram.set16(q.desc + 16 * r.int(q.num) + 12, r.next() & 0xffff);
      } else if (mode < 98) {
        // Random register writes, including status and queue set-up.
        drv.w(r.pick([0x14, 0x20, 0x24, 0x30, 0x38, 0x44, 0x50, 0x64, 0x70, 0x80, 0x84, 0x100, 0x114, 0x118]), r.next());
        drv.r(r.pick([0x10, 0x34, 0x44, 0x60, 0x70, 0xfc, 0x100, 0x104, 0x120]));
      } else {
        drv.used(q);
      }
      if ((drv.status & 64) !== 0 || (drv.status & 4) === 0 || r.int(500) === 0) {
        if (drv.status & 64) resets++;
        bring(drv, tt.queues);
      }
      if (it % 1000 === 999) {
        bring(drv, tt.queues);
        if (!tt.valid()) throw new Error(`a well-formed request failed after iteration ${it}`);
        checks++;
      }
    } catch (e) {
      errors++;
      firstError ??= e;
      bring(drv, tt.queues);
    }
  }
  return { resets, errors, checks, firstError };
}

for (const make of [blkTarget, scsiTarget]) {
  const seed = 0x5eed1234;
  const target = make();
  t.test(`${target.name}: ${ITERATIONS} random and mutated chains (seed ${seed.toString(16)})`, async (t) => {
    const t0 = Date.now();
    const res = fuzz(target, seed, ITERATIONS);
    t.equal(res.errors, 0, `no host exception${res.firstError ? `: ${(res.firstError as Error).stack}` : ''}`);
    t.ok(res.resets > 100, `malformed chains led to DEVICE_NEEDS_RESET (${res.resets} times)`);
    t.equal(res.checks, ITERATIONS / 1000, 'well-formed requests kept working after resets');
    t.ok(target.valid(), 'usable at the end');
    t.comment(`${ITERATIONS} iterations in ${Date.now() - t0} ms, ${res.resets} resets needed`);
  });
}
