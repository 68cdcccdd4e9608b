// A stand-in QmpEngine for the wire tests until the real dispatcher lands: a handful of commands,
// strict in-order execution across sessions (as the real engine promises), events.
import type { QmpEngine, QmpEvent, QmpSessionInfo } from '../../src/qmp/engine.ts';
import { QmpError } from '../../src/shared/errors.ts';

export interface TestEngine extends QmpEngine {
  emit(event: string, data?: Record<string, unknown>): void;
  /** Commands run so far, in execution order. */
  readonly log: Array<{ name: string; session: number }>;
}

export function createTestEngine(): TestEngine {
  const listeners = new Set<(e: QmpEvent) => void>();
  const log: Array<{ name: string; session: number }> = [];
  let tail: Promise<unknown> = Promise.resolve();
  let running = false;
  const emit = (event: string, data?: Record<string, unknown>): void => {
    const now = Date.now();
    const ev: QmpEvent = { event, timestamp: { seconds: Math.floor(now / 1000), microseconds: (now % 1000) * 1000 } };
    if (data !== undefined) ev.data = data;
    for (const l of listeners) l(ev);
  };
  const commands: Record<string, (args: Record<string, unknown>) => unknown> = {
    // Built in QAPI declaration order, as QEMU's visitors build them.
    'query-status': () => ({ running, singlestep: false, status: running ? 'running' : 'prelaunch' }),
    echo: (args) => args,
    sleep: async (args) => { await new Promise((r) => setTimeout(r, Number(args.ms ?? 10))); return {}; },
    cont: () => { running = true; emit('RESUME'); return {}; },
    stop: () => { if (running) { running = false; emit('STOP'); } return {}; },
    'emit-event': (args) => { emit(String(args.event), args.data as Record<string, unknown> | undefined); return {}; },
    fail: (args) => { throw new QmpError(String(args.desc ?? 'failed'), (args.class as QmpError['errorClass']) ?? 'GenericError'); },
    'oob-ping': () => ({ pong: true }),
  };
  const engine: TestEngine = {
    log,
    emit,
    greeting: () => ({
      version: { qemu: { major: 7, minor: 2, micro: 0 }, package: 'emu test-engine' },
      capabilities: ['oob'],
    }),
    hasCommand: (name) => name in commands || name === 'qmp_capabilities',
    allowsOob: (name) => name === 'oob-ping',
    execute(name: string, args: Record<string, unknown> | undefined, session: QmpSessionInfo): Promise<unknown> {
      const run = async (): Promise<unknown> => {
        const fn = commands[name];
        if (!fn) throw new QmpError(`The command ${name} has not been found`, 'CommandNotFound');
        log.push({ name, session: session.id });
        return fn(args ?? {});
      };
      // Out-of-band commands do not queue behind in-band ones (which is the point of OOB).
      if (name === 'oob-ping') return run();
      // Strict submission order, like the real dispatcher.
      const p = tail.then(run);
      tail = p.catch(() => undefined);
      return p;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return engine;
}
