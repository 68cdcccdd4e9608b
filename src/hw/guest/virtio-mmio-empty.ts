/**
 * A virtio-mmio transport with no device behind it, as QEMU 7.2 virt leaves its eight
 * transports (0x10001000..0x10008000) when nothing is plugged: magic "virt", version 2,
 * device ID 0 (which drivers treat as "no device"), vendor "QEMU". The virtio engineer's
 * real transport replaces these one by one.
 */
import type { MmioDevice } from '../memory/address-space.ts';

export const VIRTIO_MMIO_BASE = 0x10001000;
export const VIRTIO_MMIO_STRIDE = 0x1000;
export const VIRTIO_MMIO_COUNT = 8;
/** IRQ of transport i is 1 + i. */
export const VIRTIO_MMIO_IRQ0 = 1;

export class EmptyVirtioMmio implements MmioDevice {
  read(offset: number): number {
    switch (offset) {
      case 0x000: return 0x74726976; // "virt"
      case 0x004: return 2; // version
      case 0x008: return 0; // device ID: none
      case 0x00c: return 0x554d4551; // "QEMU"
      default: return 0;
    }
  }
  write(): void { /* no device: writes have no effect */ }
}
