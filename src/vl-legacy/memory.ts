// How QEMU 7.2 turns -m into machine properties after parsing (parse_memory_options in vl.c): a
// size that ends in a digit is taken as MiB by appending "M" (so "-m 1.0" is 1 MiB and "-m 0x10" is
// 16 MiB), a zero size means the machine default, maxmem becomes max-size, and the result merges
// into the machine dictionary under `memory` (so -m wins over -M memory.size=, whatever the order).

import { clone, keyvalGet, keyvalMerge, KeyvalError, newDict, type KeyvalDict } from '../shared/keyval.ts';
import { parseSizeBig, SizeError, sizePropertyError } from '../shared/size.ts';
import { LegacyError, NO_LOC } from './errors.ts';
import type { ParsedCommandLine } from './parse.ts';

/** The `memory` properties -m contributes: size, max-size, slots, as strings. */
export function memoryProperties(memory: ParsedCommandLine['memory']): KeyvalDict {
  const prop = newDict();
  if (!memory) return prop;
  const size = memory.opts.size;
  if (size !== undefined && parseSizeBig(size) !== 0n) prop.size = /[0-9]$/.test(size) ? `${size}M` : size;
  if (memory.opts.maxmem !== undefined) prop['max-size'] = memory.opts.maxmem;
  if (memory.opts.slots !== undefined) prop.slots = memory.opts.slots;
  return prop;
}

/**
 * The machine dictionary with -m folded in, as qemu_create_machine receives it. Throws LegacyError
 * at the -m option when the machine dictionary already uses `memory` as a plain value.
 */
export function machineWithMemory(parsed: ParsedCommandLine): KeyvalDict {
  const machine = clone(parsed.machine) as KeyvalDict;
  const wrap = newDict();
  wrap.memory = memoryProperties(parsed.memory);
  try {
    keyvalMerge(machine, wrap);
  } catch (e) {
    if (e instanceof KeyvalError) throw new LegacyError(e.message, parsed.memory?.loc ?? NO_LOC);
    throw e;
  }
  return machine;
}

/**
 * The RAM size in bytes the machine gets: memory.size of the machine dictionary, read as a QAPI
 * size property (bytes when suffix-less), else the machine's default. Throws LegacyError without a
 * location, with QEMU's "Parameter 'memory.size' expects size", for a value that is not a size
 * below 2^64.
 */
export function ramSize(machine: KeyvalDict, defaultBytes: bigint): bigint {
  const size = keyvalGet(machine, 'memory.size');
  if (size === undefined) return defaultBytes;
  if (typeof size !== 'string') throw new LegacyError("Invalid parameter type for 'memory.size', expected: size");
  try {
    return parseSizeBig(size);
  } catch (e) {
    if (e instanceof SizeError) throw new LegacyError(sizePropertyError('memory.size'));
    throw e;
  }
}
