// Format probing as QEMU does it, and the protection QEMU gives a raw image whose format was guessed.
//
// QEMU opens an image without `format=` by asking every format driver to score the first bytes; raw
// always scores lowest, so an image is raw only when nothing else recognises it. That makes a guest
// able to turn its own raw disk into, say, a qcow2 header naming /etc/shadow as backing file, which
// the next probe would follow. QEMU therefore, for probed raw images only, refuses (EPERM) any write
// whose resulting first 512-byte sector would probe as another format. Writes that leave sector 0
// probing as raw, including partial ones, succeed. emu recognises only qcow2 itself, but guards
// against every signature QEMU 7.2 would act on, so an emu-written image is never misprobed by QEMU.

export const PROBE_BYTES = 512;

export type ProbedFormat = 'qcow2' | 'raw';

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function startsWith(b: Uint8Array, s: string, at = 0): boolean {
  if (b.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

const QCOW_MAGIC = 0x514649fb; // "QFI\xfb"
/** Size of the qcow2 v2 header; QEMU's probe wants at least this much. */
const QCOW2_HEADER_MIN = 72;

/** QEMU's qcow2 probe: the magic and a version of at least 2. */
export function isQcow2(b: Uint8Array): boolean {
  return b.length >= QCOW2_HEADER_MIN && be32(b, 0) === QCOW_MAGIC && be32(b, 4) >= 2;
}

/** The format emu opens a file as when no format was given. */
export function probeFormat(head: Uint8Array): ProbedFormat {
  return isQcow2(head) ? 'qcow2' : 'raw';
}

/**
 * The name of the format QEMU 7.2 would probe from this first sector, or null when it would be raw.
 * Content-based probes only (QEMU passes no filename when guarding sector 0).
 */
export function nonRawSignature(s: Uint8Array): string | null {
  if (isQcow2(s)) return 'qcow2';
  if (s.length >= 48 && be32(s, 0) === QCOW_MAGIC && be32(s, 4) === 1) return 'qcow';
  if (s.length >= 4 && le32(s, 0) === 0x00444551) return 'qed'; // "QED\0"
  if (startsWith(s, 'KDMV') || startsWith(s, 'COWD') || startsWith(s, '# Disk DescriptorFile')) return 'vmdk';
  if (s.length >= 0x48 && le32(s, 0x40) === 0xbeda107f) return 'vdi';
  if (startsWith(s, 'conectix')) return 'vpc';
  if (startsWith(s, 'vhdxfile')) return 'vhdx';
  if (startsWith(s, 'LUKS\xba\xbe')) return 'luks';
  if (startsWith(s, 'WithoutFreeSpace') || startsWith(s, 'WithouFreSpacExt')) return 'parallels';
  if (startsWith(s, 'Bochs Virtual HD Image')) return 'bochs';
  if (startsWith(s, '#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$IMAGE\n')) return 'cloop';
  return null;
}

/** QEMU's warning, printed once when a file was opened without a format and probed as raw. */
export function probedRawWarning(filename: string): string {
  return (
    `WARNING: Image format was not specified for '${filename}' and probing guessed raw.\n` +
    `         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n` +
    `         Specify the 'raw' format explicitly to remove the restrictions.`
  );
}
