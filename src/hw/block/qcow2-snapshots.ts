// The qcow2 internal snapshot table: emu never creates or applies internal snapshots, but reads the
// table to count the clusters snapshots hold (check) and to list them (emu-img info).

import { u64 } from './qcow2-format.ts';
import type { Qcow2Header } from './qcow2-format.ts';

export interface Qcow2Snapshot {
  l1TableOffset: number;
  l1Size: number;
  id: string;
  name: string;
  dateSec: number;
  dateNsec: number;
  vmClockNsec: number;
  vmStateSize: number;
  /** Absent when the snapshot recorded none (QEMU writes -1). */
  icount?: number;
  /** Byte range of this entry in the table, for reference counting. */
  entryBytes: number;
}

export interface ByteReader {
  read(offset: number, buf: Uint8Array): void;
}

export function readSnapshotTable(file: ByteReader, h: Qcow2Header): Qcow2Snapshot[] {
  const out: Qcow2Snapshot[] = [];
  let o = h.snapshotsOffset;
  for (let i = 0; i < h.nbSnapshots; i++) {
    const fixed = new Uint8Array(40);
    file.read(o, fixed);
    const v = new DataView(fixed.buffer);
    const idLen = v.getUint16(12);
    const nameLen = v.getUint16(14);
    const extraLen = v.getUint32(36);
    const rest = new Uint8Array(extraLen + idLen + nameLen);
    file.read(o + 40, rest);
    const ev = new DataView(rest.buffer);
    const snap: Qcow2Snapshot = {
      l1TableOffset: u64(v, 0),
      l1Size: v.getUint32(8),
      id: new TextDecoder().decode(rest.subarray(extraLen, extraLen + idLen)),
      name: new TextDecoder().decode(rest.subarray(extraLen + idLen, extraLen + idLen + nameLen)),
      dateSec: v.getUint32(16),
      dateNsec: v.getUint32(20),
      vmClockNsec: Number(v.getBigUint64(24)),
      vmStateSize: extraLen >= 8 ? Number(ev.getBigUint64(0)) : v.getUint32(32),
      entryBytes: 0,
    };
    if (extraLen >= 24) {
      const ic = ev.getBigUint64(16);
      if (ic !== 0xffffffffffffffffn) snap.icount = Number(ic);
    }
    const len = Math.ceil((40 + extraLen + idLen + nameLen) / 8) * 8;
    snap.entryBytes = len;
    out.push(snap);
    o += len;
  }
  return out;
}
