/**
 * A region that exists on the board but whose device is not modelled here (fw_cfg, the CFI
 * flash banks, the PCIe ECAM window): reads return a fixed value, writes are ignored, so
 * firmware probing them sees "nothing there" instead of taking an access fault. `fill` is
 * what an absent device reads as: 0xffffffff for PCI config space (no function present).
 */
import type { MmioDevice } from '../memory/address-space.ts';

export class UnimplementedDevice implements MmioDevice {
  constructor(readonly name: string, private readonly fill = 0) {}
  read(_offset: number, size: 1 | 2 | 4): number {
    return size === 4 ? this.fill >>> 0 : this.fill & (size === 2 ? 0xffff : 0xff);
  }
  write(): void { /* ignored */ }
}
