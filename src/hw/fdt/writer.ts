/**
 * Flattened device tree (DTB) model and serializer.
 *
 * Format: Devicetree Specification v0.4, chapter 5 ("Flattened Devicetree (DTB) Format"), version 17
 * with last compatible version 16. Layout follows what dtc emits: header, memory reservation block,
 * structure block, strings block, then optional zero padding.
 *
 * The tree is plain data: nodes keep properties and children in insertion order, and serialization
 * is a pure function of the tree, so equal trees give equal bytes.
 */

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;
export const FDT_HEADER_SIZE = 40;

export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;

/** A 32-bit cell: a number, or a node whose phandle is written there. */
export type FdtCell = number | FdtNode;

export type FdtValue =
  /** Zero-length property (booleans such as `interrupt-controller`). */
  | { readonly type: 'empty' }
  /** Big-endian 32-bit cells; node entries become that node's phandle. */
  | { readonly type: 'cells'; readonly cells: readonly FdtCell[] }
  /** Big-endian 64-bit values, each written as two cells (high, low). */
  | { readonly type: 'u64'; readonly values: readonly bigint[] }
  /** One NUL-terminated string. */
  | { readonly type: 'string'; readonly value: string }
  /** A string list: each string NUL-terminated, concatenated. */
  | { readonly type: 'strings'; readonly values: readonly string[] }
  /** Bytes written as they are. The reader produces this type for every property. */
  | { readonly type: 'bytes'; readonly bytes: Uint8Array }
  /** This node's own phandle, its number chosen at serialization (see FdtNode.phandle). */
  | { readonly type: 'phandle' };

export interface FdtProperty {
  readonly name: string;
  value: FdtValue;
}

export interface FdtReservation {
  readonly address: bigint;
  readonly size: bigint;
}

const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;

// Devicetree Specification 2.2.1 and 2.2.4: allowed characters, 1 to 31 characters.
const NODE_NAME_RE = /^[0-9a-zA-Z,._+-]{1,31}(@[0-9a-zA-Z,._+-]+)?$/;
const PROP_NAME_RE = /^[0-9a-zA-Z,._+?#-]{1,31}$/;

export class FdtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FdtError';
  }
}

function checkU32(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > U32_MAX) {
    throw new FdtError(`${what}: ${n} is not a 32-bit unsigned integer`);
  }
}

function toU64(v: number | bigint, what: string): bigint {
  if (typeof v === 'number' && (!Number.isSafeInteger(v) || v < 0)) {
    throw new FdtError(`${what}: ${v} is not a 64-bit unsigned integer`);
  }
  const b = BigInt(v);
  if (b < 0n || b > U64_MAX) throw new FdtError(`${what}: ${v} is not a 64-bit unsigned integer`);
  return b;
}

function checkNoNul(s: string, what: string): void {
  if (s.includes('\0')) throw new FdtError(`${what}: strings in a device tree cannot contain NUL`);
}

export class FdtNode {
  readonly name: string;
  readonly props: FdtProperty[] = [];
  readonly children: FdtNode[] = [];
  /**
   * Fixed phandle number. When unset and the node needs one (it is referenced from a cell, or has a
   * `phandle`-typed property), the serializer assigns the next free number. Machines that must match
   * another implementation's numbering (QEMU's) set it explicitly.
   */
  phandle: number | undefined;
  private parentNode: FdtNode | undefined;

  /**
   * `lenient` is for the reader: a blob from elsewhere may use names the specification does not
   * allow, and refusing to parse it would help nobody.
   */
  constructor(name: string, options: { lenient?: boolean } = {}) {
    if (!options.lenient && name !== '' && !NODE_NAME_RE.test(name)) {
      throw new FdtError(`invalid node name '${name}'`);
    }
    if (name.includes('/') || name.includes('\0')) throw new FdtError(`invalid node name '${name}'`);
    this.name = name;
  }

  get parent(): FdtNode | undefined {
    return this.parentNode;
  }

  /** Absolute path, `/` for the root. */
  get path(): string {
    if (!this.parentNode) return '/';
    const up = this.parentNode.path;
    return up === '/' ? `/${this.name}` : `${up}/${this.name}`;
  }

  addChild(name: string, options: { lenient?: boolean } = {}): FdtNode {
    if (this.children.some((c) => c.name === name)) {
      throw new FdtError(`node '${this.path}' already has a child '${name}'`);
    }
    const child = new FdtNode(name, options);
    child.parentNode = this;
    this.children.push(child);
    return child;
  }

  child(name: string): FdtNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** Finds a node by path relative to this node (`a/b`) or absolute from its root (`/a/b`). */
  find(path: string): FdtNode | undefined {
    let node: FdtNode | undefined = this;
    if (path.startsWith('/')) {
      while (node.parentNode) node = node.parentNode;
    }
    for (const part of path.split('/')) {
      if (part === '') continue;
      node = node.child(part);
      if (!node) return undefined;
    }
    return node;
  }

  prop(name: string): FdtProperty | undefined {
    return this.props.find((p) => p.name === name);
  }

