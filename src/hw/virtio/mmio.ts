// The virtio-mmio transport, version 2 only (virtio 1.x §4.2.2): registers, feature negotiation,
// queue set-up, notifications, the interrupt line, device status and reset, and the
// configuration generation counter. A transport with no device behind it reads as device ID 0,
// which drivers treat as an empty slot, as QEMU's unused virt transports do.

import type { IrqLine, MmioDevice } from '../memory/address-space.ts';
import { GuestRam } from './guest-ram.ts';
import { Virtqueue, VirtqueueError } from './virtqueue.ts';

export const VIRTIO_F_INDIRECT_DESC = 28;
export const VIRTIO_F_EVENT_IDX = 29;
export const VIRTIO_F_VERSION_1 = 32;

export const STATUS_ACKNOWLEDGE = 1;
export const STATUS_DRIVER = 2;
export const STATUS_DRIVER_OK = 4;
export const STATUS_FEATURES_OK = 8;
export const STATUS_NEEDS_RESET = 64;
export const STATUS_FAILED = 128;

const INT_USED = 1;
const INT_CONFIG = 2;

/** What a virtio device model provides to its transport. */
export interface VirtioDevice {
  readonly deviceId: number;
  /** Device-specific feature bits; the transport adds VERSION_1, INDIRECT_DESC and EVENT_IDX. */
  readonly features: bigint;
  readonly queueCount: number;
  readonly queueMax: number;
  attach(t: VirtioMmio): void;
  /** The device configuration space as it is now. */
  config(): Uint8Array;
  writeConfig?(offset: number, size: number, value: number): void;
  /** The driver notified queue `index`. May throw VirtqueueError for a malformed chain. */
  notify(index: number): void;
  /** Device reset (status 0 or machine reset): forget every request in flight. */
  reset(): void;
  /** DRIVER_OK was set. */
  driverOk?(): void;
}

const TRANSPORT_FEATURES = (1n << BigInt(VIRTIO_F_VERSION_1)) | (1n << BigInt(VIRTIO_F_INDIRECT_DESC)) | (1n << BigInt(VIRTIO_F_EVENT_IDX));

export class VirtioMmio implements MmioDevice {
  readonly mem: GuestRam;
  readonly queues: Virtqueue[];
  status = 0;
  private interruptStatus = 0;
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private driverFeatures = 0n;
  /** Features both sides agreed on (valid once FEATURES_OK is set). */
  negotiated = 0n;
  private queueSel = 0;
  private configGeneration = 0;
  /** Bumped at every reset so work finishing later (an async tray move) knows it is stale. */
  epoch = 0;
  /** Why the device last needed a reset, for tests and debugging. */
  lastError: string | undefined;

  constructor(as: import('../memory/address-space.ts').AddressSpace, private readonly irq: IrqLine, readonly device: VirtioDevice | null) {
    this.mem = new GuestRam(as);
    this.queues = [];
    if (device) {
      for (let i = 0; i < device.queueCount; i++) this.queues.push(new Virtqueue(i, device.queueMax, this.mem));
      device.attach(this);
    }
  }

  get offered(): bigint {
    return this.device ? this.device.features | TRANSPORT_FEATURES : 0n;
  }

  has(bit: number): boolean {
    return (this.negotiated & (1n << BigInt(bit))) !== 0n;
  }

