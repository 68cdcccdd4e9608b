// Shared helpers for the virtio tests.
import * as nodeZlib from 'node:zlib';

/** CRC-32 (IEEE), as U-Boot's crc32 prints it. node:zlib has crc32 from Node 20.15 on; else a table. */
export const zlib = {
  crc32(data: Uint8Array): number {
    const native = (nodeZlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
    if (native) return native(data) >>> 0;
    let c = ~0;
    for (const b of data) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  },
};

export const GUESTS = new URL('../guests/', import.meta.url).pathname;

/** FNV-1a 32-bit, as the test guests print it. */
export function fnv1a(data: Uint8Array): number {
  let h = 2166136261;
  for (const b of data) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h >>> 0;
}

/** A disc image of `sectors` 2048-byte sectors, each one distinct and labelled with `label`. */
export function disc(label: string, sectors: number): Buffer {
  const b = Buffer.alloc(sectors * 2048);
  for (let s = 0; s < sectors; s++) {
    const o = s * 2048;
    b.write(`EMU DISC ${label} SECTOR ${s}`, o, 'latin1');
    for (let i = 32; i < 2048; i++) b[o + i] = (s * 31 + i * 7 + label.charCodeAt(0)) & 0xff;
  }
  return b;
}
