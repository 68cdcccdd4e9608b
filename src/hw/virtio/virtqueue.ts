// A split virtqueue (virtio 1.x §2.7): descriptor table, available ring, used ring, indirect
// descriptors and event-index notification suppression. Everything read from guest memory is
// checked before use; a chain that breaks the rules raises VirtqueueError, which the transport
// turns into DEVICE_NEEDS_RESET.

import type { GuestRam } from './guest-ram.ts';

export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

/** A request chain can never describe more than this many bytes (the 32-bit used length). */
const MAX_CHAIN_BYTES = 0xffffffff;

export class VirtqueueError extends Error {}

/** One guest buffer segment, already validated: a RAM offset and a length. */
export interface Segment {
  off: number;
  len: number;
}

/** A popped descriptor chain: device-readable segments first, then device-writable ones. */
export interface Chain {
  head: number;
  out: Segment[];
  in: Segment[];
  outLen: number;
  inLen: number;
}

export class Virtqueue {
  /** Queue size chosen by the driver (QueueNum); a power of two up to `max`. */
  num: number;
  ready = false;
  descAddr = 0;
  driverAddr = 0;
  deviceAddr = 0;
  private desc = -1;
  private avail = -1;
  private used = -1;
  private lastAvail = 0;
  private usedIdx = 0;
  /** Used index the last time the driver was interrupted, for event-index suppression. */
  private signalledUsed = 0;
  eventIdx = false;
  indirect = false;

  constructor(readonly index: number, readonly max: number, private readonly mem: GuestRam) {
    this.num = max;
  }

  reset(): void {
    this.num = this.max;
    this.ready = false;
    this.descAddr = this.driverAddr = this.deviceAddr = 0;
    this.desc = this.avail = this.used = -1;
    this.lastAvail = this.usedIdx = this.signalledUsed = 0;
  }

  /**
   * The driver set QueueReady: checks the rings lie in RAM with their required alignment. Returns
   * false (and leaves the queue not ready) when they do not.
   */
  enable(): boolean {
    const n = this.num;
    if (n === 0 || n > this.max || (n & (n - 1)) !== 0) return false;
    if (this.descAddr % 16 !== 0 || this.driverAddr % 2 !== 0 || this.deviceAddr % 4 !== 0) return false;
    this.desc = this.mem.offset(this.descAddr, 16 * n);
    this.avail = this.mem.offset(this.driverAddr, 6 + 2 * n);
    this.used = this.mem.offset(this.deviceAddr, 6 + 8 * n);
    if (this.desc < 0 || this.avail < 0 || this.used < 0) return false;
    this.lastAvail = this.usedIdx = this.signalledUsed = 0;
    this.ready = true;
    return true;
  }

  /** Whether the driver has made buffers available that the device has not taken yet. */
  hasAvailable(): boolean {
    return this.ready && this.mem.u16(this.avail + 2) !== this.lastAvail;
  }

  /** Takes the next available chain, or null when there is none. */
  pop(): Chain | null {
    if (!this.ready) return null;
    const m = this.mem;
    const availIdx = m.u16(this.avail + 2);
    if (availIdx === this.lastAvail) return null;
    if (((availIdx - this.lastAvail) & 0xffff) > this.num) throw new VirtqueueError(`avail index ${availIdx} is more than a ring ahead of ${this.lastAvail}`);
    const head = m.u16(this.avail + 4 + 2 * (this.lastAvail & (this.num - 1)));
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    return this.walk(head);
  }

