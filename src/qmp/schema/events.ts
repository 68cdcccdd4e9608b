// Events, with QEMU's names and data.

import type { Declaration } from './dsl.ts';

export const eventSchema: Declaration[] = [
  { enum: 'ShutdownCause', doc: 'Why the machine shut down.',
    data: ['none', 'host-error', 'host-qmp-quit', 'host-qmp-system-reset', 'host-signal', 'host-ui',
      'guest-shutdown', 'guest-reset', 'guest-panic', 'subsystem-reset', 'snapshot-load'] },
  { struct: 'StateChange', doc: 'One configuration change carried by a state file write.',
    data: { source: { type: 'str', doc: "Who made it: 'qmp', 'cli', 'hmp', 'guest'…" },
      '*command': { type: 'str', doc: 'The command that made it.' },
      '*device': { type: 'str', doc: 'The device the guest changed.' },
      '*what': { type: 'str', doc: "What changed, e.g. 'tray-open'." } } },
  { event: 'STATE_FILE_SAVED', doc: 'A new generation of the state file is durable (emu --state-file).',
    data: { generation: 'int', changes: ['StateChange'] } },
  { event: 'SHUTDOWN', doc: 'The machine shut down (or, with -no-shutdown, stopped after a guest shutdown).',
    data: { guest: 'bool', reason: 'ShutdownCause' } },
  { event: 'RESET', doc: 'The machine was reset.', data: { guest: 'bool', reason: 'ShutdownCause' } },
  { event: 'STOP', doc: 'The guest stopped running.' },
  { event: 'RESUME', doc: 'The guest started or resumed running.' },
  { event: 'POWERDOWN', doc: 'A power-down was requested (system_powerdown).' },
  { event: 'DEVICE_DELETED', doc: 'A device was removed.', data: { '*device': 'str', path: 'str' } },
  { event: 'DEVICE_TRAY_MOVED', doc: "A removable medium's tray opened or closed (by the guest or by a command).",
    data: { device: { type: 'str', doc: "Legacy block backend name; '' in emu." }, id: 'str', 'tray-open': 'bool' } },
];
