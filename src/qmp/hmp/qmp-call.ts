// How the human monitor reaches the machine: only through QMP commands of the schema, typed by the
// generated declarations.

import type { CommandArgs, CommandReturns } from '../generated/schema-types.ts';
import type { InputMode } from '../schema/validate.ts';

/** Runs one QMP command; rejects with a QmpError. */
export type QmpCall = (command: string, args?: Record<string, unknown>, opts?: { mode?: InputMode }) => Promise<unknown>;

/** A typed view of a QmpCall. */
export function typed(qmp: QmpCall) {
  return <K extends keyof CommandReturns & keyof CommandArgs>(
    name: K,
    args?: CommandArgs[K] | Record<string, unknown>,
    opts?: { mode?: InputMode },
  ): Promise<CommandReturns[K]> => qmp(name, args as Record<string, unknown> | undefined, opts) as Promise<CommandReturns[K]>;
}

export type TypedQmp = ReturnType<typeof typed>;
