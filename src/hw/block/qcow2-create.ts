// Creating an empty qcow2 image, laid out as qemu-img lays it out: header in cluster 0, then the
// refcount table, the refcount blocks counting the metadata, and the L1 table, with the file ending
// right after the last L1 entry.

import * as fs from 'node:fs';
import { serializeHeader, setRefcount, setEntry, V3_HEADER_LENGTH_WITH_COMPRESSION, COMPAT_LAZY_REFCOUNTS, type Qcow2Header } from './qcow2-format.ts';
import { strerror } from '../../shared/errno.ts';
import { QmpError } from '../../shared/errors.ts';

export interface Qcow2CreateOptions {
  size: number;
  /** Default 65536; a power of two from 512 to 2 MiB. */
  clusterSize?: number;
  /** '1.1' (version 3, the default) or '0.10' (version 2). */
  compat?: '0.10' | '1.1';
  backingFile?: string;
  backingFormat?: string;
  /** Default 16; a power of two up to 64 (version 3 only for anything but 16). */
  refcountBits?: number;
  lazyRefcounts?: boolean;
}

export function createQcow2(filename: string, o: Qcow2CreateOptions): void {
  const cs = o.clusterSize ?? 65536;
  const clusterBits = Math.log2(cs);
  if (!Number.isInteger(clusterBits) || clusterBits < 9 || clusterBits > 21) {
    throw new QmpError('Cluster size must be a power of two between 512 and 2048k');
  }
  const compat = o.compat ?? '1.1';
  const version = compat === '0.10' ? 2 : 3;
  const refcountBits = o.refcountBits ?? 16;
  const refcountOrder = Math.log2(refcountBits);
  if (!Number.isInteger(refcountOrder) || refcountOrder < 0 || refcountOrder > 6) {
    throw new QmpError('Refcount width must be a power of two and may not exceed 64 bits');
  }
  if (version === 2 && refcountBits !== 16) {
    throw new QmpError('Different refcount widths than 16 bits require compatibility level 1.1 or above (use compat=1.1 or greater)');
  }
  if (version === 2 && o.lazyRefcounts) {
    throw new QmpError('Lazy refcounts only supported with compatibility level 1.1 and above (use compat=1.1 or greater)');
  }
  if (!Number.isInteger(o.size) || o.size < 0) throw new QmpError(`Invalid image size ${o.size}`);
  if (o.backingFormat && !o.backingFile) throw new QmpError('Backing format cannot be used without backing file');

  // QEMU rounds the virtual size up to whole sectors.
  const size = Math.ceil(o.size / 512) * 512;
  const l2Entries = cs / 8;
  const l1Size = Math.ceil(size / (cs * l2Entries));
  if (l1Size * 8 > 32 * 1024 * 1024) {
    throw new QmpError("The image size is too large for file format 'qcow2' (try using a larger cluster size)");
  }
  if (!Number.isSafeInteger(size)) throw new QmpError(`Invalid image size ${o.size}`);
  const l1Clusters = Math.max(1, Math.ceil((l1Size * 8) / cs));
  const perBlock = (cs * 8) / refcountBits;
  let blocks = 1;
  let tableClusters = 1;
  for (;;) {
    const total = 1 + tableClusters + blocks + l1Clusters;
    const needBlocks = Math.ceil(total / perBlock);
    const needTable = Math.ceil((needBlocks * 8) / cs);
    if (needBlocks === blocks && needTable === tableClusters) break;
    blocks = needBlocks;
    tableClusters = needTable;
  }
  const tableAt = 1;
  const blocksAt = tableAt + tableClusters;
  const l1At = blocksAt + blocks;
  const used = l1At + l1Clusters;

  const header: Qcow2Header = {
    version,
    backingFileOffset: 0,
    backingFileSize: 0,
    clusterBits,
    size,
    cryptMethod: 0,
    l1Size,
    l1TableOffset: l1At * cs,
    refcountTableOffset: tableAt * cs,
    refcountTableClusters: tableClusters,
    nbSnapshots: 0,
    snapshotsOffset: 0,
    incompatibleFeatures: 0,
    compatibleFeatures: o.lazyRefcounts ? COMPAT_LAZY_REFCOUNTS : 0,
    autoclearFeatures: 0,
    refcountOrder,
    headerLength: V3_HEADER_LENGTH_WITH_COMPRESSION,
    compressionType: 0,
  };
  const head = serializeHeader({
    header,
    backingFile: o.backingFile,
    backingFormat: o.backingFormat,
    featureTable: version === 3,
  });

  const table = new Uint8Array(tableClusters * cs);
  const tv = new DataView(table.buffer);
  for (let b = 0; b < blocks; b++) setEntry(tv, b * 8, (blocksAt + b) * cs, 0, 0);
  const refblocks = new Uint8Array(blocks * cs);
  for (let c = 0; c < used; c++) {
    const b = Math.floor(c / perBlock);
    setRefcount(refblocks.subarray(b * cs, (b + 1) * cs), refcountOrder, c % perBlock, 1);
  }

  let fd: number;
  try {
    fd = fs.openSync(filename, 'w');
  } catch (e) {
    throw new QmpError(`Could not create '${filename}': ${strerror(e)}`);
  }
  try {
    fs.writeSync(fd, head, 0, head.length, 0);
    fs.writeSync(fd, table, 0, table.length, tableAt * cs);
    fs.writeSync(fd, refblocks, 0, refblocks.length, blocksAt * cs);
    const l1Bytes = Math.max(l1Size * 8, 8);
    fs.writeSync(fd, new Uint8Array(l1Bytes), 0, l1Bytes, l1At * cs);
    fs.fsyncSync(fd);
  } catch (e) {
    throw new QmpError(`Could not write '${filename}': ${strerror(e)}`);
  } finally {
    fs.closeSync(fd);
  }
}
