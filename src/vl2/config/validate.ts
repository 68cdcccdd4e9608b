// Validation of an expanded machine document against the schema, before any command runs. Each
// section is checked by the schema's own Validator as the argument type of the command it becomes,
// so the messages are QEMU's; the error's parameter name is then traced back through Origins to the
// file position (and template frame) of the offending value.

import { createTypeRegistry } from '../../hw/devices/index.ts';
import type { MachineDocument } from '../../hw/machine/document.ts';
import type { TypeRegistry } from '../../hw/qom/types.ts';
import { QmpError } from '../../shared/errors.ts';
import { SizeError, parseSize, sizePropertyError } from '../../shared/size.ts';
import type { TypeRef } from '../../qmp/schema/dsl.ts';
import type { SchemaRegistry } from '../../qmp/schema/registry.ts';
import { Validator } from '../../qmp/schema/validate.ts';
import { type Origin, type Origins, isPlainObject } from './expand.ts';
import { ConfigError } from './source.ts';

type Path = (string | number)[];

/**
 * Turns a parameter name as the Validator writes it ('backend.data.out', 'file.filename',
 * 'boot[0]') into a path below `root`. A key that itself contains dots is matched whole when the
 * object has it.
 */
export function nameToPath(root: unknown, name: string): Path {
  const path: Path = [];
  const parts = name.split('.');
  let cur: unknown = root;
  let i = 0;
  while (i < parts.length) {
    let consumed = 1;
    let key = parts[i];
    if (isPlainObject(cur)) {
      // Prefer the longest run of parts that names an existing key.
      for (let j = parts.length; j > i + 1; j--) {
        const joined = parts.slice(i, j).join('.');
        if (joined in cur) {
          key = joined;
          consumed = j - i;
          break;
        }
      }
    }
    const m = /^(.*?)((?:\[\d+\])*)$/.exec(key)!;
    const base = m[1];
    const indexes = [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
    if (base !== '') {
      path.push(base);
      cur = isPlainObject(cur) ? cur[base] : undefined;
    }
    for (const ix of indexes) {
      path.push(ix);
      cur = Array.isArray(cur) ? cur[ix] : undefined;
    }
    i += consumed;
  }
  return path;
}

/** The parameter a QEMU-style message is about, and whether it points at a key rather than a value. */
export function parameterOf(message: string): { name: string; part: 'value' | 'key' } | undefined {
  const m = /^(?:Parameter|Invalid parameter type for|Property) '([^']*)'/.exec(message);
  if (!m) return undefined;
  return { name: m[1], part: / is unexpected$| not found$/.test(message) ? 'key' : 'value' };
}

export class DocumentValidator {
  private readonly validator: Validator;
  private readonly types: TypeRegistry = createTypeRegistry();

  constructor(private readonly registry: SchemaRegistry, private readonly origins: Origins) {
    this.validator = new Validator(registry);
  }

  /** Converts size strings ('256M') to bytes in place, then validates every section. */
  check(doc: MachineDocument): void {
    const args = (cmd: string) => this.registry.argTypeOf(this.registry.command(cmd));
    if (doc.machine !== undefined) {
      this.section(doc, ['machine'], (v) => {
        this.sizes(args('machine-set'), v, '');
        this.validator.value(args('machine-set'), v, '', 'json');
      });
    }
    if (doc.accel !== undefined) {
      this.section(doc, ['accel'], (v) => this.validator.value(args('accel-set'), { accel: v }, '', 'json'), 'accel');
    }
    if (doc.actions !== undefined) {
      this.section(doc, ['actions'], (v) => this.validator.value(args('set-action'), v, '', 'json'));
    }
    (doc.objects ?? []).forEach((_o, i) => this.section(doc, ['objects', i], (v) => {
      this.sizes(args('object-add'), v, '');
      this.validator.value(args('object-add'), v, '', 'json');
    }));
    doc.chardevs.forEach((_c, i) => this.section(doc, ['chardevs', i], (v) => {
      this.sizes(args('chardev-add'), v, '');
      this.validator.value(args('chardev-add'), v, '', 'json');
    }));
    doc.blockdevs.forEach((_b, i) => this.section(doc, ['blockdevs', i], (v) => {
      this.sizes(args('blockdev-add'), v, '');
      this.validator.value(args('blockdev-add'), v, '', 'json');
    }));
    doc.devices.forEach((_d, i) => this.section(doc, ['devices', i], (v) => {
      if (!isPlainObject(v)) throw new QmpError("Invalid parameter type for 'device', expected: object");
      // The declared members are checked here; device properties are the dispatcher's (they depend
      // on the device type), but size properties get the same unit suffixes as everywhere else.
      this.validator.members(this.registry.structMembers(args('device_add')), v, '', 'json', {});
      this.deviceSizes(v);
    }));
  }

