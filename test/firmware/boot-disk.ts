// Writes disk images carrying emu's boot header (firmware/README.md, "The boot header"), for tests:
// the header in sector 0, the payload from `lba` on, both checksummed with CRC-32 as the firmware
// checks them.
import { crc32 } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BOOT_PAYLOAD = fileURLToPath(new URL('./boot-payload/boot-payload.bin', import.meta.url));
/** Where boot-payload.bin is linked to run. */
export const BOOT_PAYLOAD_ADDRESS = 0x80400000n;

export const HEADER_MAGIC = 'EMU-BOOT';
export const HEADER_VERSION = 1;
export const HEADER_SIZE = 64;

export interface BootDiskOptions {
  /** The payload's bytes; the default is the test payload. */
  payload?: Buffer;
  load?: bigint;
  entry?: bigint;
  /** The payload's first 512-byte sector (default 1). */
  lba?: number;
  /** The image's size in bytes (default 1 MiB, at least what the payload needs). */
  size?: number;
}

/** The 64-byte header for a payload of `sectors` sectors whose bytes have CRC-32 `payloadCrc`. */
export function bootHeader(o: { load: bigint; entry: bigint; lba: number; sectors: number; payloadCrc: number }): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  h.write(HEADER_MAGIC, 0, 'latin1');
  h.writeUInt32LE(HEADER_VERSION, 8);
  h.writeUInt32LE(HEADER_SIZE, 12);
  h.writeBigUInt64LE(o.load, 16);
  h.writeBigUInt64LE(o.entry, 24);
  h.writeBigUInt64LE(BigInt(o.lba), 32);
  h.writeUInt32LE(o.sectors, 40);
  h.writeUInt32LE(o.payloadCrc >>> 0, 44);
  h.writeUInt32LE(crc32(h.subarray(0, 60)) >>> 0, 60);
  return h;
}

/** A raw disk image that the embedded firmware boots. */
export function bootDisk(opts: BootDiskOptions = {}): Buffer {
  const payload = opts.payload ?? readFileSync(BOOT_PAYLOAD);
  const load = opts.load ?? BOOT_PAYLOAD_ADDRESS;
  const lba = opts.lba ?? 1;
  const sectors = Math.ceil(payload.length / 512);
  const padded = Buffer.alloc(sectors * 512);
  payload.copy(padded);
  const size = Math.max(opts.size ?? 1024 * 1024, (lba + sectors) * 512);
  if (size % 512 !== 0) throw new Error(`bootDisk: size ${size} is not a multiple of 512 bytes`);
  const disk = Buffer.alloc(size);
  bootHeader({ load, entry: opts.entry ?? load, lba, sectors, payloadCrc: crc32(padded) }).copy(disk, 0);
  padded.copy(disk, lba * 512);
  return disk;
}
