// The resolved schema: every declaration indexed by name, with struct bases and union branches
// flattened into member lists. Built once at start-up from the declarations in this folder.

import { QmpError } from '../../shared/errors.ts';
import {
  BUILTIN_TYPES, type BuiltinType, type CommandDecl, type Declaration, type EventDecl, type NormalMember,
  type TypeRef, declName, isAlternate, isCommand, isEnum, isEvent, isStruct, isUnion, normalizeMembers,
} from './dsl.ts';

export type ResolvedType =
  | { kind: 'builtin'; name: BuiltinType }
  | { kind: 'array'; name: string; element: TypeRef }
  | { kind: 'enum'; name: string; values: readonly string[]; doc: string }
  | { kind: 'struct'; name: string; members: NormalMember[]; doc: string }
  | { kind: 'union'; name: string; base: NormalMember[]; discriminator: string; variants: Record<string, string>; doc: string }
  | { kind: 'alternate'; name: string; branches: Record<string, TypeRef>; doc: string };

export class SchemaRegistry {
  readonly declarations: readonly Declaration[];
  private readonly byName = new Map<string, Declaration>();
  private readonly resolved = new Map<string, ResolvedType>();
  readonly commands = new Map<string, CommandDecl>();
  readonly events = new Map<string, EventDecl>();
  private anonymousCount = 0;

  constructor(declarations: readonly Declaration[]) {
    const all: Declaration[] = [];
    for (const d of declarations) {
      const name = declName(d);
      if (this.byName.has(name)) throw new Error(`schema: '${name}' is declared twice`);
      this.byName.set(name, d);
      all.push(d);
      if (isCommand(d)) this.commands.set(name, d);
      if (isEvent(d)) this.events.set(name, d);
    }
    this.declarations = all;
    // Commands and events with inline members get an implicit argument struct, as QAPI does.
    for (const d of all) {
      if ((isCommand(d) || isEvent(d)) && d.data !== undefined && typeof d.data !== 'string') {
        const argName = `${declName(d)}-arg`;
        this.resolved.set(argName, { kind: 'struct', name: argName, members: normalizeMembers(d.data), doc: '' });
      }
    }
    for (const d of all) if (!isCommand(d) && !isEvent(d)) this.resolve(declName(d));
    this.checkReferences();
  }

  has(name: string): boolean {
    return this.byName.has(name) || (BUILTIN_TYPES as readonly string[]).includes(name) || this.resolved.has(name);
  }

  /** The argument type name of a command or event ('' for none). */
  argTypeOf(d: CommandDecl | EventDecl): string {
    if (d.data === undefined) return '';
    if (typeof d.data === 'string') return d.data;
    return `${declName(d)}-arg`;
  }

  resolve(ref: TypeRef): ResolvedType {
    if (Array.isArray(ref)) return { kind: 'array', name: `[${ref[0]}]`, element: ref };
    const cached = this.resolved.get(ref);
    if (cached) return cached;
    if ((BUILTIN_TYPES as readonly string[]).includes(ref)) {
      const r: ResolvedType = { kind: 'builtin', name: ref as BuiltinType };
      this.resolved.set(ref, r);
      return r;
    }
    const d = this.byName.get(ref);
    if (!d) throw new Error(`schema: type '${ref}' is not declared`);
    let r: ResolvedType;
    if (isEnum(d)) r = { kind: 'enum', name: ref, values: d.data, doc: d.doc };
    else if (isStruct(d)) {
      const base = d.base ? this.structMembers(d.base) : [];
      r = { kind: 'struct', name: ref, members: [...base, ...normalizeMembers(d.data)], doc: d.doc };
    } else if (isUnion(d)) {
      const base = typeof d.base === 'string' ? this.structMembers(d.base) : normalizeMembers(d.base);
      r = { kind: 'union', name: ref, base, discriminator: d.discriminator, variants: d.data, doc: d.doc };
    } else if (isAlternate(d)) r = { kind: 'alternate', name: ref, branches: d.data, doc: d.doc };
    else throw new Error(`schema: '${ref}' is a command or event, not a type`);
    this.resolved.set(ref, r);
    return r;
  }

  /** Members of a struct (base included). */
  structMembers(name: string): NormalMember[] {
    const r = this.resolve(name);
    if (r.kind !== 'struct') throw new Error(`schema: '${name}' is not a struct`);
    return r.members;
  }

  command(name: string): CommandDecl {
    const c = this.commands.get(name);
    if (!c) throw new QmpError(`The command ${name} has not been found`, 'CommandNotFound');
    return c;
  }

  /** Every type name reachable from the declarations (for introspection and generated types). */
  typeNames(): string[] {
    return [...this.resolved.keys()];
  }

  private checkReferences(): void {
    const check = (ref: TypeRef | undefined, where: string) => {
      if (ref === undefined) return;
      const name = Array.isArray(ref) ? ref[0] : ref;
      if (!this.has(name)) throw new Error(`schema: ${where} refers to undeclared type '${name}'`);
      if (Array.isArray(ref)) this.resolve(name);
    };
    for (const [name, r] of [...this.resolved]) {
      if (r.kind === 'struct') for (const m of r.members) check(m.type, `${name}.${m.name}`);
      if (r.kind === 'union') {
        for (const m of r.base) check(m.type, `${name}.${m.name}`);
        const disc = r.base.find((m) => m.name === r.discriminator);
        if (!disc) throw new Error(`schema: union ${name} lacks its discriminator '${r.discriminator}'`);
        const e = this.resolve(disc.type as string);
        if (e.kind !== 'enum') throw new Error(`schema: discriminator of ${name} is not an enum`);
        for (const [v, t] of Object.entries(r.variants)) {
          if (!e.values.includes(v)) throw new Error(`schema: union ${name} branch '${v}' is not a value of ${e.name}`);
          check(t, `${name} branch ${v}`);
        }
      }
      if (r.kind === 'alternate') for (const [b, t] of Object.entries(r.branches)) check(t, `${name}.${b}`);
    }
    for (const c of this.commands.values()) {
      if (typeof c.data === 'string') check(c.data, `command ${c.command}`);
      check(c.returns, `command ${c.command} return`);
    }
    for (const e of this.events.values()) if (typeof e.data === 'string') check(e.data, `event ${e.event}`);
  }

  /** Counter for anonymous names, used by introspection. */
  nextAnonymous(): number {
    return this.anonymousCount++;
  }
}
