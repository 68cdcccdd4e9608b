// Messages in QEMU's convention (util/qemu-error.c): every line starts with the program name, then
// where the problem is — the option as typed, or file:line of a -readconfig file — then the message.
// Users grep for these texts and tools parse them, so the shape is kept exactly.

/** Where a problem was found, as QEMU's Location. */
export type Loc =
  /** After parsing (machine creation and later stages without an option to blame). */
  | { kind: 'none' }
  /** The argv words of one option as typed: `['-drive', 'file=x']`, `['-S']`, `['disk.img']`. */
  | { kind: 'cmdline'; args: string[] }
  /** A line of a configuration file. */
  | { kind: 'file'; file: string; line: number };

export const NO_LOC: Loc = { kind: 'none' };

export function cmdlineLoc(...args: string[]): Loc {
  return { kind: 'cmdline', args };
}

export function fileLoc(file: string, line: number): Loc {
  return { kind: 'file', file, line };
}

/** A fatal error of the legacy front end: QEMU's message, where, and the hint lines QEMU adds. */
export class LegacyError extends Error {
  readonly loc: Loc;
  /** Extra lines printed after the message, without prefix; ends with "\n" when present. */
  readonly hint: string | undefined;
  /** Exit status; QEMU exits 1 on every error of this kind. */
  readonly status: number;
  /** Errors QEMU reports just before this one (e.g. the cause before "parse error: ..."). */
  readonly before: readonly Report[];

  constructor(message: string, loc: Loc = NO_LOC, hint?: string, before: readonly Report[] = [], status = 1) {
    super(message);
    this.name = 'LegacyError';
    this.loc = loc;
    this.hint = hint;
    this.before = before;
    this.status = status;
  }
}

/** One reported message: text, where, and hint lines. */
export interface Report {
  message: string;
  loc: Loc;
  hint?: string;
}

/** A non-fatal message (QEMU's warn_report), printed where and when QEMU prints it. */
export interface LegacyWarning {
  loc: Loc;
  message: string;
  hint?: string;
}

/** The prefix QEMU prints before a message at loc (print_loc). */
export function locPrefix(argv0: string, loc: Loc): string {
  const prog = progName(argv0);
  switch (loc.kind) {
    case 'cmdline':
      return `${prog}: ${loc.args.join(' ')}: `;
    case 'file':
      return `${prog}:${loc.file}:${loc.line}: `;
    default:
      return `${prog}: `;
  }
}

/** QEMU names itself by the last path component of argv[0]. */
export function progName(argv0: string): string {
  const i = argv0.lastIndexOf('/');
  return i >= 0 ? argv0.slice(i + 1) : argv0;
}

/** The complete text QEMU writes to stderr for an error, ending with a newline. */
export function formatError(
  argv0: string,
  e: { message: string; loc?: Loc; hint?: string | undefined; before?: readonly Report[] },
): string {
  const one = (r: { message: string; loc?: Loc; hint?: string | undefined }) =>
    `${locPrefix(argv0, r.loc ?? NO_LOC)}${r.message}\n${r.hint ?? ''}`;
  return (e.before ?? []).map(one).join('') + one(e);
}

/** The complete text of a warning: QEMU inserts "warning: " after the location. */
export function formatWarning(argv0: string, w: LegacyWarning): string {
  return `${locPrefix(argv0, w.loc)}warning: ${w.message}\n${w.hint ?? ''}`;
}
