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
