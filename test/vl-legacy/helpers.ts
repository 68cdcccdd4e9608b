// Runs the legacy parser (and the drive stage) the way emu-legacy's main will, and returns what it
// would print on stderr, so tests compare against QEMU's observed output with the program name
// replaced by emu-legacy.
import { parseCommandLine, type ParsedCommandLine, type ParseOptions } from '../../src/vl-legacy/parse.ts';
import { DriveTable, EMU_VIRT_BLOCK, type MachineBlockFacts } from '../../src/vl-legacy/drives.ts';
import { formatError, formatWarning, LegacyError } from '../../src/vl-legacy/errors.ts';

export const ARGV0 = '/usr/bin/emu-legacy';

export interface RunResult {
  stderr: string;
  status: number;
  parsed?: ParsedCommandLine;
  drives?: DriveTable;
}

/** Parses args, then (optionally) assigns drives with the given machine facts. */
export function run(args: string[], opts: { facts?: MachineBlockFacts; drives?: boolean; readFile?: ParseOptions['readFile'] } = {}): RunResult {
  let stderr = '';
  const onWarning: ParseOptions['onWarning'] = (w) => {
    stderr += formatWarning(ARGV0, w);
  };
  try {
    const parsed = parseCommandLine(args, { onWarning, ...(opts.readFile ? { readFile: opts.readFile } : {}) });
    if (opts.drives === false || parsed.earlyExit) return { stderr, status: 0, parsed };
    const table = new DriveTable(opts.facts ?? EMU_VIRT_BLOCK, onWarning);
    for (const d of parsed.drives) table.checkName(table.add(d, { snapshot: parsed.snapshot }));
    return { stderr, status: 0, parsed, drives: table };
  } catch (e) {
    if (!(e instanceof LegacyError)) throw e;
    return { stderr: stderr + formatError(ARGV0, e), status: e.status };
  }
}

/** The error text only, for one-line golden comparisons. */
export function err(args: string[], opts: Parameters<typeof run>[1] = {}): string {
  const r = run(args, opts);
  return r.stderr;
}
