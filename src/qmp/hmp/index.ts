// The human monitor (HMP): QEMU's monitor command language as a thin layer over QMP. A line of text
// becomes QMP commands run by the dispatcher, whose results are printed in QEMU 7.2's formats.
// Installed into a core, it serves QMP's human-monitor-command; the readline monitor
// (readline-monitor.ts) serves it over a byte stream such as -monitor stdio.

import { QmpError, toQmpError } from '../../shared/errors.ts';
import type { VirtualMachine } from '../../hw/vm.ts';
import type { Core } from '../core.ts';
import type { CommandContext, Dispatcher } from '../dispatcher.ts';
import { type HmpCommand, HmpUserError, hmpCommands } from './commands.ts';
import { toMonitorText } from './format.ts';
import { HmpSyntaxError, parseCommandLine } from './parser.ts';
import { type QmpCall, typed } from './qmp-call.ts';

export { hmpCommands, helpText } from './commands.ts';
export type { QmpCall } from './qmp-call.ts';

export interface HmpOptions {
  /** The monitor's current CPU, marked '*' by `info cpus` (default 0, QEMU's first CPU). */
  cpuIndex?: number;
}

/**
 * Runs one human monitor command line and returns what the monitor prints, with QEMU's CRLF line
 * ends. Errors are part of the text ("Error: ...", "unknown command: ..."), as in QEMU; the promise
 * rejects only on bugs.
 */
export async function runHmpCommand(line: string, qmp: QmpCall, opts: HmpOptions = {}): Promise<string> {
  let out = '';
  const print = (s: string) => {
    out += s;
  };
  try {
    const parsed = parseCommandLine<HmpCommand>(line, hmpCommands);
    if (parsed) {
      for (const w of parsed.warnings) print(`${w}\n`);
      await parsed.command.run?.(parsed.args, { qmp: typed(qmp), print, cpuIndex: opts.cpuIndex ?? 0 });
    }
  } catch (e) {
    if (e instanceof HmpSyntaxError) print(e.text);
    else if (e instanceof QmpError || e instanceof HmpUserError) print(`Error: ${e.message}\n`);
    else print(`Error: ${toQmpError(e).message}\n`);
  }
  return toMonitorText(out);
}

/** A QmpCall that runs commands in the dispatcher's queue position of the caller (from inside a handler). */
export function inlineQmp(dispatcher: Dispatcher<VirtualMachine>): QmpCall {
  return (command, args, o) => dispatcher.runNow(command, args, { source: 'hmp', mode: o?.mode ?? 'json' });
}

function isContext(ctx: unknown): ctx is CommandContext<VirtualMachine> {
  return typeof ctx === 'object' && ctx !== null && 'dispatcher' in ctx;
}

/**
 * Installs the human monitor into a core: QMP's human-monitor-command then runs HMP command lines.
 * The commands a line turns into run inside the human-monitor-command that carries it, so they are
 * ordered with every other command and no other command runs between them.
 */
export function installHmp(core: Core, opts: HmpOptions = {}): void {
  core.vm.host.humanMonitor = (commandLine, ctx) => {
    const dispatcher = isContext(ctx) ? ctx.dispatcher : core.dispatcher;
    return runHmpCommand(commandLine, inlineQmp(dispatcher), opts);
  };
}

/**
 * Runs a command line for a monitor outside the dispatcher (the readline monitor): it is submitted
 * as one human-monitor-command, so it queues like any QMP command. QMP errors of that command itself
 * (no human monitor installed) are printed as HMP errors.
 */
export function hmpLineRunner(dispatcher: Dispatcher<VirtualMachine>): (line: string) => Promise<string> {
  return async (line) => {
    try {
      return String(await dispatcher.submit('human-monitor-command', { 'command-line': line }, { source: 'hmp', mode: 'json' }));
    } catch (e) {
      return toMonitorText(`Error: ${toQmpError(e).message}\n`);
    }
  };
}
