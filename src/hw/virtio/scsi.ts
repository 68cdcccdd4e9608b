// virtio-scsi (virtio 1.x §5.6): a SCSI host adapter whose request queues carry commands to the
// logical units on its bus (scsi-hd, scsi-cd), with task management on the control queue and
// hot-plug, hot-unplug and media-change events on the event queue.

import type { Device } from '../qom/device.ts';
import { type VirtioDevice, type VirtioMmio } from './mmio.ts';
import { CHECK_CONDITION, SENSE, type ScsiDisk, type ScsiReply, type Sense, be32, check, good, put32, senseBytes } from './scsi-disk.ts';
import { type Chain, type Virtqueue, VirtqueueError, gather, scatter } from './virtqueue.ts';

const VIRTIO_SCSI_F_HOTPLUG = 1;
const VIRTIO_SCSI_F_CHANGE = 2;

export const VIRTIO_SCSI_S_OK = 0;
export const VIRTIO_SCSI_S_OVERRUN = 1;
export const VIRTIO_SCSI_S_BAD_TARGET = 3;
export const VIRTIO_SCSI_S_FAILURE = 9;
const VIRTIO_SCSI_S_FUNCTION_COMPLETE = 0;
const VIRTIO_SCSI_S_FUNCTION_REJECTED = 11;

const VIRTIO_SCSI_T_TMF = 0;
const VIRTIO_SCSI_T_AN_QUERY = 1;
const VIRTIO_SCSI_T_AN_SUBSCRIBE = 2;

export const VIRTIO_SCSI_T_NO_EVENT = 0;
export const VIRTIO_SCSI_T_TRANSPORT_RESET = 1;
export const VIRTIO_SCSI_T_PARAM_CHANGE = 3;
export const VIRTIO_SCSI_T_EVENTS_MISSED = 0x80000000;
export const VIRTIO_SCSI_EVT_RESET_RESCAN = 1;
export const VIRTIO_SCSI_EVT_RESET_REMOVED = 2;

const CONTROLQ = 0;
const EVENTQ = 1;
const QUEUE_MAX = 256;
const DEFAULT_CDB_SIZE = 32;
const DEFAULT_SENSE_SIZE = 96;
/** Largest CDB and sense areas a driver may configure; beyond them requests would be absurd. */
const MAX_CDB_SIZE = 256;
const MAX_SENSE_SIZE = 256;
const MAX_TARGET = 255;
const MAX_LUN = 16383;

export interface VirtioScsiOptions {
  numQueues?: number;
  maxSectors?: number;
  cmdPerLun?: number;
}

export class VirtioScsi implements VirtioDevice {
  readonly deviceId = 8;
  readonly queueCount: number;
  readonly queueMax = QUEUE_MAX;
  readonly features = (1n << BigInt(VIRTIO_SCSI_F_HOTPLUG)) | (1n << BigInt(VIRTIO_SCSI_F_CHANGE));
  private t!: VirtioMmio;
  private readonly units = new Map<number, ScsiDisk>();
  private cdbSize = DEFAULT_CDB_SIZE;
  private senseSize = DEFAULT_SENSE_SIZE;
  private eventsMissed = false;
  private readonly numQueues: number;

  constructor(units: ScsiDisk[], private readonly opts: VirtioScsiOptions = {}) {
    this.numQueues = Math.max(1, Math.min(opts.numQueues ?? 1, 16));
    this.queueCount = 2 + this.numQueues;
    for (const u of units) this.units.set(key(u.target, u.lun), u);
  }

  attach(t: VirtioMmio): void {
    this.t = t;
  }

