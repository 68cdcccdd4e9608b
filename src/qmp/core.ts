// One emu instance's command core: the schema, the virtual machine and the dispatcher wired
// together. Every front end creates exactly one and feeds it commands.

import { VirtualMachine } from '../hw/vm.ts';
import { handlers } from './commands/index.ts';
import { Dispatcher } from './dispatcher.ts';
import { schema } from './schema/index.ts';
import { Validator } from './schema/validate.ts';

export interface Core {
  vm: VirtualMachine;
  dispatcher: Dispatcher<VirtualMachine>;
}

export function createCore(): Core {
  const registry = schema();
  const vm = new VirtualMachine(new Validator(registry));
  const dispatcher = new Dispatcher(registry, handlers, vm);
  vm.emit = (event, data) => dispatcher.emit(event, data);
  return { vm, dispatcher };
}
