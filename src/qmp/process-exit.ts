// How an emu process ends, for both front ends: `quit`, a guest power-off and SIGINT/SIGTERM/SIGHUP
// close the monitors, the guest, the chardevs and the block nodes, let stdio drain (a guest's last
// output must not be lost to process.exit), then exit. Runs once, whoever asks first; until then
// the process stays.
import { drainStdio } from '../shared/drain.ts';
import type { Core } from './core.ts';

export interface ProcessExitOptions {
  /** The monitors to close first (filled in as the front end opens them). */
  monitors: { close(): unknown }[];
  /** Something else to let go last, e.g. the state file's lock. */
  release?: () => void;
  /** Said on stderr when a signal ends the process (emu-legacy: QEMU's "terminating on signal N"). */
  onSignal?: (signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP') => void;
}

/** Installs the quit hook and the signal handlers; returns the exit function for other paths. */
export function installProcessExit({ vm, dispatcher }: Core, opts: ProcessExitOptions): (code: number) => Promise<void> {
  let exiting = false;
  // The machine lives until something ends it, as QEMU's does: a paused guest with no monitor or
  // chardev open (emu-legacy -display none -S) would otherwise leave Node's event loop empty and
  // the process would end on its own.
  const alive = setInterval(() => {}, 0x7fffffff);
  const exit = async (code: number): Promise<void> => {
    if (exiting) return;
    exiting = true;
    clearInterval(alive);
    await Promise.all(opts.monitors.map((m) => m.close()));
    vm.guest?.dispose();
    await vm.closeChardevs();
    vm.blocks.closeAll();
    opts.release?.();
    await drainStdio();
    process.exit(code);
  };
  // quit replies before the process ends: the reply is queued on the socket in this turn.
  vm.host.quit = () => setImmediate(() => void exit(0));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      dispatcher.emit('SHUTDOWN', { guest: false, reason: 'host-signal' });
      opts.onSignal?.(sig);
      setImmediate(() => void exit(0));
    });
  }
  return exit;
}
