/**
 * ELF64 little-endian RISC-V loader: copies PT_LOAD segments (file bytes, then zeroed bss)
 * to their physical addresses (p_paddr, as QEMU's load_elf does) and reports the entry.
 */
export interface ElfSegment { paddr: number; data: Uint8Array; memsz: number }
export interface ElfImage { entry: bigint; segments: ElfSegment[]; lowAddr: number; highAddr: number }

const EM_RISCV = 243;
const PT_LOAD = 1;

export function isElf(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}

export function parseElf64(buf: Uint8Array): ElfImage {
  if (!isElf(buf)) throw new Error('not an ELF file');
  if (buf[4] !== 2) throw new Error('not a 64-bit ELF file');
  if (buf[5] !== 1) throw new Error('not a little-endian ELF file');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_RISCV) throw new Error(`ELF machine ${machine} is not RISC-V`);
  const entry = dv.getBigUint64(24, true);
  const phoff = Number(dv.getBigUint64(32, true));
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  const segments: ElfSegment[] = [];
  let lowAddr = Infinity, highAddr = 0;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (o + 56 > buf.length) throw new Error('ELF program header outside the file');
    if (dv.getUint32(o, true) !== PT_LOAD) continue;
    const offset = Number(dv.getBigUint64(o + 8, true));
    const paddr = Number(dv.getBigUint64(o + 24, true));
    const filesz = Number(dv.getBigUint64(o + 32, true));
    const memsz = Number(dv.getBigUint64(o + 40, true));
    if (memsz === 0) continue;
    if (offset + filesz > buf.length) throw new Error('ELF segment outside the file');
    segments.push({ paddr, data: buf.subarray(offset, offset + filesz), memsz });
    lowAddr = Math.min(lowAddr, paddr);
    highAddr = Math.max(highAddr, paddr + memsz);
  }
  if (segments.length === 0) throw new Error('ELF file has no loadable segments');
  return { entry, segments, lowAddr, highAddr };
}
