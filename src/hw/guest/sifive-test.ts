/**
 * sifive,test0/1 finisher as on QEMU 7.2 virt (0x100000): a 32-bit write of 0x5555 powers
 * off, 0x7777 resets, 0x3333 | code << 16 powers off reporting failure `code`. Reads are 0.
 * The device only reports; the machine decides what poweroff/reset mean (QMP events,
 * -no-shutdown, -no-reboot).
 */
import type { MmioDevice } from '../memory/address-space.ts';

export const TEST_BASE = 0x100000;
export const TEST_SIZE = 0x1000;

export interface PowerControl {
  /** exitCode 0 for the pass value, the guest's code for the fail value. */
  poweroff(exitCode: number): void;
  reset(): void;
}

export class SifiveTest implements MmioDevice {
  constructor(public power: PowerControl) {}

  read(): number { return 0; }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset !== 0 || size !== 4) return;
    const status = value & 0xffff, code = value >>> 16;
    if (status === 0x3333) this.power.poweroff(code);
    else if (status === 0x5555) this.power.poweroff(0);
    else if (status === 0x7777) this.power.reset();
  }
}