  private section(doc: MachineDocument, path: Path, run: (v: unknown) => void, renameFrom?: string): void {
    let v: unknown = doc;
    for (const k of path) v = (v as Record<string | number, unknown>)[k];
    try {
      run(v);
    } catch (e) {
      if (!(e instanceof QmpError) || e instanceof ConfigError) throw e;
      throw this.positioned(e.message, doc, path, renameFrom);
    }
  }

  /** A ConfigError for a QEMU-style message about a value at `path` (or below it). */
  positioned(message: string, root: unknown, path: Path, scalarName?: string): ConfigError {
    const param = parameterOf(message);
    let origin: Origin | undefined;
    const base = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)?.[k], root);
    if (param && param.name !== scalarName) {
      const rel = nameToPath(base, param.name);
      origin = this.origins.at(root, [...path, ...rel], param.part);
    }
    origin ??= this.origins.at(root, path);
    return new ConfigError(message, origin?.pos, origin?.context ?? []);
  }

  private sizes(ref: TypeRef, v: unknown, name: string): unknown {
    const t = this.registry.resolve(ref);
    const join = (m: string) => (name ? `${name}.${m}` : m);
    switch (t.kind) {
      case 'builtin':
        return t.name === 'size' && typeof v === 'string' ? toSize(v, name) : v;
      case 'array':
        if (Array.isArray(v)) v.forEach((e, i) => { v[i] = this.sizes(t.element[0], e, `${name}[${i}]`); });
        return v;
      case 'struct':
        if (isPlainObject(v)) for (const m of t.members) if (m.name in v) v[m.name] = this.sizes(m.type, v[m.name], join(m.name));
        return v;
      case 'union':
        if (isPlainObject(v)) {
          const tag = v[t.discriminator];
          const branch = typeof tag === 'string' ? t.variants[tag] : undefined;
          const members = [...t.base, ...(branch ? this.registry.structMembers(branch) : [])];
          for (const m of members) if (m.name in v) v[m.name] = this.sizes(m.type, v[m.name], join(m.name));
        }
        return v;
      case 'alternate': {
        // Descend only where the JSON type picks the branch unambiguously, as the Validator will.
        for (const b of Object.values(t.branches)) {
          const bt = this.registry.resolve(b);
          if ((bt.kind === 'struct' || bt.kind === 'union') && isPlainObject(v)) return this.sizes(b, v, name);
          if (bt.kind === 'array' && Array.isArray(v)) return this.sizes(b, v, name);
        }
        return v;
      }
      default:
        return v;
    }
  }

  private deviceSizes(dev: Record<string, unknown>): void {
    if (typeof dev.driver !== 'string' || !this.types.get(dev.driver)) return;
    for (const p of this.types.properties(dev.driver)) {
      if (p.type === 'size' && typeof dev[p.name] === 'string') dev[p.name] = toSize(dev[p.name] as string, p.name);
    }
  }
}

function toSize(s: string, name: string): number {
  try {
    return parseSize(s);
  } catch (e) {
    if (e instanceof SizeError) throw new QmpError(sizePropertyError(name));
    throw e;
  }
}
