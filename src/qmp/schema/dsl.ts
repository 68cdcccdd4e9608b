// The shape of schema declarations. The schema is plain data in the spirit of QEMU's QAPI: one
// declaration per type, command and event, with its documentation beside it. Validation, the
// generated TypeScript types, query-qmp-schema, query-commands, the emu CLI options, the JSON Schema
// of config files and docs/QMP.md are all derived from these declarations.

import type { Phase } from '../phases.ts';

/** Built-in scalar types, named as in QAPI. */
export const BUILTIN_TYPES = [
  'str', 'int', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'size', 'number', 'bool', 'null', 'any',
] as const;
export type BuiltinType = (typeof BUILTIN_TYPES)[number];

/** A type reference: a type name, or a one-element array for "array of". */
export type TypeRef = string | [string];

export interface MemberDecl {
  type: TypeRef;
  optional?: boolean;
  /** Value the handler sees when the member is absent (documentation and validation both use it). */
  default?: unknown;
  doc?: string;
  features?: string[];
}

/** Members keyed by name. A leading '*' marks an optional member, as in QAPI. */
export type Members = Record<string, TypeRef | MemberDecl>;

interface Documented {
  doc: string;
  features?: string[];
}

export interface StructDecl extends Documented {
  struct: string;
  base?: string;
  data: Members;
}

export interface EnumDecl extends Documented {
  enum: string;
  data: readonly string[];
}

/** A flat union: base members including the discriminator, plus one struct per discriminator value. */
export interface UnionDecl extends Documented {
  union: string;
  base: Members | string;
  discriminator: string;
  data: Record<string, string>;
}

/** A value of one of several types, chosen by its JSON type. */
export interface AlternateDecl extends Documented {
  alternate: string;
  data: Record<string, TypeRef>;
}

/** Where a command may run and what it does to the phase. */
export interface PhaseRule {
  /** Phases in which the command may run ('any' = every phase). */
  phases: readonly Phase[] | 'any';
  /**
   * When the machine is in an earlier phase than the command's first allowed phase, but a machine
   * exists, the dispatcher first advances the machine to that phase (running the transitions a user
   * would otherwise send by hand). Only construction commands do this; queries never do.
   */
  implicitAdvance?: boolean;
  /** The phase the machine is in after the command succeeds, if the command moves it. */
  advancesTo?: Phase;
}

export interface CommandDecl extends Documented, PhaseRule {
  command: string;
  /** Argument members, or the name of a struct/union type whose members are the arguments. */
  data?: Members | string;
  returns?: TypeRef;
  allowOob?: boolean;
  /** True when a successful run changes the machine's configuration (the state file is rewritten). */
  changesConfig?: boolean;
  /**
   * Members beyond the declared ones are passed to the handler unvalidated, for it to check against
   * a dynamic list (QAPI's 'gen': false, e.g. device_add's device properties).
   */
  extraMembers?: boolean;
  /** How a CLI user writes this command: the option name and the implied first key of keyval. */
  cli?: { option: string; impliedKey?: string; help?: string };
}

export interface EventDecl extends Documented {
  event: string;
  data?: Members | string;
}

export type Declaration = StructDecl | EnumDecl | UnionDecl | AlternateDecl | CommandDecl | EventDecl;

export function isStruct(d: Declaration): d is StructDecl { return 'struct' in d; }
export function isEnum(d: Declaration): d is EnumDecl { return 'enum' in d; }
export function isUnion(d: Declaration): d is UnionDecl { return 'union' in d; }
export function isAlternate(d: Declaration): d is AlternateDecl { return 'alternate' in d; }
export function isCommand(d: Declaration): d is CommandDecl { return 'command' in d; }
export function isEvent(d: Declaration): d is EventDecl { return 'event' in d; }

export function declName(d: Declaration): string {
  if (isStruct(d)) return d.struct;
  if (isEnum(d)) return d.enum;
  if (isUnion(d)) return d.union;
  if (isAlternate(d)) return d.alternate;
  if (isCommand(d)) return d.command;
  return d.event;
}

/** A member with its shorthand expanded. */
export interface NormalMember extends MemberDecl {
  name: string;
  optional: boolean;
}

export function normalizeMembers(members: Members): NormalMember[] {
  return Object.entries(members).map(([key, v]) => {
    const optional = key.startsWith('*');
    const name = optional ? key.slice(1) : key;
    if (typeof v === 'string' || Array.isArray(v)) return { name, type: v, optional };
    return { ...v, name, optional: optional || v.optional === true };
  });
}
