// The in-order feed: each item of the command line (an option, or a config file's commands) runs
// through the dispatcher, one after another. The first failure stops the feed with one message in
// emu's convention: `emu: argument N (OPTION): MESSAGE`, with advice when the machine is in the
// wrong phase for the command.

import { QmpError } from '../shared/errors.ts';
import { chardevFromOpts } from '../shared/chardev-opts.ts';
import { isJsonArg, parseJsonArg } from '../shared/json-arg.ts';
import { type KeyvalDict, keyvalParse } from '../shared/keyval.ts';
import type { Dispatcher } from '../qmp/dispatcher.ts';
import type { Phase } from '../qmp/phases.ts';
import type { InputMode } from '../qmp/schema/validate.ts';
import type { VirtualMachine } from '../hw/vm.ts';
import type { CommandItem, FeedItem } from './cli.ts';

export interface FeedCommand {
  execute: string;
  arguments: Record<string, unknown>;
  mode: InputMode;
  /** Where it came from, for messages: `argument 3 (--device ...)` or `vm.cfg:12:3`. */
  origin: string;
}

/** Expands config files into their commands (set by the config layer). */
export type ConfigExpander = (path: string, variables: Record<string, string | string[]>) => { commands: FeedCommand[] };

export class FeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedError';
  }
}

function stripNullProto(d: KeyvalDict): Record<string, unknown> {
  return JSON.parse(JSON.stringify(d)) as Record<string, unknown>;
}

/** An option's value as command arguments: JSON when it starts with '{', else keyval. */
export function itemCommands(item: CommandItem): FeedCommand[] {
  const origin = `argument ${item.position} (${item.text})`;
  try {
    if (isJsonArg(item.value)) {
      return [{ execute: item.command, arguments: parseJsonArg(item.value) as Record<string, unknown>, mode: 'json', origin }];
    }
    if (item.command === 'chardev-add') {
      // The flat syntax QEMU users know: `socket,id=c0,path=/tmp/s,server=on`.
      const dict = stripNullProto(keyvalParse(item.value, { impliedKey: 'backend' }).dict) as Record<string, string>;
      const { backend, ...rest } = dict;
      return chardevFromOpts(backend, rest).map((a) => ({ execute: 'chardev-add', arguments: a as unknown as Record<string, unknown>, mode: 'keyval' as const, origin }));
    }
    const { dict } = keyvalParse(item.value, { impliedKey: item.impliedKey });
    return [{ execute: item.command, arguments: stripNullProto(dict), mode: 'keyval', origin }];
  } catch (e) {
    throw new FeedError(`${origin}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const PHASE_ADVICE: Partial<Record<Phase, string>> = {
  'no-machine': 'put --machine first',
};

/** The error text for a failed command, with advice for phase errors. */
export function describeFailure(cmd: FeedCommand, e: unknown): string {
  const err = e instanceof QmpError ? e : new QmpError(e instanceof Error ? e.message : String(e));
  const d = err.details;
  if (d?.kind === 'phase') {
    const allowed = d.allowed as Phase[];
    const current = d.current as Phase;
    const advice = PHASE_ADVICE[current]
      ?? (allowed.length === 1 && allowed[0] === 'no-machine' ? 'the machine already exists; put this option before anything that creates or uses it' : undefined);
    const phases = `${allowed.length === 1 ? 'phase' : 'phases'} ${allowed.join(', ')}`;
    return `${cmd.origin}: ${d.command} is permitted only in ${phases}; the machine is in ${current}${advice ? ` — ${advice}` : ''}`;
  }
  return `${cmd.origin}: ${err.message}`;
}

/** Expands every item into commands, in order (config files are expanded where they stand). */
export function expandItems(items: FeedItem[], expandConfig: ConfigExpander | undefined): FeedCommand[] {
  const out: FeedCommand[] = [];
  for (const item of items) {
    if (item.kind === 'command') {
      out.push(...itemCommands(item));
    } else {
      if (!expandConfig) throw new FeedError(`${item.path}: config files are not available`);
      out.push(...expandConfig(item.path, item.variables).commands);
    }
  }
  return out;
}

/**
 * A command's arguments as JSON values: keyval strings typed by the schema (and, for device_add, by
 * the device's property types), so the printed stream can be sent over QMP as it is.
 */
export function jsonArguments(dispatcher: Dispatcher<VirtualMachine>, cmd: FeedCommand): Record<string, unknown> {
  if (cmd.mode === 'json') return cmd.arguments;
  try {
    const decl = dispatcher.registry.command(cmd.execute);
    const typed = dispatcher.validateArgs(decl, cmd.arguments, 'keyval');
    return cmd.execute === 'device_add' ? dispatcher.core.typedDeviceArgs(typed, 'keyval') : typed;
  } catch (e) {
    throw new FeedError(describeFailure(cmd, e));
  }
}

/** Runs commands in order; throws FeedError with the first failure. */
export async function runFeed(dispatcher: Dispatcher<VirtualMachine>, commands: FeedCommand[]): Promise<void> {
  for (const cmd of commands) {
    try {
      await dispatcher.submit(cmd.execute, cmd.arguments, { mode: cmd.mode, source: 'cli' });
    } catch (e) {
      throw new FeedError(describeFailure(cmd, e));
    }
  }
}
