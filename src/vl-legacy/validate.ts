// Checks QEMU 7.2 makes right after parsing, before anything is created, with its messages. They
// carry no option location: QEMU clears it when the parsing loop ends.

import { bootDevicesError } from '../shared/boot-devices.ts';
import { keyvalGet } from '../shared/keyval.ts';
import { LegacyError } from './errors.ts';
import type { ParsedCommandLine } from './parse.ts';

/** qemu_validate_options: -append and -initrd need -kernel; curses cannot be daemonized. */
export function validateOptions(parsed: ParsedCommandLine): void {
  const m = parsed.machine;
  if (m.kernel === undefined) {
    if (m.append !== undefined) throw new LegacyError('-append only allowed with -kernel option');
    if (m.initrd !== undefined) throw new LegacyError('-initrd only allowed with -kernel option');
  }
  if (parsed.daemonize && parsed.display?.args.type === 'curses') {
    throw new LegacyError('curses display cannot be used with -daemonize');
  }
}

/** validate_bootdevices, for -boot order= and once=. */
export function validateBootDevices(devices: string): void {
  const error = bootDevicesError(devices);
  if (error !== undefined) throw new LegacyError(error);
}

/** configure_accelerators: -accel and -machine accel= exclude each other. */
export function checkAccelOptions(parsed: ParsedCommandLine): void {
  if (parsed.accel.length > 0 && keyvalGet(parsed.machine, 'accel') !== undefined) {
    throw new LegacyError('The -accel and "-machine accel=" options are incompatible');
  }
}

const MACHINE_HINT = 'Use -machine help to list supported machines\n';

/**
 * select_machine: the machine named by `type` in the machine dictionary (a name or an alias), or the
 * default machine. Returns the canonical name.
 */
export function selectMachine(
  parsed: ParsedCommandLine,
  machines: readonly { name: string; alias?: string; isDefault?: boolean }[],
): string {
  const type = parsed.machine.type;
  if (type !== undefined) {
    const found = typeof type === 'string' ? machines.find((m) => m.name === type || m.alias === type) : undefined;
    if (!found) throw new LegacyError('unsupported machine type', undefined, MACHINE_HINT);
    return found.name;
  }
  const def = machines.find((m) => m.isDefault);
  if (!def) throw new LegacyError('No machine specified, and there is no default', undefined, MACHINE_HINT);
  return def.name;
}
