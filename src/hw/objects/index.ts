// User-creatable objects (QEMU's -object / object-add): backends that live under /objects in the
// object tree, neither devices nor block nodes. An object is created complete or not at all; while
// something uses it (the machine's RAM uses its memory backend) object-del refuses to remove it.
//
// emu's types: 'secret' (a password or key, inline or from a file, raw or base64),
// 'memory-backend-ram' (the machine's RAM when machine-set's memory-backend names it), and the rng
// backends of virtio-rng-device: 'rng-builtin' (the host's CSPRNG) and 'rng-random' (a file such as
// /dev/urandom, opened when the object is created).

import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { QmpError } from '../../shared/errors.ts';
import type { ObjectOptions } from '../../qmp/generated/schema-types.ts';
import { QomObject } from '../qom/object.ts';
import type { TypeInfo, TypeRegistry } from '../qom/types.ts';
import { strerror } from '../../shared/errno.ts';

export const USER_CREATABLE = 'user-creatable';

export const objectTypes: TypeInfo[] = [
  { name: 'secret_common', parent: 'object', abstract: true, interfaces: [USER_CREATABLE], doc: 'A secret.' },
  { name: 'secret', parent: 'secret_common', doc: 'A secret given inline (data=) or read from a file (file=), raw or base64.',
    properties: [
      // Without descriptions, as QEMU's secret properties are.
      { name: 'data', type: 'str', doc: '' },
      { name: 'file', type: 'str', doc: '' },
      { name: 'format', type: 'enum', values: ['raw', 'base64'], default: 'raw', doc: '' },
    ] },
  { name: 'memory-backend', parent: 'object', abstract: true, interfaces: [USER_CREATABLE], doc: 'Host memory for the guest.',
    properties: [{ name: 'size', type: 'size', doc: 'Size of the memory region (ex: 500M)' }] },
  { name: 'memory-backend-ram', parent: 'memory-backend', doc: 'Anonymous host memory.' },
  { name: 'rng-backend', parent: 'object', abstract: true, interfaces: [USER_CREATABLE], doc: 'An entropy source for virtio-rng-device.' },
  { name: 'rng-builtin', parent: 'rng-backend', doc: "The host's cryptographic random number generator." },
  { name: 'rng-random', parent: 'rng-backend', doc: 'Entropy read from a host file or device.',
    properties: [{ name: 'filename', type: 'str', default: '/dev/urandom', doc: '' }] },
];

/** rng-builtin's source, the host's CSPRNG (also a virtio-rng-device's without rng=, as in QEMU). */
export const builtinEntropy = (buf: Uint8Array): void => { randomFillSync(buf); };

export class UserObject extends QomObject {
  /** What uses the object (a QOM path); object-del refuses while any. */
  readonly users = new Set<string>();
  /** A secret's value, decoded. */
  secret: Uint8Array | undefined;
  /** An rng backend's source: fills a buffer with entropy. */
  entropy: ((buf: Uint8Array) => void) | undefined;
  /** Releases what the object holds on the host (rng-random's open file). */
  dispose: (() => void) | undefined;

  get id(): string {
    return this.name;
  }
}

const BASE64_CHARS = /^[A-Za-z0-9+/=]*$/;

/** QEMU's qcrypto_secret_load: exactly one source, the file read now, base64 checked and decoded. */
function loadSecret(o: UserObject): void {
  const data = o.props.data as string | undefined;
  const file = o.props.file as string | undefined;
  if (data !== undefined && file !== undefined) throw new QmpError("'file' and 'data' are mutually exclusive");
  let raw: Buffer;
  if (data !== undefined) raw = Buffer.from(data, 'utf8');
  else if (file !== undefined) {
    try {
      raw = readFileSync(file);
    } catch (e) {
      const why = strerror(e);
      throw new QmpError(`Unable to read ${file}: Failed to open file \u201c${file}\u201d: ${why}`);
    }
  } else throw new QmpError("Either 'file' or 'data' must be provided");
  if (o.get('format') === 'base64') {
    const text = raw.toString('latin1');
    if (!BASE64_CHARS.test(text)) throw new QmpError('Base64 data contains invalid characters');
    raw = Buffer.from(text, 'base64');
  }
  o.secret = new Uint8Array(raw);
}

/** QEMU's rng-random: the file is opened now and read on demand. */
function openRandom(o: UserObject): void {
  const filename = o.get('filename') as string;
  let fd: number;
  try {
    fd = openSync(filename, 'r');
  } catch (e) {
    const why = strerror(e);
    throw new QmpError(`Could not open '${filename}': ${why}`);
  }
  o.entropy = (buf) => {
    // A device (/dev/urandom) may return less than asked; a regular file is read from its start again.
    for (let done = 0; done < buf.length;) {
      const n = readSync(fd, buf, done, buf.length - done, null);
      if (n === 0) {
        if (done === 0 && readSync(fd, buf, 0, buf.length, 0) === 0) throw new Error(`rng-random: '${filename}' gives no data`);
        continue;
      }
      done += n;
    }
  };
  o.dispose = () => closeSync(fd);
}

/** The objects of a machine: the children of /objects. */
export class UserObjects {
  constructor(private readonly types: TypeRegistry, private readonly folder: QomObject) {}

