// The on-disk layout of qcow2 (QEMU's docs/interop/qcow2.txt): the header, its extensions, and the
// 64-bit table entries. Pure functions over bytes; no I/O.

import { QmpError } from '../../shared/errors.ts';

export const QCOW2_MAGIC = 0x514649fb;
export const V2_HEADER_LENGTH = 72;
export const V3_HEADER_LENGTH = 104;
/** The v3 header emu writes: 104 bytes plus the compression-type byte, padded to 8. */
export const V3_HEADER_LENGTH_WITH_COMPRESSION = 112;

export const EXT_END = 0x00000000;
export const EXT_BACKING_FORMAT = 0xe2792aca;
export const EXT_FEATURE_TABLE = 0x6803f857;
export const EXT_BITMAPS = 0x23852875;
export const EXT_CRYPTO = 0x0537be77;
export const EXT_DATA_FILE = 0x44415441;

export const INCOMPAT_DIRTY = 1;
export const INCOMPAT_CORRUPT = 2;
export const INCOMPAT_DATA_FILE = 4;
export const INCOMPAT_COMPRESSION = 8;
export const INCOMPAT_EXTL2 = 16;
/** Incompatible features emu understands: it can read and write images that carry them. */
export const INCOMPAT_SUPPORTED = INCOMPAT_DIRTY | INCOMPAT_CORRUPT;
export const COMPAT_LAZY_REFCOUNTS = 1;

/** The names QEMU 7.2 writes in its feature-name table, in its order: [type, bit, name]. */
export const FEATURE_NAMES: ReadonlyArray<readonly [number, number, string]> = [
  [0, 0, 'dirty bit'],
  [0, 1, 'corrupt bit'],
  [0, 2, 'external data file'],
  [0, 3, 'compression type'],
  [0, 4, 'extended L2 entries'],
  [1, 0, 'lazy refcounts'],
  [2, 0, 'bitmaps'],
  [2, 1, 'raw external data'],
];

// Table entry flags, split into the high and low 32-bit words of the big-endian entry.
export const HI_COPIED = 0x80000000;
export const HI_COMPRESSED = 0x40000000;
export const LO_ZERO = 1;
const HI_OFFSET_MASK = 0x00ffffff; // bits 32..55
const LO_OFFSET_MASK = 0xfffffe00; // bits 9..31

export interface Qcow2Header {
  version: 2 | 3;
  backingFileOffset: number;
  backingFileSize: number;
  clusterBits: number;
  size: number;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  nbSnapshots: number;
  snapshotsOffset: number;
  incompatibleFeatures: number;
  compatibleFeatures: number;
  autoclearFeatures: number;
  refcountOrder: number;
  headerLength: number;
  compressionType: number;
}

export interface Qcow2Extensions {
  backingFormat?: string;
  featureNames: Map<string, string>;
  /** Extensions emu does not interpret, kept verbatim so a header rewrite does not drop them. */
  other: Array<{ type: number; data: Uint8Array }>;
}

export function u64(v: DataView, o: number): number {
  const hi = v.getUint32(o);
  if (hi >= 0x200000) throw new QmpError(`qcow2 field at byte ${o} is too large (${hi.toString(16)}xxxxxxxx)`);
  return hi * 0x100000000 + v.getUint32(o + 4);
}

export function setU64(v: DataView, o: number, n: number): void {
  v.setUint32(o, Math.floor(n / 0x100000000));
  v.setUint32(o + 4, n >>> 0);
}

/** The host offset in an L1, L2 or refcount-table entry (bits 9..55). */
export function entryOffset(v: DataView, o: number): number {
  return (v.getUint32(o) & HI_OFFSET_MASK) * 0x100000000 + (v.getUint32(o + 4) & LO_OFFSET_MASK);
}

export function setEntry(v: DataView, o: number, offset: number, hiFlags: number, loFlags: number): void {
  v.setUint32(o, ((Math.floor(offset / 0x100000000) & HI_OFFSET_MASK) | hiFlags) >>> 0);
  v.setUint32(o + 4, ((offset >>> 0) | loFlags) >>> 0);
}