  private walk(head: number): Chain {
    const m = this.mem;
    if (head >= this.num) throw new VirtqueueError(`head ${head} outside a ring of ${this.num}`);
    const chain: Chain = { head, out: [], in: [], outLen: 0, inLen: 0 };
    let table = this.desc;
    let size = this.num;
    let idx = head;
    let seen = 0;
    let inIndirect = false;
    for (;;) {
      const d = table + 16 * idx;
      const addr = m.u64(d);
      const len = m.u32(d + 8);
      const flags = m.u16(d + 12);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        if (!this.indirect) throw new VirtqueueError('indirect descriptor without VIRTIO_F_INDIRECT_DESC');
        if (inIndirect) throw new VirtqueueError('indirect descriptor inside an indirect table');
        if (flags & VIRTQ_DESC_F_NEXT) throw new VirtqueueError('indirect descriptor with NEXT');
        if (len === 0 || len % 16 !== 0) throw new VirtqueueError(`indirect table of ${len} bytes`);
        const off = m.offset(addr, len);
        if (off < 0) throw new VirtqueueError('indirect table outside RAM');
        table = off;
        size = len / 16;
        idx = 0;
        seen = 0;
        inIndirect = true;
        continue;
      }
      if (++seen > size) throw new VirtqueueError('descriptor chain loops');
      if (len > 0) {
        const off = m.offset(addr, len);
        if (off < 0) throw new VirtqueueError(`buffer 0x${addr.toString(16)}+${len} outside RAM`);
        if (flags & VIRTQ_DESC_F_WRITE) {
          chain.in.push({ off, len });
          chain.inLen += len;
        } else {
          if (chain.in.length > 0) throw new VirtqueueError('device-readable descriptor after a writable one');
          chain.out.push({ off, len });
          chain.outLen += len;
        }
        if (chain.inLen + chain.outLen > MAX_CHAIN_BYTES) throw new VirtqueueError('chain longer than 4 GiB');
      }
      if (!(flags & VIRTQ_DESC_F_NEXT)) break;
      idx = m.u16(d + 14);
      if (idx >= size) throw new VirtqueueError(`next ${idx} outside a table of ${size}`);
    }
    return chain;
  }

  /** Returns a chain to the driver with `written` bytes of device-writable data. */
  push(head: number, written: number): void {
    const m = this.mem;
    const e = this.used + 4 + 8 * (this.usedIdx & (this.num - 1));
    m.set32(e, head);
    m.set32(e + 4, written);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    m.set16(this.used + 2, this.usedIdx);
    m.written(e, 8);
    m.written(this.used + 2, 2);
  }

  /**
   * Whether the driver wants an interrupt for what was pushed since the last one (§2.7.10):
   * used_event with VIRTIO_F_EVENT_IDX, else the avail ring's NO_INTERRUPT flag.
   */
  shouldNotify(): boolean {
    if (!this.ready) return false;
    const m = this.mem;
    const old = this.signalledUsed;
    const now = this.usedIdx;
    if (old === now) return false;
    this.signalledUsed = now;
    if (this.eventIdx) {
      const usedEvent = m.u16(this.avail + 4 + 2 * this.num);
      return ((now - usedEvent - 1) & 0xffff) < ((now - old) & 0xffff);
    }
    return (m.u16(this.avail) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
  }

  /** With event index: ask the driver to notify once it makes anything past what we took available. */
  publishAvailEvent(): void {
    if (!this.ready || !this.eventIdx) return;
    const e = this.used + 4 + 8 * this.num;
    this.mem.set16(e, this.lastAvail);
    this.mem.written(e, 2);
  }
}

/** Copies bytes from device-readable segments, starting `skip` bytes into the chain. */
export function gather(mem: GuestRam, segs: Segment[], skip: number, dst: Uint8Array): number {
  let done = 0;
  for (const s of segs) {
    if (done >= dst.length) break;
    if (skip >= s.len) { skip -= s.len; continue; }
    const n = Math.min(s.len - skip, dst.length - done);
    dst.set(mem.ram.subarray(s.off + skip, s.off + skip + n), done);
    done += n;
    skip = 0;
  }
  return done;
}

/** Copies bytes into device-writable segments, starting `skip` bytes in. Returns bytes written. */
export function scatter(mem: GuestRam, segs: Segment[], skip: number, src: Uint8Array): number {
  let done = 0;
  for (const s of segs) {
    if (done >= src.length) break;
    if (skip >= s.len) { skip -= s.len; continue; }
    const n = Math.min(s.len - skip, src.length - done);
    mem.ram.set(src.subarray(done, done + n), s.off + skip);
    mem.written(s.off + skip, n);
    done += n;
    skip = 0;
  }
  return done;
}
