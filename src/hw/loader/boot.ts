/**
 * Image placement for the riscv64 virt board, following QEMU 7.2 (hw/riscv/boot.c):
 *
 * - firmware (-bios): ELF at its own addresses, raw at the start of RAM (0x80000000);
 * - kernel (-kernel): ELF at its own addresses; otherwise raw at the first 2 MiB boundary at or
 *   after the end of the firmware (0x80200000 for OpenSBI; RAM start with -bios none);
 * - initrd: at kernel_entry + min(ram_size / 2, 128 MiB);
 * - DTB: at min(ram_end, 3 GiB) - dtb_size, aligned down to 2 MiB (0x8fe00000 with -m 256M).
 *
 * Writing the initrd range and bootargs into the device tree is the DTB writer's job; the
 * functions here only place bytes and return the addresses.
 */
import type { AddressSpace } from '../memory/address-space.ts';
import { isElf, parseElf64 } from './elf.ts';

const MiB = 1024 * 1024;

export interface LoadedImage {
  /** Where execution should start. */
  entry: number;
  /** First byte after the image. */
  end: number;
}

function loadInto(as: AddressSpace, image: Uint8Array, rawAddr: number, what: string): LoadedImage {
  if (isElf(image)) {
    const elf = parseElf64(image);
    for (const s of elf.segments) {
      if (!as.isRam(s.paddr, s.memsz)) {
        throw new Error(`${what}: ELF segment at 0x${s.paddr.toString(16)} (+0x${s.memsz.toString(16)}) is not inside RAM`);
      }
      as.ram.fill(0, s.paddr - as.ramBase, s.paddr - as.ramBase + s.memsz);
      as.codeWrite(s.paddr - as.ramBase, s.memsz);
      as.loadBytes(s.paddr, s.data);
    }
    return { entry: Number(elf.entry), end: elf.highAddr };
  }
  if (!as.isRam(rawAddr, image.length)) {
    throw new Error(`${what}: ${image.length} bytes at 0x${rawAddr.toString(16)} do not fit in RAM`);
  }
  as.loadBytes(rawAddr, image);
  return { entry: rawAddr, end: rawAddr + image.length };
}

export function loadFirmware(as: AddressSpace, image: Uint8Array): LoadedImage {
  return loadInto(as, image, as.ramBase, 'firmware');
}

/** Start address of a raw kernel given the end of the firmware (RV64: 2 MiB aligned). */
export function kernelStartAddr(firmwareEnd: number): number {
  return Math.ceil(firmwareEnd / (2 * MiB)) * (2 * MiB);
}

export function loadKernel(as: AddressSpace, image: Uint8Array, firmwareEnd: number): LoadedImage {
  return loadInto(as, image, kernelStartAddr(firmwareEnd), 'kernel');
}

export function initrdAddr(as: AddressSpace, kernelEntry: number): number {
  return kernelEntry + Math.min(as.ramSize / 2, 128 * MiB);
}

export function loadInitrd(as: AddressSpace, image: Uint8Array, kernelEntry: number): { start: number; end: number } {
  const start = initrdAddr(as, kernelEntry);
  if (!as.isRam(start, image.length)) throw new Error(`initrd of ${image.length} bytes does not fit in RAM at 0x${start.toString(16)}`);
  as.loadBytes(start, image);
  return { start, end: start + image.length };
}

export function fdtAddr(ramBase: number, ramSize: number, fdtSize: number): number {
  const ramEnd = ramBase + ramSize;
  const top = ramBase < 3072 * MiB ? Math.min(ramEnd, 3072 * MiB) : ramEnd;
  return Math.floor((top - fdtSize) / (2 * MiB)) * (2 * MiB);
}

export function loadFdt(as: AddressSpace, dtb: Uint8Array): number {
  const addr = fdtAddr(as.ramBase, as.ramSize, dtb.length);
  as.loadBytes(addr, dtb);
  return addr;
}