  /** object-add with its arguments validated by the schema (ObjectOptions). */
  add(args: ObjectOptions): UserObject {
    const { 'qom-type': typeName, id, ...props } = args as ObjectOptions & Record<string, unknown>;
    const type = this.types.get(typeName);
    if (!type || type.abstract || !this.types.isA(typeName, USER_CREATABLE)) throw new QmpError(`invalid object type: ${typeName}`);
    const o = new UserObject(type, this.types.properties(typeName));
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined) continue;
      if (!o.decl(k)) throw new QmpError(`Property '${typeName}.${k}' not found`);
      o.props[k] = v;
    }
    if (this.folder.children.has(id)) throw new QmpError(`attempt to add duplicate property '${id}' to object (type 'container')`);
    if (this.types.isA(typeName, 'secret_common')) loadSecret(o);
    if (typeName === 'rng-builtin') o.entropy = builtinEntropy;
    if (typeName === 'rng-random') openRandom(o);
    if (this.types.isA(typeName, 'memory-backend') && !o.props.size) {
      throw new QmpError(`property 'size' of ${typeName} doesn't take value '0'`);
    }
    this.folder.addChild(id, o);
    return o;
  }

  del(id: string): void {
    const o = this.get(id);
    if (!o) throw new QmpError(`object '${id}' not found`);
    if (o.users.size) throw new QmpError(`object '${id}' is in use, can not be deleted`);
    this.folder.removeChild(o);
    o.dispose?.();
  }

  get(id: string): UserObject | undefined {
    const o = this.folder.children.get(id);
    return o instanceof UserObject ? o : undefined;
  }

  /** The object a link property names, by id or by its path under /objects. */
  resolve(idOrPath: string): UserObject | undefined {
    return this.get(idOrPath.startsWith('/objects/') ? idOrPath.slice('/objects/'.length) : idOrPath);
  }

  /** In creation order. */
  list(): UserObject[] {
    return [...this.folder.children.values()].filter((o): o is UserObject => o instanceof UserObject);
  }

  /** The object-add arguments that recreate each object (the machine document's `objects`). */
  entries(): Record<string, unknown>[] {
    return this.list().map((o) => {
      const entry: Record<string, unknown> = { 'qom-type': o.type.name, id: o.id };
      for (const d of o.propertyDecls) {
        const v = o.props[d.name];
        if (v !== undefined && v !== d.default) entry[d.name] = v;
      }
      return entry;
    });
  }

  /**
   * A device property takes an object (QEMU's link property): by id or by its path under /objects,
   * with QEMU's messages for one that is missing or of another type.
   */
  claim(user: string, prop: string, idOrPath: string, type: string): UserObject {
    const o = this.resolve(idOrPath);
    if (!o) throw new QmpError(`Device '${idOrPath}' not found`, 'DeviceNotFound');
    if (!this.types.isA(o.type.name, type)) throw new QmpError(`Invalid parameter type for '${prop}', expected: ${type}`);
    o.users.add(user);
    return o;
  }

  /** The user no longer uses the object (named as it was claimed: id or path). */
  release(user: string, idOrPath: string): void {
    this.resolve(idOrPath)?.users.delete(user);
  }

  /**
   * QEMU's qemu_resolve_machine_memdev and the check in machine_run_board_init: the backend must be a
   * memory backend, and a RAM size given as well must equal its size. Returns the RAM size.
   */
  machineMemory(id: string, memory: number | undefined): { backend: UserObject; size: number } {
    const backend = this.get(id);
    if (!backend || !this.types.isA(backend.type.name, 'memory-backend')) throw new QmpError(`Memory backend '${id}' not found`);
    const size = backend.get('size') as number;
    if (memory !== undefined && memory !== size) throw new QmpError('Machine memory size does not match the size of the memory backend');
    return { backend, size };
  }
}

/** QEMU's names of property types in `-object TYPE,help`. */
function helpTypeName(type: string, prop: string, kind: string): string {
  if (type.startsWith('secret') && prop === 'format') return 'QCryptoSecretFormat';
  return kind === 'str' ? 'string' : kind === 'size' ? 'int' : kind;
}

/**
 * `-object help` (the types, sorted) and `-object TYPE,help` (its properties, sorted, each with its
 * description after a dash in QEMU's layout). Undefined when TYPE is not a user-creatable type.
 */
export function objectHelp(types: TypeRegistry, type: string): string | undefined {
  const creatable = types.all().filter((t) => !t.abstract && types.isA(t.name, USER_CREATABLE)).map((t) => t.name).sort();
  if (type === '') return `List of user creatable objects:\n${creatable.map((n) => `  ${n}\n`).join('')}`;
  if (!creatable.includes(type)) return undefined;
  const props = types.properties(type).slice().sort((a, b) => (a.name < b.name ? -1 : 1));
  if (!props.length) return `There are no options for ${type}.\n`;
  return `${type} options:\n${props.map((p) => {
    const head = `  ${p.name}=<${helpTypeName(type, p.name, p.type)}>`;
    return p.doc ? `${head.padEnd(24)} - ${p.doc}\n` : `${head}\n`;
  }).join('')}`;
}