export function parseHeader(buf: Uint8Array, filename: string): Qcow2Header {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // QEMU's own words, bare as QEMU reports them (the front end names the file, as for -drive).
  const bad = (what: string) => new QmpError(what, 'GenericError', { filename });
  if (buf.length < V2_HEADER_LENGTH || v.getUint32(0) !== QCOW2_MAGIC) throw bad('Image is not in qcow2 format');
  const version = v.getUint32(4);
  if (version !== 2 && version !== 3) throw bad(`Unsupported qcow2 version ${version}`);
  const h: Qcow2Header = {
    version,
    backingFileOffset: u64(v, 8),
    backingFileSize: v.getUint32(16),
    clusterBits: v.getUint32(20),
    size: u64(v, 24),
    cryptMethod: v.getUint32(32),
    l1Size: v.getUint32(36),
    l1TableOffset: u64(v, 40),
    refcountTableOffset: u64(v, 48),
    refcountTableClusters: v.getUint32(56),
    nbSnapshots: v.getUint32(60),
    snapshotsOffset: u64(v, 64),
    incompatibleFeatures: 0,
    compatibleFeatures: 0,
    autoclearFeatures: 0,
    refcountOrder: 4,
    headerLength: V2_HEADER_LENGTH,
    compressionType: 0,
  };
  if (version === 3) {
    if (buf.length < V3_HEADER_LENGTH) throw bad('qcow2 header exceeds cluster size');
    h.incompatibleFeatures = u64(v, 72);
    h.compatibleFeatures = u64(v, 80);
    h.autoclearFeatures = u64(v, 88);
    h.refcountOrder = v.getUint32(96);
    h.headerLength = v.getUint32(100);
    if (h.headerLength < V3_HEADER_LENGTH) throw bad('qcow2 header too short');
    if (h.headerLength > 104) h.compressionType = buf[104];
  }
  if (h.clusterBits < 9 || h.clusterBits > 21) throw bad(`Unsupported cluster size: 2^${h.clusterBits}`);
  if (h.refcountOrder > 6) throw bad('Reference count entry width too large; may not exceed 64 bits');
  if (h.headerLength > 1 << h.clusterBits) throw bad('qcow2 header exceeds cluster size');
  return h;
}

export function parseExtensions(buf: Uint8Array, h: Qcow2Header, filename: string): Qcow2Extensions {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const ext: Qcow2Extensions = { featureNames: new Map(), other: [] };
  let o = h.headerLength;
  const end = h.backingFileOffset > 0 ? Math.min(h.backingFileOffset, buf.length) : Math.min(1 << h.clusterBits, buf.length);
  while (o + 8 <= end) {
    const type = v.getUint32(o);
    const len = v.getUint32(o + 4);
    o += 8;
    if (type === EXT_END) break;
    if (o + len > end) throw new QmpError(`Could not open '${filename}': qcow2 header extension 0x${type.toString(16)} is truncated`);
    const data = buf.slice(o, o + len);
    if (type === EXT_BACKING_FORMAT) {
      ext.backingFormat = new TextDecoder().decode(data);
    } else if (type === EXT_FEATURE_TABLE) {
      for (let i = 0; i + 48 <= len; i += 48) {
        const name = new TextDecoder().decode(data.subarray(i + 2, i + 48)).replace(/\0.*$/s, '');
        ext.featureNames.set(`${data[i]}:${data[i + 1]}`, name);
      }
    } else {
      ext.other.push({ type, data });
    }
    o += (len + 7) & ~7;
  }
  return ext;
}

/** Names of the set bits of an incompatible-feature mask, as QEMU reports unsupported features. */
export function describeIncompatible(mask: number, ext: Qcow2Extensions): string {
  const names: string[] = [];
  let unknown = 0;
  for (let bit = 0; bit < 53; bit++) {
    const m = 2 ** bit;
    if (Math.floor(mask / m) % 2 === 0) continue;
    const name = ext.featureNames.get(`0:${bit}`) ?? FEATURE_NAMES.find(([t, b]) => t === 0 && b === bit)?.[2];
    if (name) names.push(name);
    else unknown += m;
  }
  if (unknown) names.push(`Unknown incompatible feature: ${unknown.toString(16)}`);
  return names.join(', ');
}

export interface HeaderImage {
  header: Qcow2Header;
  backingFile?: string;
  backingFormat?: string;
  /** Write the feature-name table, as QEMU does for v3 images. */
  featureTable: boolean;
  other?: Array<{ type: number; data: Uint8Array }>;
}