  config(): Uint8Array {
    const c = new Uint8Array(36);
    const v = new DataView(c.buffer);
    v.setUint32(0, this.numQueues, true);
    v.setUint32(4, QUEUE_MAX - 2, true); // seg_max
    v.setUint32(8, this.opts.maxSectors ?? 0xffff, true);
    v.setUint32(12, this.opts.cmdPerLun ?? 128, true);
    v.setUint32(16, 16, true); // event_info_size
    v.setUint32(20, this.senseSize, true);
    v.setUint32(24, this.cdbSize, true);
    v.setUint16(28, 0, true); // max_channel
    v.setUint16(30, MAX_TARGET, true);
    v.setUint32(32, MAX_LUN, true);
    return c;
  }

  writeConfig(offset: number, size: number, value: number): void {
    // Only sense_size and cdb_size are writable (§5.6.4).
    if (size !== 4) return;
    if (offset === 20) this.senseSize = Math.min(value >>> 0, MAX_SENSE_SIZE);
    else if (offset === 24) this.cdbSize = Math.min(value >>> 0, MAX_CDB_SIZE);
  }

  reset(): void {
    this.cdbSize = DEFAULT_CDB_SIZE;
    this.senseSize = DEFAULT_SENSE_SIZE;
    this.eventsMissed = false;
    for (const u of this.units.values()) u.reset();
  }

  // ---- the bus: hot-plug and unplug ----

  unit(target: number, lun: number): ScsiDisk | undefined {
    return this.units.get(key(target, lun));
  }

  unitFor(dev: Device): ScsiDisk | undefined {
    for (const u of this.units.values()) if (u.dev === dev) return u;
    return undefined;
  }

  plug(u: ScsiDisk): void {
    this.units.set(key(u.target, u.lun), u);
    if (this.t.has(VIRTIO_SCSI_F_HOTPLUG)) this.event(VIRTIO_SCSI_T_TRANSPORT_RESET, u.target, u.lun, VIRTIO_SCSI_EVT_RESET_RESCAN);
  }

  unplug(u: ScsiDisk): void {
    this.units.delete(key(u.target, u.lun));
    if (this.t.has(VIRTIO_SCSI_F_HOTPLUG)) this.event(VIRTIO_SCSI_T_TRANSPORT_RESET, u.target, u.lun, VIRTIO_SCSI_EVT_RESET_REMOVED);
  }

  /** A unit has news (a medium change): a parameter-change event carrying its ASC and ASCQ. */
  changed(u: ScsiDisk, s: Sense): void {
    if (this.t.has(VIRTIO_SCSI_F_CHANGE)) this.event(VIRTIO_SCSI_T_PARAM_CHANGE, u.target, u.lun, s.asc | (s.ascq << 8));
  }

  // ---- queues ----

  notify(index: number): void {
    const q = this.t.queues[index];
    if (index === EVENTQ) {
      // The driver posted event buffers: tell it about events it missed for want of them.
      if (this.eventsMissed) this.event(VIRTIO_SCSI_T_NO_EVENT, 0, 0, 0);
      return;
    }
    do {
      for (let c = q.pop(); c !== null; c = q.pop()) {
        if (index === CONTROLQ) this.control(q, c);
        else this.request(q, c);
      }
      q.publishAvailEvent();
    } while (q.hasAvailable());
    this.t.usedBuffers(q);
  }

  private event(type: number, target: number, lun: number, reason: number): void {
    if (!this.t.running) return;
    const q = this.t.queues[EVENTQ];
    let c: Chain | null;
    try {
      c = q.pop();
      if (c && (c.outLen !== 0 || c.inLen < 16)) throw new VirtqueueError('event buffer smaller than an event');
    } catch (e) {
      this.t.needsReset((e as Error).message);
      return;
    }
    if (!c) {
      this.eventsMissed = true;
      return;
    }
    const ev = new Uint8Array(16);
    const v = new DataView(ev.buffer);
    v.setUint32(0, (type | (this.eventsMissed ? VIRTIO_SCSI_T_EVENTS_MISSED : 0)) >>> 0, true);
    this.eventsMissed = false;
    if (type !== VIRTIO_SCSI_T_NO_EVENT) ev.set(lunBytes(target, lun), 4);
    v.setUint32(12, reason, true);
    scatter(this.t.mem, c.in, 0, ev);
    q.push(c.head, 16);
    q.publishAvailEvent();
    this.t.usedBuffers(q);
  }

