// Reference documentation generated from the schema: the phase table of docs/PHASES.md and the
// command and event reference of docs/QMP.md. Generated sections sit between BEGIN/END markers in
// the hand-written documents; `npm run gen` refreshes them and a test fails when they are stale.

import { PHASES, type Phase } from '../phases.ts';
import { PHASE_TRANSITIONS } from '../dispatcher.ts';
import type { CommandDecl, NormalMember, TypeRef } from './dsl.ts';
import { normalizeMembers } from './dsl.ts';
import type { SchemaRegistry } from './registry.ts';

function allowedIn(c: CommandDecl, p: Phase): boolean {
  return c.phases === 'any' || c.phases.includes(p);
}

export function phaseTable(registry: SchemaRegistry): string {
  const commands = [...registry.commands.values()].sort((a, b) => a.command.localeCompare(b.command));
  const rows = ['| phase | commands allowed | how the machine reaches the next phase |', '|---|---|---|'];
  for (const p of PHASES) {
    const allowed = commands.filter((c) => allowedIn(c, p) && c.phases !== 'any').map((c) => `\`${c.command}\``);
    const next = PHASE_TRANSITIONS[p];
    const how = p === 'no-machine'
      ? '`machine-set` (`--machine`)'
      : next
        ? `\`${next}\`, or implicitly by ${commands.filter((c) => c.implicitAdvance && c.phases !== 'any' && PHASES.indexOf(c.phases[0]) > PHASES.indexOf(p)).map((c) => `\`${c.command}\``).join(', ')}`
        : 'last phase; `cont` starts the guest';
    rows.push(`| \`${p}\` | every-phase commands, and ${allowed.join(', ') || 'no others'} | ${how} |`);
  }
  const any = commands.filter((c) => c.phases === 'any').map((c) => `\`${c.command}\``);
  rows.push('', `Commands allowed in every phase: ${any.join(', ')}.`);
  return rows.join('\n');
}

function typeText(ref: TypeRef): string {
  return Array.isArray(ref) ? `array of ${ref[0]}` : ref;
}

function memberLines(ms: NormalMember[]): string[] {
  return ms.map((m) => `  - \`${m.name}\`${m.optional ? ' (optional)' : ''}: ${typeText(m.type)}${m.default !== undefined ? `, default ${JSON.stringify(m.default)}` : ''}${m.doc ? ` — ${m.doc}` : ''}`);
}

export function qmpReference(registry: SchemaRegistry): string {
  const out: string[] = ['### Commands', ''];
  for (const c of [...registry.commands.values()].sort((a, b) => a.command.localeCompare(b.command))) {
    out.push(`#### \`${c.command}\``, '', c.doc, '');
    const phases = c.phases === 'any' ? 'any phase' : c.phases.join(', ');
    out.push(`- Phases: ${phases}${c.implicitAdvance ? ' (advances a created machine implicitly)' : ''}${c.advancesTo ? `; moves the machine to \`${c.advancesTo}\`` : ''}`);
    if (c.cli) out.push(`- Command line: \`emu --${c.cli.option} ...\``);
    if (c.features?.length) out.push(`- Features: ${c.features.join(', ')}`);
    if (c.data !== undefined) {
      if (typeof c.data === 'string') out.push(`- Arguments: the members of \`${c.data}\``);
      else {
        out.push('- Arguments:');
        out.push(...memberLines(normalizeMembers(c.data)));
      }
      if (c.extraMembers) out.push('  - other members: device properties (see `device-list-properties`)');
    }
    out.push(`- Returns: ${c.returns ? typeText(c.returns) : '`{}`'}`, '');
  }
  out.push('### Events', '');
  for (const e of [...registry.events.values()].sort((a, b) => a.event.localeCompare(b.event))) {
    out.push(`#### \`${e.event}\``, '', e.doc, '');
    if (e.data !== undefined && typeof e.data !== 'string') out.push('- Data:', ...memberLines(normalizeMembers(e.data)), '');
  }
  return out.join('\n');
}

/** Replaces the text between `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->`. */
export function replaceGenerated(doc: string, name: string, body: string): string {
  const begin = `<!-- BEGIN GENERATED: ${name} -->`;
  const end = `<!-- END GENERATED: ${name} -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`no generated section '${name}'`);
  return `${doc.slice(0, i + begin.length)}\n${body}\n${doc.slice(j)}`;
}