  get running(): boolean {
    return (this.status & (STATUS_DRIVER_OK | STATUS_NEEDS_RESET)) === STATUS_DRIVER_OK;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (offset >= 0x100) return this.readConfig(offset - 0x100, size);
    if (size !== 4) return 0;
    const q = this.queues[this.queueSel];
    switch (offset) {
      case 0x000: return 0x74726976; // "virt"
      case 0x004: return 2;
      case 0x008: return this.device?.deviceId ?? 0;
      case 0x00c: return 0x554d4551; // "QEMU"
      case 0x010: return this.deviceFeaturesSel > 1 ? 0 : Number((this.offered >> BigInt(32 * this.deviceFeaturesSel)) & 0xffffffffn);
      case 0x034: return q ? q.max : 0;
      case 0x044: return q?.ready ? 1 : 0;
      case 0x060: return this.interruptStatus;
      case 0x070: return this.status;
      case 0x0b0: case 0x0b4: return 0xffffffff; // no shared memory regions
      case 0x0fc: return this.configGeneration;
      default: return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset >= 0x100) {
      if (this.device?.writeConfig) this.device.writeConfig(offset - 0x100, size, value);
      return;
    }
    if (size !== 4) return;
    const q = this.queues[this.queueSel];
    switch (offset) {
      case 0x014: this.deviceFeaturesSel = value; return;
      case 0x020:
        if (this.driverFeaturesSel <= 1 && !(this.status & STATUS_FEATURES_OK)) {
          const shift = BigInt(32 * this.driverFeaturesSel);
          this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << shift)) | (BigInt(value >>> 0) << shift);
        }
        return;
      case 0x024: this.driverFeaturesSel = value; return;
      case 0x030: this.queueSel = value; return;
      case 0x038: if (q && !q.ready) q.num = value; return;
      case 0x044: this.setQueueReady(q, value); return;
      case 0x050: this.notify(value); return;
      case 0x064: this.interruptStatus &= ~value; this.updateIrq(); return;
      case 0x070: this.setStatus(value); return;
      case 0x080: if (q && !q.ready) q.descAddr = hiLo(q.descAddr, value, false); return;
      case 0x084: if (q && !q.ready) q.descAddr = hiLo(q.descAddr, value, true); return;
      case 0x090: if (q && !q.ready) q.driverAddr = hiLo(q.driverAddr, value, false); return;
      case 0x094: if (q && !q.ready) q.driverAddr = hiLo(q.driverAddr, value, true); return;
      case 0x0a0: if (q && !q.ready) q.deviceAddr = hiLo(q.deviceAddr, value, false); return;
      case 0x0a4: if (q && !q.ready) q.deviceAddr = hiLo(q.deviceAddr, value, true); return;
      default: return;
    }
  }

  private readConfig(off: number, size: number): number {
    if (!this.device) return 0;
    const c = this.device.config();
    if (off + size > c.length) return 0;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + c[off + i];
    return v;
  }

  private setQueueReady(q: Virtqueue | undefined, value: number): void {
    if (!q) return;
    if ((value & 1) === 0) {
      q.ready = false;
      return;
    }
    if (q.ready) return;
    q.eventIdx = this.has(VIRTIO_F_EVENT_IDX);
    q.indirect = this.has(VIRTIO_F_INDIRECT_DESC);
    // Rings outside RAM leave the queue not ready: the driver reads QueueReady back as 0.
    q.enable();
  }

  private setStatus(value: number): void {
    value &= 0xff;
    if (value === 0) {
      this.reset();
      return;
    }
    if ((value & STATUS_FEATURES_OK) && !(this.status & STATUS_FEATURES_OK)) {
      const ok = (this.driverFeatures & ~this.offered) === 0n && (this.driverFeatures & (1n << BigInt(VIRTIO_F_VERSION_1))) !== 0n;
      if (!ok) value &= ~STATUS_FEATURES_OK;
      else this.negotiated = this.driverFeatures;
    }
    const becameOk = (value & STATUS_DRIVER_OK) && !(this.status & STATUS_DRIVER_OK);
    this.status = (value & ~STATUS_NEEDS_RESET) | (this.status & STATUS_NEEDS_RESET);
    if (becameOk) this.device?.driverOk?.();
  }

  private notify(index: number): void {
    const q = this.queues[index];
    if (!q || !q.ready || !this.running || !this.device) return;
    try {
      this.device.notify(index);
    } catch (e) {
      // Whatever a device model fails on, the guest caused it or must recover from it: the device
      // stops and asks for a reset rather than the host failing.
      this.needsReset(e instanceof VirtqueueError ? e.message : `device error: ${(e as Error).message}`);
    }
  }

  /** The device found the driver broke the rules: stop until the driver resets it (§2.1.2). */
  needsReset(why: string): void {
    this.lastError = why;
    if (this.status & STATUS_NEEDS_RESET) return;
    this.status |= STATUS_NEEDS_RESET;
    if (this.status & STATUS_DRIVER_OK) this.configChanged();
  }

  /** Used buffers were returned on `q`: interrupt the driver unless it asked not to be. */
  usedBuffers(q: Virtqueue): void {
    if (q.shouldNotify()) {
      this.interruptStatus |= INT_USED;
      this.updateIrq();
    }
  }

  /** The device configuration changed: bump the generation and tell the driver. */
  configChanged(): void {
    this.configGeneration = (this.configGeneration + 1) >>> 0;
    if (this.status & STATUS_DRIVER_OK) {
      this.interruptStatus |= INT_CONFIG;
      this.updateIrq();
    }
  }

  private updateIrq(): void {
    this.irq.set(this.interruptStatus !== 0);
  }

  reset(): void {
    this.epoch++;
    this.status = 0;
    this.interruptStatus = 0;
    this.driverFeatures = 0n;
    this.negotiated = 0n;
    this.deviceFeaturesSel = this.driverFeaturesSel = this.queueSel = 0;
    for (const q of this.queues) q.reset();
    this.lastError = undefined;
    this.device?.reset();
    this.updateIrq();
  }
}

function hiLo(old: number, value: number, high: boolean): number {
  const lo = old % 0x100000000;
  const hi = Math.floor(old / 0x100000000);
  return high ? (value >>> 0) * 0x100000000 + lo : hi * 0x100000000 + (value >>> 0);
}