  private control(q: Virtqueue, c: Chain): void {
    const hdr = new Uint8Array(Math.min(c.outLen, 24));
    gather(this.t.mem, c.out, 0, hdr);
    const type = hdr.length >= 4 ? new DataView(hdr.buffer).getUint32(0, true) : -1;
    if (type === VIRTIO_SCSI_T_TMF) {
      if (c.outLen < 24 || c.inLen < 1) throw new VirtqueueError('short task management request');
      // Every command has completed by the time the driver can ask (except a tray still moving,
      // which cannot be aborted): aborts and resets find nothing left to do.
      const resp = new Uint8Array([this.unitAt(hdr.subarray(8, 16)) ? VIRTIO_SCSI_S_FUNCTION_COMPLETE : VIRTIO_SCSI_S_BAD_TARGET]);
      scatter(this.t.mem, c.in, 0, resp);
      q.push(c.head, 1);
    } else if (type === VIRTIO_SCSI_T_AN_QUERY || type === VIRTIO_SCSI_T_AN_SUBSCRIBE) {
      if (c.outLen < 16 || c.inLen < 5) throw new VirtqueueError('short asynchronous notification request');
      const resp = new Uint8Array(5); // no asynchronous notifications are supported: event_actual 0
      resp[4] = VIRTIO_SCSI_S_OK;
      scatter(this.t.mem, c.in, 0, resp);
      q.push(c.head, 5);
    } else {
      if (c.inLen < 1) throw new VirtqueueError('control request without a response byte');
      scatter(this.t.mem, c.in, 0, new Uint8Array([VIRTIO_SCSI_S_FUNCTION_REJECTED]));
      q.push(c.head, 1);
    }
  }

  private unitAt(lun: Uint8Array): ScsiDisk | undefined {
    const a = decodeLun(lun);
    return a ? this.units.get(key(a.target, a.lun)) : undefined;
  }

  private request(q: Virtqueue, c: Chain): void {
    const mem = this.t.mem;
    const reqLen = 19 + this.cdbSize;
    const respLen = 12 + this.senseSize;
    if (c.outLen < reqLen || c.inLen < respLen) throw new VirtqueueError('virtio-scsi request or response area too small');
    const req = new Uint8Array(reqLen);
    gather(mem, c.out, 0, req);
    const cdb = req.subarray(19);
    const dataOutLen = c.outLen - reqLen;
    const dataInLen = c.inLen - respLen;
    const addr = decodeLun(req.subarray(0, 8));
    const unit = addr ? this.units.get(key(addr.target, addr.lun)) : undefined;
    const finish = (r: ScsiReply | null) => this.complete(q, c, r, respLen, dataInLen);
    if (!addr || (!unit && !this.targetExists(addr.target))) {
      finish(null);
      return;
    }
    let dataOut: Uint8Array = EMPTY;
    if (dataOutLen > 0) {
      dataOut = new Uint8Array(dataOutLen);
      gather(mem, c.out, reqLen, dataOut);
    }
    // REPORT LUNS is answered by the bus, which knows every unit of the target.
    const reply = !unit ? this.noSuchLun(addr.target, cdb) : cdb[0] === 0xa0 ? this.reportLuns(addr.target, cdb) : unit.execute(cdb, dataOut);
    if (reply instanceof Promise) {
      const epoch = this.t.epoch;
      void reply.then(
        (r) => { if (this.t.epoch === epoch) { this.complete(q, c, r, respLen, dataInLen); this.t.usedBuffers(q); } },
        () => { if (this.t.epoch === epoch) { this.complete(q, c, check(SENSE.IO_ERROR), respLen, dataInLen); this.t.usedBuffers(q); } },
      );
      return;
    }
    finish(reply);
  }

