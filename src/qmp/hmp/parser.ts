// The human monitor's command-line syntax, as QEMU 7.2's monitor/hmp.c reads it: a command name
// (with '|'-separated aliases and sub-tables such as `info`), then arguments described by a small
// type string per command ("force:-f,device:B,target:F,arg:s?"). Only the argument types emu's
// commands use are implemented. Error texts are QEMU's, because users and scripts know them.

import { QemuOptsError, QemuOptsList, type QemuOptsWarning } from '../../shared/qemu-opts.ts';

/** One command of a table: QEMU's HMPCommand without the handler pointer. */
export interface HmpCommandSpec {
  /** Names separated by '|', the first being the main one ("cont|c"). */
  name: string;
  /** QEMU's args_type string. */
  args: string;
  /** Argument synopsis shown by help. */
  params: string;
  help: string;
  /** Commands such as `info` take a sub-command from this table. */
  sub?: readonly HmpCommandSpec[];
}

export type HmpArgs = Record<string, string | boolean | Record<string, string>>;

/** A parsed line: the command, its arguments, and what the user typed to name it. */
export interface ParsedCommand<C extends HmpCommandSpec> {
  command: C;
  args: HmpArgs;
  /** The command words as typed, e.g. "info block" (used in "Try \"help ...\"" hints). */
  typed: string;
  /** Warnings the parse produced (QemuOpts' short-form boolean warnings), printed before running. */
  warnings: string[];
}

/** A line the monitor refuses; `text` is the complete output (QEMU prints no "Error: " here). */
export class HmpSyntaxError extends Error {
  constructor(readonly text: string) {
    super(text);
    this.name = 'HmpSyntaxError';
  }
}

const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

/** True when `typed` is one of the '|'-separated names of `name` (QEMU's hmp_compare_cmd). */
export function matchesName(typed: string, name: string): boolean {
  return name.split('|').includes(typed);
}

/** Cursor over one command line. */
class Cursor {
  constructor(readonly s: string, public p = 0) {}
  skipSpace(): void {
    while (isSpace(this.s[this.p])) this.p++;
  }
  get atEnd(): boolean {
    return this.p >= this.s.length;
  }
  get rest(): string {
    return this.s.slice(this.p);
  }
}

/**
 * QEMU's get_str: a word up to the next blank, or a double-quoted string with \\ \' \" \n \r
 * escapes. Returns undefined (after recording QEMU's message, if it prints one) when there is none.
 */
function getStr(c: Cursor, notes: string[]): string | undefined {
  c.skipSpace();
  if (c.atEnd) return undefined;
  if (c.s[c.p] !== '"') {
    const start = c.p;
    while (!c.atEnd && !isSpace(c.s[c.p])) c.p++;
    return c.s.slice(start, c.p);
  }
  c.p++;
  let out = '';
  while (!c.atEnd && c.s[c.p] !== '"') {
    let ch = c.s[c.p++];
    if (ch === '\\') {
      const esc = c.s[c.p++];
      if (esc === undefined) break;
      const map: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r' };
      if (!(esc in map)) {
        notes.push(`unsupported escape code: '\\${esc}'`);
        return undefined;
      }
      ch = map[esc];
    }
    out += ch;
  }
  if (c.s[c.p] !== '"') {
    notes.push('unterminated string');
    return undefined;
  }
  c.p++;
  return out;
}

/** One argument of an args_type string. */
interface ArgSpec {
  key: string;
  type: string;
  optional: boolean;
}

function argSpecs(args: string): ArgSpec[] {
  if (!args) return [];
  return args.split(',').map((a) => {
    const [key, t] = a.split(':');
    const optional = t.endsWith('?');
    return { key, type: optional ? t.slice(0, -1) : t, optional };
  });
}

/** The device option list as QEMU's `device_add` parses it: anything goes, the first value is the driver. */
function deviceOpts(): QemuOptsList {
  return new QemuOptsList({ name: 'device', impliedOptName: 'driver', desc: [] });
}

/**
 * Finds the command a line names. Throws HmpSyntaxError for an unknown command; returns undefined
 * for a blank line.
 */
