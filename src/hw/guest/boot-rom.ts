/**
 * The mask ROM at 0x1000 with QEMU 7.2's reset vector for riscv64 virt:
 *
 *   auipc t0, 0            ; t0 = 0x1000
 *   addi  a2, t0, 40       ; a2 = &fw_dynamic_info (right after the two dwords)
 *   csrr  a0, mhartid
 *   ld    a1, 32(t0)       ; a1 = DTB address
 *   ld    t0, 24(t0)       ; start address (firmware entry)
 *   jr    t0
 *   .dword start_addr, fdt_addr
 *   fw_dynamic_info { magic "OSBI", version 2, next_addr, next_mode = S, options 0, boot_hart 0 }
 *
 * OpenSBI's fw_dynamic reads a2; fw_jump ignores it. Reads only; writes are ignored.
 */
import type { MmioDevice } from '../memory/address-space.ts';

export const MROM_BASE = 0x1000;
export const MROM_SIZE = 0xf000;

const FW_DYNAMIC_INFO_MAGIC = 0x4942534f; // "OSBI"
const FW_DYNAMIC_INFO_VERSION = 2;
const FW_DYNAMIC_INFO_NEXT_MODE_S = 1;

export interface ResetVectorParams {
  startAddr: bigint;
  fdtAddr: bigint;
  /** Entry of the next stage for fw_dynamic (the kernel); 0 when there is none. */
  kernelEntry: bigint;
}

export class BootRom implements MmioDevice {
  readonly data = new Uint8Array(MROM_SIZE);

  constructor(params?: ResetVectorParams) {
    if (params) this.setResetVector(params);
  }

  setResetVector(p: ResetVectorParams): void {
    const dv = new DataView(this.data.buffer);
    const code = [0x00000297, 0x02828613, 0xf1402573, 0x0202b583, 0x0182b283, 0x00028067];
    code.forEach((w, i) => dv.setUint32(4 * i, w, true));
    dv.setBigUint64(24, p.startAddr, true);
    dv.setBigUint64(32, p.fdtAddr, true);
    const info = [BigInt(FW_DYNAMIC_INFO_MAGIC), BigInt(FW_DYNAMIC_INFO_VERSION), p.kernelEntry,
      BigInt(FW_DYNAMIC_INFO_NEXT_MODE_S), 0n, 0n];
    info.forEach((v, i) => dv.setBigUint64(40 + 8 * i, v, true));
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const d = this.data;
    if (size === 1) return d[offset];
    if (size === 2) return d[offset] | (d[offset + 1] << 8);
    return (d[offset] | (d[offset + 1] << 8) | (d[offset + 2] << 16) | (d[offset + 3] << 24)) >>> 0;
  }

  write(): void { /* ROM */ }
}