  /** Sets a property; an existing property keeps its position, a new one goes last. */
  set(name: string, value: FdtValue, options: { lenient?: boolean } = {}): this {
    if (!options.lenient && !PROP_NAME_RE.test(name)) throw new FdtError(`invalid property name '${name}'`);
    validateValue(name, value);
    const existing = this.prop(name);
    if (existing) existing.value = value;
    else this.props.push({ name, value });
    return this;
  }

  setEmpty(name: string): this {
    return this.set(name, { type: 'empty' });
  }

  setCells(name: string, ...cells: FdtCell[]): this {
    return this.set(name, { type: 'cells', cells });
  }

  setU64(name: string, ...values: (number | bigint)[]): this {
    return this.set(name, { type: 'u64', values: values.map((v) => toU64(v, name)) });
  }

  setString(name: string, value: string): this {
    return this.set(name, { type: 'string', value });
  }

  setStrings(name: string, ...values: string[]): this {
    return this.set(name, { type: 'strings', values });
  }

  setBytes(name: string, bytes: Uint8Array): this {
    return this.set(name, { type: 'bytes', bytes: bytes.slice() });
  }

  /**
   * Places this node's `phandle` property here in the property order. `fixed` pins the number;
   * otherwise one is assigned at serialization.
   */
  setPhandle(fixed?: number): this {
    if (fixed !== undefined) this.phandle = fixed;
    return this.set('phandle', { type: 'phandle' });
  }

  remove(name: string): boolean {
    const i = this.props.findIndex((p) => p.name === name);
    if (i < 0) return false;
    this.props.splice(i, 1);
    return true;
  }

  removeChild(name: string): boolean {
    const i = this.children.findIndex((c) => c.name === name);
    if (i < 0) return false;
    this.children[i].parentNode = undefined;
    this.children.splice(i, 1);
    return true;
  }
}

function validateValue(name: string, value: FdtValue): void {
  switch (value.type) {
    case 'cells':
      for (const c of value.cells) if (typeof c === 'number') checkU32(c, name);
      break;
    case 'u64':
      for (const v of value.values) toU64(v, name);
      break;
    case 'string':
      checkNoNul(value.value, name);
      break;
    case 'strings':
      for (const s of value.values) checkNoNul(s, name);
      break;
    case 'empty':
    case 'bytes':
    case 'phandle':
      break;
  }
}

export class FdtTree {
  readonly root = new FdtNode('');
  readonly reservations: FdtReservation[] = [];
  /** Header field boot_cpuid_phys. */
  bootCpuidPhys = 0;

  addReservation(address: number | bigint, size: number | bigint): void {
    this.reservations.push({ address: toU64(address, 'reservation address'), size: toU64(size, 'reservation size') });
  }

  find(path: string): FdtNode | undefined {
    return this.root.find(path);
  }
}

export interface SerializeOptions {
  /**
   * Total size of the blob in bytes. The free space after the strings block is zero-filled and
   * counted in the header's totalsize, as `dtc -S` does, so software that edits the tree in place
   * (fdt_open_into on the same buffer) has room. Must be at least the packed size.
   * Default: no padding, totalsize is the packed size.
   */
  padTo?: number;
}