export function parseCommandLine<C extends HmpCommandSpec>(line: string, table: readonly C[]): ParsedCommand<C> | undefined {
  const c = new Cursor(line);
  c.skipSpace();
  if (c.atEnd) return undefined;
  const start = c.p;
  let cmds: readonly C[] = table;
  for (;;) {
    c.skipSpace();
    const nameStart = c.p;
    while (!c.atEnd && c.s[c.p] !== '/' && !isSpace(c.s[c.p])) c.p++;
    const word = c.s.slice(nameStart, c.p);
    const cmd = cmds.find((x) => matchesName(word, x.name));
    if (!cmd) throw new HmpSyntaxError(`unknown command: '${c.s.slice(start, c.p)}'\n`);
    c.skipSpace();
    // A command with a sub-table takes its sub-command when one follows; alone it runs itself.
    if (cmd.sub && !c.atEnd) {
      cmds = cmd.sub as readonly C[];
      continue;
    }
    const typed = c.s.slice(start, c.p).trimEnd();
    const warnings: string[] = [];
    const args = parseArguments(cmd, c, typed, warnings);
    return { command: cmd, args, typed, warnings };
  }
}

/** QEMU's monitor_parse_arguments for the argument types emu uses. */
function parseArguments(cmd: HmpCommandSpec, c: Cursor, typed: string, warnings: string[]): HmpArgs {
  const name = cmd.name;
  const out: HmpArgs = {};
  const notes: string[] = [];
  const fail = (msg: string | undefined): never => {
    const lines = [...warnings, ...notes];
    if (msg !== undefined) lines.push(msg);
    lines.push(`Try "help ${typed}" for more information`);
    throw new HmpSyntaxError(lines.map((l) => `${l}\n`).join(''));
  };
  const specs = argSpecs(cmd.args);
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    switch (spec.type[0]) {
      case '-': {
        // A flag. A different flag letter that a later flag argument accepts is left for it (QEMU's
        // is_valid_option), so flags are recognised in the order the command declares them.
        const letter = spec.type[1];
        const save = c.p;
        c.skipSpace();
        if (c.s[c.p] === '-') {
          const given = c.s[c.p + 1];
          if (given === letter) {
            c.p += 2;
            out[spec.key] = true;
          } else {
            const later = specs.slice(i + 1).some((s) => s.type === `-${given}`);
            if (!later) fail(`${name}: unsupported option -${given ?? ''}`);
            c.p = save;
          }
        }
        break;
      }
      case 'B':
      case 'F':
      case 's': {
        c.skipSpace();
        if (spec.optional && c.atEnd) break;
        const v = getStr(c, notes);
        if (v === undefined) {
          const what = spec.type === 'F' ? 'filename' : spec.type === 'B' ? 'block device name' : 'string';
          fail(`${name}: ${what} expected`);
        }
        out[spec.key] = v as string;
        break;
      }
      case 'S': {
        c.skipSpace();
        if (spec.optional && c.atEnd) break;
        if (c.atEnd) fail(`${name}: string expected`);
        out[spec.key] = c.rest;
        c.p = c.s.length;
        break;
      }
      case 'O': {
        c.skipSpace();
        if (c.atEnd) {
          out[spec.key] = {};
          break;
        }
        const v = getStr(c, notes);
        if (v === undefined) fail(undefined);
        try {
          const opts = deviceOpts().parse(v as string, {
            permitAbbrev: true,
            warnOnFlag: true,
            onWarning: (w: QemuOptsWarning) => warnings.push(`warning: ${w.message}`, ...(w.hint ? [w.hint.replace(/\n$/, '')] : [])),
          });
          out[spec.key] = { ...opts.toDict() };
        } catch (e) {
          if (!(e instanceof QemuOptsError)) throw e;
          fail(e.message + (e.hint ? `\n${e.hint.replace(/\n$/, '')}` : ''));
        }
        break;
      }
      default:
        throw new Error(`hmp: argument type '${spec.type}' of '${name}' is not implemented`);
    }
  }
  c.skipSpace();
  if (!c.atEnd) fail(`${name}: extraneous characters at the end of line`);
  return out;
}

/** Splits help's argument into words as QEMU's parse_cmdline does (quotes allowed). */
export function helpWords(text: string): string[] | undefined {
  const c = new Cursor(text);
  const words: string[] = [];
  for (;;) {
    c.skipSpace();
    if (c.atEnd) return words;
    const w = getStr(c, []);
    if (w === undefined) return undefined;
    words.push(w);
  }
}