/** Serialises header, extensions and backing file name into the first cluster. */
export function serializeHeader(img: HeaderImage): Uint8Array {
  const h = img.header;
  const clusterSize = 2 ** h.clusterBits;
  const out = new Uint8Array(clusterSize);
  const v = new DataView(out.buffer);
  const headerLength = h.version === 3 ? h.headerLength : V2_HEADER_LENGTH;
  let o = headerLength;
  const ext = (type: number, data: Uint8Array) => {
    v.setUint32(o, type);
    v.setUint32(o + 4, data.length);
    out.set(data, o + 8);
    o += 8 + ((data.length + 7) & ~7);
  };
  if (img.backingFormat) ext(EXT_BACKING_FORMAT, new TextEncoder().encode(img.backingFormat));
  if (img.featureTable) {
    const t = new Uint8Array(48 * FEATURE_NAMES.length);
    FEATURE_NAMES.forEach(([type, bit, name], i) => {
      t[i * 48] = type;
      t[i * 48 + 1] = bit;
      t.set(new TextEncoder().encode(name), i * 48 + 2);
    });
    ext(EXT_FEATURE_TABLE, t);
  }
  for (const e of img.other ?? []) ext(e.type, e.data);
  o += 8; // end-of-extensions marker (zeros)
  let backingOffset = 0;
  let backingSize = 0;
  if (img.backingFile) {
    const name = new TextEncoder().encode(img.backingFile);
    if (o + name.length > clusterSize) throw new QmpError(`backing file name '${img.backingFile}' does not fit in the qcow2 header`);
    out.set(name, o);
    backingOffset = o;
    backingSize = name.length;
    o += name.length;
  }
  if (o > clusterSize) throw new QmpError('qcow2 header extensions do not fit in the first cluster');
  v.setUint32(0, QCOW2_MAGIC);
  v.setUint32(4, h.version);
  setU64(v, 8, backingOffset);
  v.setUint32(16, backingSize);
  v.setUint32(20, h.clusterBits);
  setU64(v, 24, h.size);
  v.setUint32(32, h.cryptMethod);
  v.setUint32(36, h.l1Size);
  setU64(v, 40, h.l1TableOffset);
  setU64(v, 48, h.refcountTableOffset);
  v.setUint32(56, h.refcountTableClusters);
  v.setUint32(60, h.nbSnapshots);
  setU64(v, 64, h.snapshotsOffset);
  if (h.version === 3) {
    setU64(v, 72, h.incompatibleFeatures);
    setU64(v, 80, h.compatibleFeatures);
    setU64(v, 88, h.autoclearFeatures);
    v.setUint32(96, h.refcountOrder);
    v.setUint32(100, headerLength);
    if (headerLength > 104) out[104] = h.compressionType;
  }
  return out.subarray(0, o);
}

/** Reads the refcount of entry i of a refcount block with 2^order-bit entries. */
export function getRefcount(block: Uint8Array, order: number, i: number): number {
  switch (order) {
    case 0: return (block[i >> 3] >> (i & 7)) & 1;
    case 1: return (block[i >> 2] >> ((i & 3) * 2)) & 3;
    case 2: return (block[i >> 1] >> ((i & 1) * 4)) & 15;
    case 3: return block[i];
    case 4: return (block[i * 2] << 8) | block[i * 2 + 1];
    case 5: return new DataView(block.buffer, block.byteOffset).getUint32(i * 4);
    default: return u64(new DataView(block.buffer, block.byteOffset), i * 8);
  }
}

export function setRefcount(block: Uint8Array, order: number, i: number, n: number): void {
  if (n < 0 || (order < 6 && n >= 2 ** (1 << order))) throw new QmpError(`qcow2 refcount ${n} does not fit in ${1 << order} bits`);
  switch (order) {
    case 0: block[i >> 3] = (block[i >> 3] & ~(1 << (i & 7))) | (n << (i & 7)); return;
    case 1: block[i >> 2] = (block[i >> 2] & ~(3 << ((i & 3) * 2))) | (n << ((i & 3) * 2)); return;
    case 2: block[i >> 1] = (block[i >> 1] & ~(15 << ((i & 1) * 4))) | (n << ((i & 1) * 4)); return;
    case 3: block[i] = n; return;
    case 4: block[i * 2] = n >> 8; block[i * 2 + 1] = n & 255; return;
    case 5: new DataView(block.buffer, block.byteOffset).setUint32(i * 4, n); return;
    default: setU64(new DataView(block.buffer, block.byteOffset), i * 8, n);
  }
}