/** Growable big-endian byte buffer. */
class ByteSink {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0);
    this.length += 4;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  align4(): void {
    const pad = (4 - (this.length % 4)) % 4;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const utf8 = new TextEncoder();

function cstring(s: string): Uint8Array {
  const body = utf8.encode(s);
  const out = new Uint8Array(body.length + 1);
  out.set(body);
  return out;
}

/**
 * The strings block. A name that already occurs in the table, including as the tail of a longer
 * name ("cells" inside "#size-cells"), reuses that offset, the same sharing dtc and libfdt do, so
 * the block is no larger than theirs for the same tree.
 */
class StringTable {
  private table = Buffer.alloc(0);
  private readonly offsets = new Map<string, number>();

  offsetOf(name: string): number {
    const known = this.offsets.get(name);
    if (known !== undefined) return known;
    const entry = cstring(name);
    let off = this.table.indexOf(entry);
    if (off < 0) {
      off = this.table.length;
      this.table = Buffer.concat([this.table, entry]);
    }
    this.offsets.set(name, off);
    return off;
  }

  result(): Uint8Array {
    return new Uint8Array(this.table);
  }
}

/**
 * Phandle numbers for every node that needs one: those with a fixed number keep it, the rest get
 * numbers above the highest fixed one, in depth-first order, so numbering does not depend on
 * anything but the tree.
 */
function assignPhandles(root: FdtNode): Map<FdtNode, number> {
  const inTree = new Set<FdtNode>();
  const needed = new Set<FdtNode>();
  const order: FdtNode[] = [];
  const walk = (n: FdtNode): void => {
    inTree.add(n);
    order.push(n);
    for (const p of n.props) {
      if (p.value.type === 'phandle') needed.add(n);
      if (p.value.type === 'cells') for (const c of p.value.cells) if (typeof c !== 'number') needed.add(c);
    }
    for (const c of n.children) walk(c);
  };
  walk(root);
  for (const n of needed) {
    if (!inTree.has(n)) throw new FdtError(`a property refers to node '${n.path}', which is not in this tree`);
  }

  const map = new Map<FdtNode, number>();
  const used = new Map<number, FdtNode>();
  let highest = 0;
  for (const n of order) {
    if (n.phandle === undefined) continue;
    const ph = n.phandle;
    if (!Number.isInteger(ph) || ph < 1 || ph >= U32_MAX) {
      throw new FdtError(`node '${n.path}': phandle ${ph} is out of range 1..0xfffffffe`);
    }
    const other = used.get(ph);
    if (other) throw new FdtError(`nodes '${other.path}' and '${n.path}' both have phandle ${ph}`);
    used.set(ph, n);
    map.set(n, ph);
    highest = Math.max(highest, ph);
  }
  for (const n of order) {
    if (!needed.has(n) || map.has(n)) continue;
    highest += 1;
    if (highest >= U32_MAX) throw new FdtError('out of phandle numbers');
    map.set(n, highest);
  }
  return map;
}

/** Encodes a property value to its bytes, with node references replaced by phandle numbers. */
export function encodeValue(value: FdtValue, phandleOf: (n: FdtNode) => number, self?: FdtNode): Uint8Array {
  switch (value.type) {
    case 'empty':
      return new Uint8Array(0);
    case 'cells': {
      const out = new Uint8Array(value.cells.length * 4);
      const dv = new DataView(out.buffer);
      value.cells.forEach((c, i) => dv.setUint32(i * 4, typeof c === 'number' ? c : phandleOf(c)));
      return out;
    }
    case 'u64': {
      const out = new Uint8Array(value.values.length * 8);
      const dv = new DataView(out.buffer);
      value.values.forEach((v, i) => dv.setBigUint64(i * 8, v));
      return out;
    }
    case 'string':
      return cstring(value.value);
    case 'strings': {
      const parts = value.values.map(cstring);
      const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    }
    case 'bytes':
      return value.bytes.slice();
    case 'phandle': {
      if (!self) throw new FdtError('a phandle property needs its node');
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, phandleOf(self));
      return out;
    }
  }
}

export function serializeFdt(tree: FdtTree, options: SerializeOptions = {}): Uint8Array {
  const phandles = assignPhandles(tree.root);
  const phandleOf = (n: FdtNode): number => {
    const ph = phandles.get(n);
    if (ph === undefined) throw new FdtError(`node '${n.path}' has no phandle`);
    return ph;
  };

  const strings = new StringTable();
  const struct = new ByteSink();

  const emitProp = (name: string, data: Uint8Array): void => {
    struct.u32(FDT_PROP);
    struct.u32(data.length);
    struct.u32(strings.offsetOf(name));
    struct.bytes(data);
    struct.align4();
  };

  const emitNode = (node: FdtNode): void => {
    struct.u32(FDT_BEGIN_NODE);
    struct.bytes(cstring(node.name));
    struct.align4();
    let hasPhandleProp = false;
    for (const p of node.props) {
      if (p.name === 'phandle') hasPhandleProp = true;
      emitProp(p.name, encodeValue(p.value, phandleOf, node));
    }
    // A node referenced only from cells still needs a phandle property, placed last as dtc does.
    if (!hasPhandleProp && phandles.has(node)) {
      emitProp('phandle', encodeValue({ type: 'phandle' }, phandleOf, node));
    }
    for (const c of node.children) emitNode(c);
    struct.u32(FDT_END_NODE);
  };

  emitNode(tree.root);
  struct.u32(FDT_END);

  const structBytes = struct.result();
  const stringBytes = strings.result();

  const offRsvmap = FDT_HEADER_SIZE; // 40 is already 8-byte aligned, as the reservation block must be
  const rsvSize = (tree.reservations.length + 1) * 16;
  const offStruct = offRsvmap + rsvSize;
  const offStrings = offStruct + structBytes.length;
  const packed = offStrings + stringBytes.length;

  let total = packed;
  if (options.padTo !== undefined) {
    checkU32(options.padTo, 'padTo');
    if (options.padTo < packed) {
      throw new FdtError(`the device tree needs ${packed} bytes, more than padTo (${options.padTo})`);
    }
    total = options.padTo;
  }

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const header = [
    FDT_MAGIC,
    total,
    offStruct,
    offStrings,
    offRsvmap,
    FDT_VERSION,
    FDT_LAST_COMP_VERSION,
    tree.bootCpuidPhys,
    stringBytes.length,
    structBytes.length,
  ];
  checkU32(tree.bootCpuidPhys, 'bootCpuidPhys');
  header.forEach((v, i) => dv.setUint32(i * 4, v));
  tree.reservations.forEach((r, i) => {
    dv.setBigUint64(offRsvmap + i * 16, r.address);
    dv.setBigUint64(offRsvmap + i * 16 + 8, r.size);
  });
  out.set(structBytes, offStruct);
  out.set(stringBytes, offStrings);
  return out;
}