  /** Writes the response (null: no such target) and data-in, and returns the chain. */
  private complete(q: Virtqueue, c: Chain, r: ScsiReply | null, respLen: number, dataInLen: number): void {
    if (!this.t.running) return;
    const resp = new Uint8Array(respLen);
    const v = new DataView(resp.buffer);
    let written = respLen;
    if (!r) {
      resp[11] = VIRTIO_SCSI_S_BAD_TARGET;
    } else {
      const data = r.data ?? EMPTY;
      resp[10] = r.status;
      if (data.length > dataInLen) {
        resp[11] = VIRTIO_SCSI_S_OVERRUN;
      } else {
        resp[11] = VIRTIO_SCSI_S_OK;
        v.setUint32(4, dataInLen - data.length, true); // residual
        if (data.length > 0) written += scatter(this.t.mem, c.in, respLen, data);
      }
      if (r.status === CHECK_CONDITION && r.sense) {
        const s = senseBytes(r.sense).subarray(0, this.senseSize);
        v.setUint32(0, s.length, true);
        resp.set(s, 12);
      }
    }
    scatter(this.t.mem, c.in, 0, resp);
    q.push(c.head, written);
  }

  private targetExists(target: number): boolean {
    for (const u of this.units.values()) if (u.target === target) return true;
    return false;
  }

  /**
   * A command to a LUN that does not exist on an existing target: INQUIRY answers "no unit here",
   * REPORT LUNS lists the target's units, everything else fails (SPC-4 §6.6).
   */
  private noSuchLun(target: number, cdb: Uint8Array): ScsiReply {
    switch (cdb[0]) {
      case 0x12: {
        if (cdb[1] & 1) return check(SENSE.LUN_NOT_SUPPORTED);
        const b = new Uint8Array(36);
        b[0] = 0x7f; // peripheral qualifier 3: no logical unit can be here
        b[2] = 5; b[3] = 2; b[4] = 31;
        return good(b, (cdb[3] << 8) | cdb[4]);
      }
      case 0xa0: return this.reportLuns(target, cdb);
      case 0x03: return good(senseBytes(SENSE.LUN_NOT_SUPPORTED), cdb[4]);
      default: return check(SENSE.LUN_NOT_SUPPORTED);
    }
  }

  /** REPORT LUNS: the units of one target. */
  private reportLuns(target: number, cdb: Uint8Array): ScsiReply {
    if (cdb[2] > 2) return check(SENSE.INVALID_FIELD);
    const luns = [...this.units.values()].filter((u) => u.target === target).map((u) => u.lun).sort((a, b) => a - b);
    const b = new Uint8Array(8 + 8 * luns.length);
    put32(b, 0, 8 * luns.length);
    luns.forEach((l, i) => {
      // Flat addressing above 255, as Linux and QEMU encode LUNs.
      if (l > 255) { b[8 + 8 * i] = 0x40 | (l >> 8); b[9 + 8 * i] = l & 0xff; } else b[9 + 8 * i] = l;
    });
    return good(b, be32(cdb, 6));
  }
}

const EMPTY = new Uint8Array(0);

function key(target: number, lun: number): number {
  return target * 16384 + lun;
}

/** virtio-scsi's LUN field: 1, target, then a single-level LUN (§5.6.6). */
function decodeLun(b: Uint8Array): { target: number; lun: number } | null {
  if (b[0] !== 1) return null;
  const target = b[1];
  const lun = ((b[2] & 0x3f) << 8) | b[3];
  return { target, lun };
}

function lunBytes(target: number, lun: number): Uint8Array {
  const b = new Uint8Array(8);
  b[0] = 1;
  b[1] = target;
  b[2] = 0x40 | (lun >> 8);
  b[3] = lun & 0xff;
  return b;
}
