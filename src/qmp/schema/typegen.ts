// Generates TypeScript declarations from the schema: one type per schema type, and maps from command
// name to argument and return types, so handlers are checked against the one declaration.
// `npm run gen` writes src/qmp/generated/schema-types.ts; a test fails when that file is stale.

import type { TypeRef } from './dsl.ts';
import type { SchemaRegistry } from './registry.ts';

const BUILTIN_TS: Record<string, string> = {
  str: 'string', int: 'number', int8: 'number', int16: 'number', int32: 'number', int64: 'number',
  uint8: 'number', uint16: 'number', uint32: 'number', uint64: 'number', size: 'number',
  number: 'number', bool: 'boolean', null: 'null', any: 'unknown',
};

export function tsName(name: string): string {
  return name.replace(/(^|[-_])([a-zA-Z0-9])/g, (_m, _s, c: string) => c.toUpperCase());
}

export function generateTypes(registry: SchemaRegistry): string {
  const ref = (r: TypeRef): string => {
    if (Array.isArray(r)) return `${ref(r[0])}[]`;
    return BUILTIN_TS[r] ?? tsName(r);
  };
  const lines: string[] = [
    '// Generated from the schema by src/qmp/schema/typegen.ts (npm run gen). Do not edit.',
    '/* eslint-disable */',
    '',
  ];
  const members = (ms: { name: string; type: TypeRef; optional: boolean }[]) =>
    ms.map((m) => `  ${JSON.stringify(m.name)}${m.optional ? '?' : ''}: ${ref(m.type)};`).join('\n');
  for (const name of registry.typeNames().sort()) {
    const t = registry.resolve(name);
    switch (t.kind) {
      case 'builtin':
      case 'array':
        break;
      case 'enum':
        lines.push(`export type ${tsName(name)} = ${t.values.map((v) => JSON.stringify(v)).join(' | ')};`, '');
        break;
      case 'struct':
        lines.push(`export interface ${tsName(name)} {`, members(t.members), '}', '');
        break;
      case 'union': {
        const branches = Object.entries(t.variants).map(([tag, ty]) =>
          `(${tsName(name)}Base & { ${JSON.stringify(t.discriminator)}: ${JSON.stringify(tag)} } & ${tsName(ty)})`);
        lines.push(`export interface ${tsName(name)}Base {`, members(t.base), '}');
        lines.push(`export type ${tsName(name)} =\n  | ${branches.join('\n  | ')};`, '');
        break;
      }
      case 'alternate':
        lines.push(`export type ${tsName(name)} = ${Object.values(t.branches).map(ref).join(' | ')};`, '');
        break;
    }
  }
  lines.push('export interface CommandArgs {');
  for (const c of [...registry.commands.values()].sort((a, b) => a.command.localeCompare(b.command))) {
    const arg = registry.argTypeOf(c);
    const base = arg ? tsName(arg) : 'Record<string, never>';
    lines.push(`  ${JSON.stringify(c.command)}: ${c.extraMembers ? `${base} & Record<string, unknown>` : base};`);
  }
  lines.push('}', '', 'export interface CommandReturns {');
  for (const c of [...registry.commands.values()].sort((a, b) => a.command.localeCompare(b.command))) {
    lines.push(`  ${JSON.stringify(c.command)}: ${c.returns ? ref(c.returns) : 'Record<string, never> | void'};`);
  }
  lines.push('}', '', 'export interface EventData {');
  for (const e of [...registry.events.values()].sort((a, b) => a.event.localeCompare(b.event))) {
    const arg = registry.argTypeOf(e);
    lines.push(`  ${JSON.stringify(e.event)}: ${arg ? tsName(arg) : 'undefined'};`);
  }
  lines.push('}', '');
  return lines.join('\n');
}
