// Every command's handler. The dispatcher checks at start-up that this map and the schema agree.

import type { Handler } from '../dispatcher.ts';
import type { VirtualMachine } from '../../hw/vm.ts';
import { blockHandlers } from './block.ts';
import { charHandlers } from './char.ts';
import { controlHandlers } from './control.ts';
import { machineHandlers } from './machine.ts';
import { objectHandlers } from './object.ts';
import { qomHandlers } from './qom.ts';
import type { Handlers } from './types.ts';

const all: Handlers = { ...controlHandlers, ...machineHandlers, ...blockHandlers, ...charHandlers, ...qomHandlers, ...objectHandlers };

export const handlers = all as unknown as Record<string, Handler<VirtualMachine>>;
