/**
 * DTB parser: a blob back into the writer's tree form (FdtTree / FdtNode).
 *
 * A blob carries no types, so every property comes back as `bytes`; the accessors below interpret
 * them. Reading then serializing gives the same structure and strings content as the input (the
 * writer's layout), which is how tests and machine comparisons use it.
 */

import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
  FdtError,
  FdtNode,
  FdtTree,
  type FdtProperty,
} from './writer.ts';

export interface FdtHeader {
  magic: number;
  totalsize: number;
  offDtStruct: number;
  offDtStrings: number;
  offMemRsvmap: number;
  version: number;
  lastCompVersion: number;
  bootCpuidPhys: number;
  sizeDtStrings: number;
  sizeDtStruct: number;
}

export interface ParsedFdt {
  header: FdtHeader;
  tree: FdtTree;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function readFdtHeader(blob: Uint8Array): FdtHeader {
  if (blob.length < FDT_HEADER_SIZE) throw new FdtError(`blob of ${blob.length} bytes is too short for a DTB header`);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const f = (i: number): number => dv.getUint32(i * 4);
  const h: FdtHeader = {
    magic: f(0),
    totalsize: f(1),
    offDtStruct: f(2),
    offDtStrings: f(3),
    offMemRsvmap: f(4),
    version: f(5),
    lastCompVersion: f(6),
    bootCpuidPhys: f(7),
    sizeDtStrings: f(8),
    sizeDtStruct: f(9),
  };
  if (h.magic !== FDT_MAGIC) throw new FdtError(`bad DTB magic 0x${h.magic.toString(16)}`);
  // Versions before 16 put 8-byte-aligned property values and full paths in node names; nothing
  // emu meets produces them, and a version-17 reader may read anything whose last_comp is <= 17.
  if (h.version < 16 || h.lastCompVersion > 17) {
    throw new FdtError(`unsupported DTB version ${h.version} (last compatible ${h.lastCompVersion})`);
  }
  if (h.totalsize > blob.length) {
    throw new FdtError(`DTB header says ${h.totalsize} bytes but the blob has ${blob.length}`);
  }
  const inside = (off: number, size: number, what: string): void => {
    if (off > h.totalsize || size > h.totalsize - off) throw new FdtError(`DTB ${what} lies outside the blob`);
  };
  inside(h.offDtStruct, h.sizeDtStruct, 'structure block');
  inside(h.offDtStrings, h.sizeDtStrings, 'strings block');
  inside(h.offMemRsvmap, 16, 'memory reservation block');
  if (h.offMemRsvmap % 8 !== 0) throw new FdtError('DTB memory reservation block is not 8-byte aligned');
  if (h.offDtStruct % 4 !== 0) throw new FdtError('DTB structure block is not 4-byte aligned');
  return h;
}

/** Parses a DTB. Bytes past the header's totalsize (such as QEMU's 1 MiB buffer) are ignored. */
export function parseFdt(blob: Uint8Array): ParsedFdt {
  const header = readFdtHeader(blob);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const tree = new FdtTree();
  tree.bootCpuidPhys = header.bootCpuidPhys;

  for (let off = header.offMemRsvmap; ; off += 16) {
    if (off + 16 > header.totalsize) throw new FdtError('DTB memory reservation block is not terminated');
    const address = dv.getBigUint64(off);
    const size = dv.getBigUint64(off + 8);
    if (address === 0n && size === 0n) break;
    tree.addReservation(address, size);
  }

  const stringsEnd = header.offDtStrings + header.sizeDtStrings;
  const nameAt = (nameoff: number): string => {
    const start = header.offDtStrings + nameoff;
    if (nameoff >= header.sizeDtStrings) throw new FdtError(`property name offset ${nameoff} is outside the strings block`);
    const end = blob.indexOf(0, start);
    if (end < 0 || end >= stringsEnd) throw new FdtError(`property name at ${nameoff} is not terminated`);
    return utf8.decode(blob.subarray(start, end));
  };

  const structEnd = header.offDtStruct + header.sizeDtStruct;
  let pos = header.offDtStruct;
  const u32 = (): number => {
    if (pos + 4 > structEnd) throw new FdtError('DTB structure block ends early');
    const v = dv.getUint32(pos);
    pos += 4;
    return v;
  };
  const align = (): void => {
    pos = (pos + 3) & ~3;
  };

  const stack: FdtNode[] = [];
  let sawRoot = false;
  for (;;) {
    const tag = u32();
    if (tag === FDT_NOP) continue;
    if (tag === FDT_BEGIN_NODE) {
      const end = blob.indexOf(0, pos);
      if (end < 0 || end >= structEnd) throw new FdtError('node name is not terminated');
      const name = utf8.decode(blob.subarray(pos, end));
      pos = end + 1;
      align();
      let node: FdtNode;
      if (stack.length === 0) {
        if (sawRoot) throw new FdtError('DTB has more than one root node');
        if (name !== '') throw new FdtError(`root node has name '${name}'`);
        sawRoot = true;
        node = tree.root;
      } else {
        node = stack[stack.length - 1].addChild(name, { lenient: true });
      }
      stack.push(node);
    } else if (tag === FDT_PROP) {
      const node = stack[stack.length - 1];
      if (!node) throw new FdtError('property outside any node');
      const len = u32();
      const nameoff = u32();
      if (pos + len > structEnd) throw new FdtError('property value runs past the structure block');
      const name = nameAt(nameoff);
      if (node.prop(name)) throw new FdtError(`node '${node.path}' has property '${name}' twice`);
      node.set(name, { type: 'bytes', bytes: blob.slice(pos, pos + len) }, { lenient: true });
      pos += len;
      align();
    } else if (tag === FDT_END_NODE) {
      if (!stack.pop()) throw new FdtError('unbalanced FDT_END_NODE');
    } else if (tag === FDT_END) {
      if (stack.length !== 0) throw new FdtError('FDT_END inside a node');
      if (!sawRoot) throw new FdtError('DTB has no root node');
      break;
    } else {
      throw new FdtError(`unknown structure tag 0x${tag.toString(16)} at offset ${pos - 4}`);
    }
  }

  // The reader keeps phandle numbers as they are in the blob, so that serializing the parsed tree
  // does not renumber anything.
  const pinPhandles = (n: FdtNode): void => {
    const p = n.prop('phandle');
    if (p && p.value.type === 'bytes' && p.value.bytes.length === 4) {
      const ph = new DataView(p.value.bytes.buffer, p.value.bytes.byteOffset).getUint32(0);
      // 0 and 0xffffffff are not phandles; leave such a property as plain bytes.
      if (ph !== 0 && ph !== 0xffffffff) n.phandle = ph;
    }
    n.children.forEach(pinPhandles);
  };
  pinPhandles(tree.root);

  return { header, tree };
}

// Accessors. They take a property as the reader returns it (bytes) or as a builder made it.

function bytesOf(p: FdtProperty): Uint8Array {
  if (p.value.type !== 'bytes') throw new FdtError(`property '${p.name}' is typed (${p.value.type}); read it directly`);
  return p.value.bytes;
}

export function propU32s(p: FdtProperty): number[] {
  const b = bytesOf(p);
  if (b.length % 4 !== 0) throw new FdtError(`property '${p.name}' is ${b.length} bytes, not a whole number of cells`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = 0; i < b.length; i += 4) out.push(dv.getUint32(i));
  return out;
}

export function propU64s(p: FdtProperty): bigint[] {
  const b = bytesOf(p);
  if (b.length % 8 !== 0) throw new FdtError(`property '${p.name}' is ${b.length} bytes, not a whole number of u64s`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: bigint[] = [];
  for (let i = 0; i < b.length; i += 8) out.push(dv.getBigUint64(i));
  return out;
}

export function propStrings(p: FdtProperty): string[] {
  const b = bytesOf(p);
  if (b.length === 0 || b[b.length - 1] !== 0) throw new FdtError(`property '${p.name}' is not NUL-terminated`);
  return utf8.decode(b.subarray(0, b.length - 1)).split('\0');
}

export function propString(p: FdtProperty): string {
  const all = propStrings(p);
  if (all.length !== 1) throw new FdtError(`property '${p.name}' holds ${all.length} strings, not one`);
  return all[0];
}
