// Machine life cycle, run state and identity.

import { QmpError } from '../../shared/errors.ts';
import type { Handlers } from './types.ts';

export const machineHandlers: Handlers<
  'machine-set' | 'accel-set' | 'machine-init' | 'finish-machine-init' | 'query-machine-phase' | 'query-status'
  | 'stop' | 'cont' | 'system_reset' | 'system_powerdown' | 'quit' | 'set-action' | 'query-name' | 'query-uuid'
  | 'query-machines' | 'query-target' | 'query-kvm' | 'query-cpus-fast'
> = {
  'machine-set': (a, { core }) => core.createMachine(a),
  'accel-set': (a, { core }) => core.setAccel(a.accel ?? 'tcg'),
  'machine-init': (_a, { core }) => core.initMachine(),
  'finish-machine-init': (_a, { core }) => core.finishInit(),
  'query-machine-phase': (_a, { core }) => ({ phase: core.phase }),
  // Members in the order QEMU prints them (sessions keep the order a handler gives).
  'query-status': (_a, { core }) => ({ status: core.runState, singlestep: false, running: core.runState === 'running' }),
  stop: (_a, { core }) => {
    if (core.runState !== 'running') return;
    core.runState = 'paused';
    core.guest?.pause();
    core.emit('STOP');
  },
  cont: (_a, { core }) => {
    if (core.runState === 'running') return;
    if (core.runState === 'shutdown' || core.runState === 'internal-error' || core.runState === 'guest-panicked') {
      throw new QmpError('Resetting the Virtual Machine is required');
    }
    core.runState = 'running';
    core.emit('RESUME');
    core.guest?.resume();
  },
  system_reset: (_a, { core }) => {
    core.guest?.reset();
    core.emit('RESET', { guest: false, reason: 'host-qmp-system-reset' });
  },
  system_powerdown: (_a, { core }) => {
    core.emit('POWERDOWN');
  },
  quit: (_a, { core }) => {
    core.emit('SHUTDOWN', { guest: false, reason: 'host-qmp-quit' });
    core.host.quit?.();
  },
  'set-action': (a, { core }) => {
    if (a.reboot) core.actions.reboot = a.reboot;
    if (a.shutdown) core.actions.shutdown = a.shutdown;
  },
  'query-name': (_a, { core }) => (core.config?.name !== undefined ? { name: core.config.name } : {}),
  'query-uuid': (_a, { core }) => ({ UUID: core.config?.uuid ?? '00000000-0000-0000-0000-000000000000' }),
  'query-machines': () => [{
    name: 'virt', 'is-default': true, 'cpu-max': 512, 'hotpluggable-cpus': false, 'numa-mem-supported': false,
    deprecated: false, 'default-cpu-type': 'rv64-riscv-cpu', 'default-ram-id': 'riscv_virt_board.ram',
  }, {
    name: 'none', 'cpu-max': 1, 'hotpluggable-cpus': false, 'numa-mem-supported': false, deprecated: false,
  }],
  'query-target': () => ({ arch: 'riscv64' }),
  'query-kvm': () => ({ enabled: false, present: false }),
  'query-cpus-fast': (_a, { core }) => {
    const n = core.requireConfig().smp.cpus;
    const harts = core.onboard.find((d) => d.type.name === 'riscv.hart_array');
    return Array.from({ length: n }, (_v, i) => ({
      'cpu-index': i, 'qom-path': `${harts?.path ?? '/machine/soc0'}/harts[${i}]`, 'thread-id': process.pid,
      props: { 'core-id': i, 'socket-id': 0 }, target: 'riscv64',
    }));
  },
};
