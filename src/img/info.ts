// `emu-img info`: what an image is, read from its header without opening its backing chain (so a
// missing backing file or an unsupported feature does not hide the facts), printed as qemu-img does.

import { FileDriver } from '../hw/block/file.ts';
import { probeFile, type ImageFormat } from '../hw/block/open.ts';
import {
  INCOMPAT_CORRUPT, INCOMPAT_DIRTY, INCOMPAT_EXTL2, COMPAT_LAZY_REFCOUNTS, parseExtensions, parseHeader,
} from '../hw/block/qcow2-format.ts';
import { resolveBacking } from '../hw/block/qcow2.ts';
import { readSnapshotTable } from '../hw/block/qcow2-snapshots.ts';
import { sizeToStr } from './human-size.ts';
import { qemuJson } from './qdict-order.ts';

export interface ImageInfo {
  filename: string;
  format: ImageFormat;
  'virtual-size': number;
  'actual-size': number;
  'cluster-size'?: number;
  encrypted?: boolean;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'backing-filename-format'?: string;
  'dirty-flag': boolean;
  snapshots?: SnapshotInfo[];
  'format-specific'?: { type: 'qcow2'; data: Record<string, unknown> };
}

/** QEMU's SnapshotInfo. */
export interface SnapshotInfo {
  id: string;
  name: string;
  'vm-state-size': number;
  'date-sec': number;
  'date-nsec': number;
  'vm-clock-sec': number;
  'vm-clock-nsec': number;
  icount?: number;
}

export function imageInfo(filename: string, format?: ImageFormat): ImageInfo {
  const file = new FileDriver({ filename, readOnly: true });
  try {
    const fmt = format ?? probeFile(file);
    const info: ImageInfo = {
      filename,
      format: fmt,
      'virtual-size': file.size,
      'actual-size': file.allocatedBytes(),
      'dirty-flag': false,
    };
    if (fmt === 'qcow2') {
      const first = new Uint8Array(Math.min(file.size, 512));
      file.read(0, first);
      const cs = 2 ** parseHeader(first, filename).clusterBits;
      const head = new Uint8Array(Math.min(file.size, cs));
      file.read(0, head);
      const h = parseHeader(head, filename);
      const ext = parseExtensions(head, h, filename);
      info['virtual-size'] = h.size;
      info['cluster-size'] = cs;
      if (h.cryptMethod) info.encrypted = true;
      if (h.backingFileOffset) {
        const name = new TextDecoder().decode(head.subarray(h.backingFileOffset, h.backingFileOffset + h.backingFileSize));
        info['backing-filename'] = name;
        info['full-backing-filename'] = resolveBacking(filename, name);
        if (ext.backingFormat) info['backing-filename-format'] = ext.backingFormat;
      }
      info['dirty-flag'] = (h.incompatibleFeatures & INCOMPAT_DIRTY) !== 0;
      if (h.nbSnapshots) {
        info.snapshots = readSnapshotTable(file, h).map((sn) => ({
          id: sn.id,
          name: sn.name,
          'vm-state-size': sn.vmStateSize,
          'date-sec': sn.dateSec,
          'date-nsec': sn.dateNsec,
          'vm-clock-sec': Math.floor(sn.vmClockNsec / 1e9),
          'vm-clock-nsec': sn.vmClockNsec % 1e9,
          icount: sn.icount,
        }));
      }
      const data: Record<string, unknown> = {
        compat: h.version === 2 ? '0.10' : '1.1',
        'compression-type': h.compressionType === 1 ? 'zstd' : 'zlib',
      };
      if (h.version === 3) data['lazy-refcounts'] = (h.compatibleFeatures & COMPAT_LAZY_REFCOUNTS) !== 0;
      data['refcount-bits'] = 2 ** h.refcountOrder;
      if (h.version === 3) {
        data.corrupt = (h.incompatibleFeatures & INCOMPAT_CORRUPT) !== 0;
        data['extended-l2'] = (h.incompatibleFeatures & INCOMPAT_EXTL2) !== 0;
      }
      info['format-specific'] = { type: 'qcow2', data };
    }
    return info;
  } finally {
    file.close();
  }
}

/** The image and, with backingChain, every image below it, as `--backing-chain` lists them. */
export function chainInfo(filename: string, format: ImageFormat | undefined, backingChain: boolean): ImageInfo[] {
  const out = [imageInfo(filename, format)];
  const seen = new Set([filename]);
  while (backingChain) {
    const top = out[out.length - 1];
    const next = top['full-backing-filename'];
    if (!next) break;
    if (seen.has(next)) throw new Error(`Backing file '${next}' creates an infinite loop.`);
    seen.add(next);
    const fmt = top['backing-filename-format'];
    out.push(imageInfo(next, fmt === 'raw' || fmt === 'qcow2' ? fmt : undefined));
  }
  return out;
}

const HUMAN_KEYS: Record<string, string> = {
  compat: 'compat',
  'compression-type': 'compression type',
  'lazy-refcounts': 'lazy refcounts',
  'refcount-bits': 'refcount bits',
  corrupt: 'corrupt',
  'extended-l2': 'extended l2',
};

export function renderHuman(info: ImageInfo): string {
  const lines = [
    `image: ${info.filename}`,
    `file format: ${info.format}`,
    `virtual size: ${sizeToStr(info['virtual-size'])} (${info['virtual-size']} bytes)`,
    `disk size: ${sizeToStr(info['actual-size'])}`,
  ];
  if (info.encrypted) lines.push('encrypted: yes');
  if (info['cluster-size'] !== undefined) lines.push(`cluster_size: ${info['cluster-size']}`);
  if (info['backing-filename'] !== undefined) {
    const full = info['full-backing-filename'];
    lines.push(`backing file: ${info['backing-filename']}${full && full !== info['backing-filename'] ? ` (actual path: ${full})` : ''}`);
    if (info['backing-filename-format']) lines.push(`backing file format: ${info['backing-filename-format']}`);
  }
  if (info.snapshots) {
    lines.push('Snapshot list:');
    lines.push(`${'ID'.padEnd(10)}${'TAG'.padEnd(17)}${'VM SIZE'.padStart(8)}${'DATE'.padStart(20)}${'VM CLOCK'.padStart(13)}${'ICOUNT'.padStart(11)}`);
    for (const sn of info.snapshots) lines.push(snapshotLine(sn));
  }
  const fs = info['format-specific'];
  if (fs) {
    lines.push('Format specific information:');
    for (const [k, v] of Object.entries(fs.data)) lines.push(`    ${HUMAN_KEYS[k] ?? k}: ${String(v)}`);
  }
  return lines.join('\n') + '\n';
}

export function renderInfo(infos: ImageInfo[], output: 'human' | 'json', chain: boolean): string {
  if (output === 'json') {
    return (chain ? qemuJson(infos) : qemuJson(infos[0])) + '\n';
  }
  return infos.map(renderHuman).join('\n');
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** One row of qemu-img's snapshot table; the date in local time, as QEMU's localtime_r gives it. */
function snapshotLine(sn: SnapshotInfo): string {
  const d = new Date(sn['date-sec'] * 1000);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  const secs = sn['vm-clock-sec'];
  const clock = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}.${String(Math.floor(sn['vm-clock-nsec'] / 1e6)).padStart(3, '0')}`;
  return `${sn.id.padEnd(9)} ${sn.name.padEnd(16)} ${sizeToStr(sn['vm-state-size']).padStart(8)}${date.padStart(20)}${clock.padStart(13)}${(sn.icount !== undefined ? String(sn.icount) : '').padStart(11)}`;
}
