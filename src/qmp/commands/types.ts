// The handler map type, derived from the generated schema types: a handler's arguments and return
// value are checked against the command's one declaration.

import type { VirtualMachine } from '../../hw/vm.ts';
import type { CommandContext } from '../dispatcher.ts';
import type { CommandArgs, CommandReturns } from '../generated/schema-types.ts';

export type Ctx = CommandContext<VirtualMachine>;

export type Handlers<K extends keyof CommandArgs = keyof CommandArgs> = {
  [N in K]: (args: CommandArgs[N], ctx: Ctx) => CommandReturns[N] | Promise<CommandReturns[N]>;
};
