// The machine's life as QEMU names it (MachineInitPhase), and the run states of a created machine.
// Every command in the schema declares the phases in which it may run; this module owns the order
// of phases and the wording of phase errors, so every front end words them the same way.

import { QmpError } from '../shared/errors.ts';

export const PHASES = [
  'no-machine',
  'machine-created',
  'accel-created',
  'machine-initialized',
  'machine-ready',
] as const;
export type Phase = (typeof PHASES)[number];

export function phaseIndex(p: Phase): number {
  return PHASES.indexOf(p);
}

/** QEMU's RunState values that emu can be in. */
export const RUN_STATES = [
  'prelaunch',
  'running',
  'paused',
  'shutdown',
  'internal-error',
  'guest-panicked',
] as const;
export type RunState = (typeof RUN_STATES)[number];

/**
 * The error for a command fed in a phase it does not allow. Where QEMU has a text for the same
 * situation (a command that needs a fully initialized machine, fed before that), QEMU's text is used
 * verbatim so QEMU-aware clients recognise it; otherwise the text names the allowed phases and the
 * current one. `details` lets the CLI add its own advice ("put --machine first").
 */
export function phaseError(command: string, allowed: readonly Phase[], current: Phase): QmpError {
  const details = { kind: 'phase', command, allowed: [...allowed], current };
  if (allowed.length === 1 && allowed[0] === 'machine-ready' && phaseIndex(current) < phaseIndex('machine-ready')) {
    return new QmpError(
      `The command '${command}' is permitted only after machine initialization has completed`,
      'GenericError',
      details,
    );
  }
  const plural = allowed.length === 1 ? 'phase' : 'phases';
  return new QmpError(
    `The command '${command}' is permitted only in ${plural} ${allowed.join(', ')}; the machine is in phase ${current}`,
    'GenericError',
    details,
  );
}
