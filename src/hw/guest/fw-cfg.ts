/**
 * QEMU's firmware configuration device, memory-mapped ("qemu,fw-cfg-mmio", QEMU's docs/specs/
 * fw_cfg.txt), at 0x10100000 on virt: how firmware learns what the command line said that the
 * device tree cannot carry — the boot order above all.
 *
 * Registers, as QEMU's wide MMIO variant lays them out:
 *   +0  data      reads of 1, 2, 4 (or 8, split by the bus) bytes return the next bytes of the
 *                 selected item in stream order (byte n of the item lands at byte n of the load)
 *   +8  selector  16-bit, big-endian: selects an item and rewinds it
 *   +16 DMA       64-bit big-endian guest address of a FWCfgDmaAccess; writing the low half (+20)
 *                 runs the transfer. Reads return the signature "QEMU CFG".
 *
 * Items are byte strings by key; files (key 0x0020 onwards) are listed by the directory at key
 * 0x0019 sorted by name, as QEMU sorts them. The content is the caller's (src/hw/machine/fw-cfg-
 * content.ts builds virt's); this module is only the device.
 */
import type { MmioDevice } from '../memory/address-space.ts';
import type { GuestRam } from '../virtio/guest-ram.ts';

export const FW_CFG_SIGNATURE = 0x0000;
export const FW_CFG_ID = 0x0001;
export const FW_CFG_FILE_DIR = 0x0019;
export const FW_CFG_FILE_FIRST = 0x0020;

/** FW_CFG_ID bits: the traditional data register, and the DMA interface. */
const FEATURE_TRADITIONAL = 1;
const FEATURE_DMA = 2;

/** FWCfgDmaAccess control bits. */
const DMA_ERROR = 0x01;
const DMA_READ = 0x02;
const DMA_SKIP = 0x04;
const DMA_SELECT = 0x08;
const DMA_WRITE = 0x10;

const DMA_SIGNATURE = Buffer.from('QEMU CFG', 'latin1');

export interface FwCfgContent {
  /** Numbered items (keys below 0x0020), besides the signature, ID and file directory. */
  items: Map<number, Uint8Array>;
  /** Named files; the directory lists them sorted by name, as QEMU does. */
  files: Map<string, Uint8Array>;
}

function bswap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
}

function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff)) >>> 0;
}

export class FwCfg implements MmioDevice {
  private entries = new Map<number, Uint8Array>();
  private key = 0;
  private offset = 0;
  private dmaHigh = 0;

  /**
   * `content` is asked again at every selection, so the firmware always reads the machine as it is
   * (a medium changed at the prompt shows its new name); the set of files never changes, so the
   * directory's selectors stay valid.
   */
  constructor(private readonly ram: GuestRam, private readonly content: () => FwCfgContent) {
    this.load();
  }

  private load(): void {
    const { items, files } = this.content();
    const entries = new Map<number, Uint8Array>(items);
    entries.set(FW_CFG_SIGNATURE, Buffer.from('QEMU', 'latin1'));
    const id = Buffer.alloc(4);
    id.writeUInt32LE(FEATURE_TRADITIONAL | FEATURE_DMA);
    entries.set(FW_CFG_ID, id);
    const names = [...files.keys()].sort();
    const dir = Buffer.alloc(4 + 64 * names.length);
    dir.writeUInt32BE(names.length, 0);
    names.forEach((name, i) => {
      const data = files.get(name)!;
      const at = 4 + 64 * i;
      dir.writeUInt32BE(data.length, at);
      dir.writeUInt16BE(FW_CFG_FILE_FIRST + i, at + 4);
      dir.write(name.slice(0, 55), at + 8, 'latin1');
      entries.set(FW_CFG_FILE_FIRST + i, data);
    });
    entries.set(FW_CFG_FILE_DIR, dir);
    this.entries = entries;
  }

  reset(): void {
    this.key = 0;
    this.offset = 0;
    this.dmaHigh = 0;
    this.load();
  }

  private select(key: number): void {
    this.load();
    this.key = key;
    this.offset = 0;
  }

  /** The next byte of the selected item; past its end (or for an unknown key) zero, as QEMU. */
  private nextByte(): number {
    const e = this.entries.get(this.key);
    if (!e || this.offset >= e.length) return 0;
    return e[this.offset++];
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (offset < 8) {
      let v = 0;
      for (let i = 0; i < size; i++) v |= this.nextByte() << (8 * i);
      return v >>> 0;
    }
    if (offset >= 16 && offset + size <= 24) {
      let v = 0;
      for (let i = 0; i < size; i++) v |= DMA_SIGNATURE[offset - 16 + i] << (8 * i);
      return v >>> 0;
    }
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset === 8 && size === 2) this.select(bswap16(value));
    else if (offset === 16 && size === 4) this.dmaHigh = bswap32(value);
    else if (offset === 20 && size === 4) this.dma(this.dmaHigh * 0x100000000 + bswap32(value));
    // Writes to the data register are ignored, as QEMU 7.2 ignores them; other widths are invalid.
  }

  /** Runs one FWCfgDmaAccess { u32 control; u32 length; u64 address } (all big-endian) at `pa`. */
  private dma(pa: number): void {
    const at = this.ram.offset(pa, 16);
    if (at < 0) return;
    const view = new DataView(this.ram.ram.buffer, this.ram.ram.byteOffset + at, 16);
    const control = view.getUint32(0);
    const length = view.getUint32(4);
    const address = view.getUint32(8) * 0x100000000 + view.getUint32(12);
    let result = 0;
    if (control & DMA_SELECT) this.select(control >>> 16);
    if (control & DMA_WRITE) {
      result = DMA_ERROR; // no item of this machine is writable
    } else if (control & DMA_READ) {
      const to = this.ram.offset(address, length);
      if (to < 0) result = DMA_ERROR;
      else {
        for (let i = 0; i < length; i++) this.ram.ram[to + i] = this.nextByte();
        this.ram.as.codeWrite(to, length);
      }
    } else if (control & DMA_SKIP) {
      const e = this.entries.get(this.key);
      this.offset = Math.min(this.offset + length, e ? e.length : 0);
    }
    view.setUint32(0, result);
  }
}
