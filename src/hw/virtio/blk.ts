// virtio-blk (virtio 1.x §5.2): read, write, flush, get-id, discard and write-zeroes on a block
// node. Data moves straight between the backend and guest RAM segments, without a bounce buffer.

import type { BlockDriver } from '../block/driver.ts';
import { type VirtioDevice, type VirtioMmio } from './mmio.ts';
import { type Chain, type Segment, type Virtqueue, VirtqueueError, gather } from './virtqueue.ts';

const VIRTIO_BLK_F_SEG_MAX = 2;
const VIRTIO_BLK_F_RO = 5;
const VIRTIO_BLK_F_BLK_SIZE = 6;
const VIRTIO_BLK_F_FLUSH = 9;
const VIRTIO_BLK_F_DISCARD = 13;
const VIRTIO_BLK_F_WRITE_ZEROES = 14;

export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_T_DISCARD = 11;
export const VIRTIO_BLK_T_WRITE_ZEROES = 13;

export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

const SECTOR = 512;
const QUEUE_MAX = 256;
/** Discard / write-zeroes ranges per request, and sectors per range, that the device accepts. */
const MAX_RANGES = 32;
const MAX_RANGE_SECTORS = 0x3fffff;
const ZEROES = new Uint8Array(1 << 20);

export interface VirtioBlkOptions {
  serial?: string;
  discard?: boolean;
  writeZeroes?: boolean;
}

export class VirtioBlk implements VirtioDevice {
  readonly deviceId = 2;
  readonly queueCount = 1;
  readonly queueMax = QUEUE_MAX;
  readonly features: bigint;
  private t!: VirtioMmio;
  private capacity: number;
  private readonly id: Uint8Array;

  constructor(private readonly disk: BlockDriver, private readonly opts: VirtioBlkOptions = {}) {
    this.capacity = Math.floor(disk.size / SECTOR);
    let f = (1n << BigInt(VIRTIO_BLK_F_SEG_MAX)) | (1n << BigInt(VIRTIO_BLK_F_BLK_SIZE)) | (1n << BigInt(VIRTIO_BLK_F_FLUSH));
    if (disk.readOnly) f |= 1n << BigInt(VIRTIO_BLK_F_RO);
    else {
      if (opts.discard !== false) f |= 1n << BigInt(VIRTIO_BLK_F_DISCARD);
      if (opts.writeZeroes !== false) f |= 1n << BigInt(VIRTIO_BLK_F_WRITE_ZEROES);
    }
    this.features = f;
    this.id = new Uint8Array(20);
    this.id.set(new TextEncoder().encode(opts.serial ?? '').subarray(0, 20));
  }

  attach(t: VirtioMmio): void {
    this.t = t;
  }

  config(): Uint8Array {
    const c = new Uint8Array(60);
    const v = new DataView(c.buffer);
    v.setUint32(0, this.capacity % 0x100000000, true);
    v.setUint32(4, Math.floor(this.capacity / 0x100000000), true);
    v.setUint32(12, QUEUE_MAX - 2, true); // seg_max: the header and status take two descriptors
    v.setUint32(20, SECTOR, true); // blk_size
    v.setUint16(34, 1, true); // num_queues
    v.setUint32(36, MAX_RANGE_SECTORS, true); // max_discard_sectors
    v.setUint32(40, MAX_RANGES, true); // max_discard_seg
    v.setUint32(44, 1, true); // discard_sector_alignment
    v.setUint32(48, MAX_RANGE_SECTORS, true); // max_write_zeroes_sectors
    v.setUint32(52, MAX_RANGES, true); // max_write_zeroes_seg
    return c;
  }

  reset(): void { /* every request completes inside notify(): nothing is in flight */ }

  /**
   * The backend's size may have changed (a resize of the node): the guest learns the new capacity
   * through a configuration change interrupt.
   */
  checkCapacity(): void {
    const c = Math.floor(this.disk.size / SECTOR);
    if (c === this.capacity) return;
    this.capacity = c;
    this.t.configChanged();
  }

  notify(index: number): void {
    const q = this.t.queues[index];
    this.checkCapacity();
    do {
      for (let c = q.pop(); c !== null; c = q.pop()) this.request(q, c);
      q.publishAvailEvent();
    } while (q.hasAvailable());
    this.t.usedBuffers(q);
  }

  private request(q: Virtqueue, c: Chain): void {
    if (c.inLen < 1) throw new VirtqueueError('virtio-blk request without a status byte');
    const mem = this.t.mem;
    // The status byte is the chain's last writable byte; the data-in area is everything before it.
    const last = c.in[c.in.length - 1];
    const statusOff = last.off + last.len - 1;
    const dataIn = trimEnd(c.in, 1);
    let status = VIRTIO_BLK_S_IOERR;
    let written = 0;
    if (c.outLen >= 16) {
      const hdr = new Uint8Array(16);
      gather(mem, c.out, 0, hdr);
      const hv = new DataView(hdr.buffer);
      const type = hv.getUint32(0, true);
      const sector = hv.getUint32(8, true) + hv.getUint32(12, true) * 0x100000000;
      const dataOut = skipStart(c.out, 16);
      try {
        [status, written] = this.execute(type, sector, dataOut, c.outLen - 16, dataIn, c.inLen - 1);
      } catch {
        status = VIRTIO_BLK_S_IOERR;
        written = 0;
      }
    }
    mem.ram[statusOff] = status;
    mem.written(statusOff, 1);
    q.push(c.head, written + 1);
  }

