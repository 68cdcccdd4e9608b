// Input validation against the schema, with QEMU's error texts. Two modes, as QEMU's input visitors:
// 'json' (QMP, JSON config files: values carry JSON types) and 'keyval' (command-line key=value
// syntax: every scalar is a string, converted according to the declared type). The validator also
// speaks 'opts': keyval values with the texts of QEMU's QemuOpts-based options visitor, which
// parses -object in its key=value form.
//
// Order of checks follows QEMU's visitor: members in declaration order (a missing member is reported
// when it is reached, so before any unexpected one), then leftovers are unexpected. Nothing is
// changed before validation passes: the result is a fresh object with defaults filled in.

import { QmpError } from '../../shared/errors.ts';
import { parseSizeBig } from '../../shared/size.ts';
import type { NormalMember, TypeRef } from './dsl.ts';
import type { SchemaRegistry } from './registry.ts';

export type InputMode = 'json' | 'keyval';
/** The validator's modes: the input modes, and keyval as QemuOpts reports its errors. */
export type ValidateMode = InputMode | 'opts';

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n], int16: [-32768n, 32767n], int32: [-2147483648n, 2147483647n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n], int: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 255n], uint16: [0n, 65535n], uint32: [0n, 4294967295n], uint64: [0n, 2n ** 64n - 1n],
  size: [0n, 2n ** 64n - 1n],
};

function typeError(name: string, expected: string): QmpError {
  return new QmpError(`Invalid parameter type for '${name}', expected: ${expected}`);
}