  /** Runs one request; returns the status and the number of data bytes written to the guest. */
  private execute(type: number, sector: number, out: Segment[], outLen: number, inSegs: Segment[], inLen: number): [number, number] {
    const ram = this.t.mem.ram;
    switch (type) {
      case VIRTIO_BLK_T_IN: {
        if (!this.inRange(sector, inLen) || inLen % SECTOR !== 0) return [VIRTIO_BLK_S_IOERR, 0];
        let pos = sector * SECTOR;
        for (const s of inSegs) {
          this.disk.read(pos, ram.subarray(s.off, s.off + s.len));
          this.t.mem.written(s.off, s.len);
          pos += s.len;
        }
        return [VIRTIO_BLK_S_OK, inLen];
      }
      case VIRTIO_BLK_T_OUT: {
        if (this.disk.readOnly || !this.inRange(sector, outLen) || outLen % SECTOR !== 0) return [VIRTIO_BLK_S_IOERR, 0];
        let pos = sector * SECTOR;
        for (const s of out) {
          this.disk.write(pos, ram.subarray(s.off, s.off + s.len));
          pos += s.len;
        }
        return [VIRTIO_BLK_S_OK, 0];
      }
      case VIRTIO_BLK_T_FLUSH:
        this.disk.flush();
        return [VIRTIO_BLK_S_OK, 0];
      case VIRTIO_BLK_T_GET_ID: {
        const n = Math.min(20, inLen);
        let done = 0;
        for (const s of inSegs) {
          if (done >= n) break;
          const k = Math.min(s.len, n - done);
          ram.set(this.id.subarray(done, done + k), s.off);
          this.t.mem.written(s.off, k);
          done += k;
        }
        return [VIRTIO_BLK_S_OK, n];
      }
      case VIRTIO_BLK_T_DISCARD:
      case VIRTIO_BLK_T_WRITE_ZEROES: {
        const bit = type === VIRTIO_BLK_T_DISCARD ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES;
        if (!this.t.has(bit)) return [VIRTIO_BLK_S_UNSUPP, 0];
        if (this.disk.readOnly || outLen === 0 || outLen % 16 !== 0 || outLen / 16 > MAX_RANGES) return [VIRTIO_BLK_S_IOERR, 0];
        const ranges = new Uint8Array(outLen);
        gather(this.t.mem, out, 0, ranges);
        const v = new DataView(ranges.buffer);
        const list: [number, number][] = [];
        for (let i = 0; i < outLen; i += 16) {
          const start = v.getUint32(i, true) + v.getUint32(i + 4, true) * 0x100000000;
          const count = v.getUint32(i + 8, true);
          const flags = v.getUint32(i + 12, true);
          // Only write-zeroes defines a flag (unmap); anything else is a malformed request.
          if (count > MAX_RANGE_SECTORS || (flags & ~(type === VIRTIO_BLK_T_WRITE_ZEROES ? 1 : 0)) !== 0) return [VIRTIO_BLK_S_UNSUPP, 0];
          if (!this.inRange(start, count * SECTOR)) return [VIRTIO_BLK_S_IOERR, 0];
          list.push([start, count]);
        }
        // Discard is a hint the backends cannot act on; write-zeroes must really zero.
        if (type === VIRTIO_BLK_T_WRITE_ZEROES) {
          for (const [start, count] of list) {
            let pos = start * SECTOR;
            let left = count * SECTOR;
            while (left > 0) {
              const n = Math.min(left, ZEROES.length);
              this.disk.write(pos, ZEROES.subarray(0, n));
              pos += n;
              left -= n;
            }
          }
        }
        return [VIRTIO_BLK_S_OK, 0];
      }
      default:
        return [VIRTIO_BLK_S_UNSUPP, 0];
    }
  }

  private inRange(sector: number, bytes: number): boolean {
    return sector <= this.capacity && bytes <= (this.capacity - sector) * SECTOR;
  }
}

/** The segments without their last `n` bytes. */
function trimEnd(segs: Segment[], n: number): Segment[] {
  const out: Segment[] = [];
  let total = 0;
  for (const s of segs) total += s.len;
  let keep = total - n;
  for (const s of segs) {
    if (keep <= 0) break;
    const len = Math.min(s.len, keep);
    out.push({ off: s.off, len });
    keep -= len;
  }
  return out;
}

/** The segments without their first `n` bytes. */
export function skipStart(segs: Segment[], n: number): Segment[] {
  const out: Segment[] = [];
  for (const s of segs) {
    if (n >= s.len) { n -= s.len; continue; }
    out.push({ off: s.off + n, len: s.len - n });
    n = 0;
  }
  return out;
}