function valueError(name: string, expected: string): QmpError {
  return new QmpError(`Parameter '${name}' expects ${expected}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class Validator {
  constructor(private readonly registry: SchemaRegistry) {}

  /** Validates a value of type `ref`; `name` is the full name used in messages. */
  value(ref: TypeRef, v: unknown, name: string, mode: ValidateMode): unknown {
    const t = this.registry.resolve(ref);
    switch (t.kind) {
      case 'builtin':
        return this.builtin(t.name, v, name, mode);
      case 'enum': {
        if (typeof v !== 'string') throw typeError(name, 'string');
        if (!t.values.includes(v)) throw new QmpError(`Parameter '${name}' does not accept value '${v}'`);
        return v;
      }
      case 'array': {
        const list = mode !== 'json' && isPlainObject(v) ? this.keyvalList(v, name) : v;
        if (!Array.isArray(list)) throw typeError(name, 'array');
        return list.map((e, i) => this.value(t.element[0], e, `${name}[${i}]`, mode));
      }
      case 'struct': {
        if (!isPlainObject(v)) throw typeError(name, 'object');
        const out: Record<string, unknown> = {};
        const seen = this.members(t.members, v, name, mode, out);
        this.rejectUnexpected(v, seen, name, mode);
        return out;
      }
      case 'union': {
        if (!isPlainObject(v)) throw typeError(name, 'object');
        const out: Record<string, unknown> = {};
        const seen = this.members(t.base, v, name, mode, out);
        const tag = out[t.discriminator] as string;
        const branch = t.variants[tag];
        if (branch) {
          for (const n of this.members(this.registry.structMembers(branch), v, name, mode, out)) seen.add(n);
        }
        this.rejectUnexpected(v, seen, name, mode);
        return out;
      }
      case 'alternate':
        return this.alternate(t.name, t.branches, v, name, mode);
    }
  }

  /** Validates the members of a struct-like object, writing validated members into out. */
  members(members: NormalMember[], v: Record<string, unknown>, prefix: string, mode: ValidateMode, out: Record<string, unknown>): Set<string> {
    const seen = new Set<string>();
    for (const m of members) {
      const full = prefix ? `${prefix}.${m.name}` : m.name;
      seen.add(m.name);
      if (!(m.name in v) || v[m.name] === undefined) {
        if (!m.optional) throw new QmpError(`Parameter '${full}' is missing`);
        if (m.default !== undefined) out[m.name] = structuredClone(m.default);
        continue;
      }
      out[m.name] = this.value(m.type, v[m.name], full, mode);
    }
    return seen;
  }

  rejectUnexpected(v: Record<string, unknown>, seen: Set<string>, prefix: string, mode: ValidateMode): void {
    for (const k of Object.keys(v)) {
      if (seen.has(k)) continue;
      const full = prefix ? `${prefix}.${k}` : k;
      throw new QmpError(mode === 'opts' ? `Invalid parameter '${full}'` : `Parameter '${full}' is unexpected`);
    }
  }

  private builtin(type: string, v: unknown, name: string, mode: ValidateMode): unknown {
    if (type === 'any') return v;
    if (mode !== 'json' && typeof v === 'string') return this.keyvalScalar(type, v, name, mode);
    switch (type) {
      case 'str':
        if (typeof v !== 'string') throw typeError(name, 'string');
        return v;
      case 'bool':
        if (typeof v !== 'boolean') throw typeError(name, 'boolean');
        return v;
      case 'number':
        if (typeof v !== 'number') throw typeError(name, 'number');
        return v;
      case 'null':
        if (v !== null) throw typeError(name, 'null');
        return v;
      default: {
        if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(name, 'integer');
        const [lo, hi] = INT_RANGES[type];
        if (BigInt(v) < lo || BigInt(v) > hi) throw valueError(name, type === 'int' || type === 'size' ? 'integer' : type);
        return v;
      }
    }
  }

  private keyvalScalar(type: string, s: string, name: string, mode: ValidateMode): unknown {
    switch (type) {
      case 'str':
        return s;
      case 'bool':
        if (s === 'on' || s === 'yes' || s === 'true') return true;
        if (s === 'off' || s === 'no' || s === 'false') return false;
        throw valueError(name, "'on' or 'off'");
      case 'number': {
        const n = Number(s);
        if (s.trim() === '' || !Number.isFinite(n)) throw valueError(name, 'number');
        return n;
      }
      case 'null':
        if (s === '') return null;
        throw valueError(name, 'null');
      case 'size': {
        let n: bigint;
        try {
          n = parseSizeBig(s);
        } catch {
          throw valueError(name, mode === 'opts' ? 'a size value' : 'size');
        }
        if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw valueError(name, 'size below 2^53');
        return Number(n);
      }
      default: {
        if (!/^[-+]?(0x[0-9a-fA-F]+|\d+)$/.test(s)) throw valueError(name, 'integer');
        const neg = s.startsWith('-');
        const body = s.replace(/^[-+]/, '');
        const b = neg ? -BigInt(body) : BigInt(body);
        const [lo, hi] = INT_RANGES[type];
        if (b < lo || b > hi) throw valueError(name, type === 'int' ? 'integer' : type);
        return Number(b);
      }
    }
  }

  /** keyval writes arrays as objects with keys 0, 1, 2 ... (dotted keys `a.0=x,a.1=y`). */
  private keyvalList(v: Record<string, unknown>, name: string): unknown[] {
    const keys = Object.keys(v);
    const out: unknown[] = [];
    for (let i = 0; i < keys.length; i++) {
      if (!(String(i) in v)) throw new QmpError(`Parameter '${name}[${i}]' is missing`);
      out.push(v[String(i)]);
    }
    return out;
  }

  private alternate(typeName: string, branches: Record<string, TypeRef>, v: unknown, name: string, mode: ValidateMode): unknown {
    // Pick the branch whose JSON type matches, as QEMU's alternate visitor does. In keyval mode a
    // string matches a scalar branch first and an object matches a struct-like branch.
    for (const ref of Object.values(branches)) {
      const t = this.registry.resolve(ref);
      const scalarJsonType = t.kind === 'builtin' ? t.name : t.kind === 'enum' ? 'str' : undefined;
      const structLike = t.kind === 'struct' || t.kind === 'union';
      if (structLike && isPlainObject(v)) return this.value(ref, v, name, mode);
      if (t.kind === 'array' && Array.isArray(v)) return this.value(ref, v, name, mode);
      if (scalarJsonType) {
        if (mode !== 'json' && typeof v === 'string') return this.value(ref, v, name, mode);
        if (scalarJsonType === 'str' && typeof v === 'string') return this.value(ref, v, name, mode);
        if (scalarJsonType === 'bool' && typeof v === 'boolean') return v;
        if (scalarJsonType === 'null' && v === null) return v;
        if (scalarJsonType === 'number' && typeof v === 'number') return v;
        if (INT_RANGES[scalarJsonType] && typeof v === 'number') return this.value(ref, v, name, mode);
      }
    }
    throw typeError(name, typeName);
  }
}
