/**
 * Runs harts in slices on the Node event loop.
 *
 * Each turn executes instructions round-robin across harts for up to `sliceMs` of host time,
 * then yields with setImmediate so sockets (QMP), timers and stdin are served between slices.
 * When every hart is in WFI with nothing pending, the loop sleeps on a host timer until the
 * next CLINT deadline (or until kick() — an interrupt line rising, UART input — wakes it), so an
 * idle guest costs no host CPU.
 *
 * A hart spinning on a device it polls (pollingIdle(), from the UART when a console waits for a
 * key without WFI) is treated like a hart in WFI for up to POLL_SLEEP_MS: it is skipped until a
 * kick() or the time is up. The guest's clock runs on meanwhile, so its timeouts and countdowns
 * keep real time; only the number of empty polls it makes changes.
 */
import type { Hart } from './hart.ts';
import { warmUp } from './warm-up.ts';

export interface TimerSource {
  /** Re-evaluate timer interrupt lines (CLINT MTIP) from the clock. */
  update(): void;
  /** Milliseconds until the next timer deadline, or Infinity. */
  msUntilNextDeadline(): number;
  clock: { pause(): void; resume(): void };
}

export interface RunLoopOptions {
  /**
   * Host milliseconds per slice before yielding to the event loop (default 2: a QMP command
   * waits half a slice on average, bench/cpu/qmp-latency.ts; a yield costs some microseconds).
   */
  sliceMs?: number;
  /** Instructions a hart runs before the next hart gets its turn (default 20000). */
  quantum?: number;
}

/** How long a hart found polling an idle console is left out of the run. */
export const POLL_SLEEP_MS = 100;

export class RunLoop {
  private running = false;
  /** The hart executing now, and the harts sleeping in a poll with the time they wake. */
  private current: Hart | null = null;
  private readonly polling = new Map<Hart, number>();
  private scheduled: NodeJS.Immediate | null = null;
  private sleeper: NodeJS.Timeout | null = null;
  private readonly sliceMs: number;
  private readonly quantum: number;
  /** Total instructions executed (all harts). */
  instructions = 0;
  /** Called when the guest did something the owner must act on (set by poweroff handlers). */
  onError: ((e: unknown) => void) | null = null;

  constructor(readonly harts: Hart[], readonly timer: TimerSource, opts: RunLoopOptions = {}) {
    this.sliceMs = opts.sliceMs ?? 2;
    this.quantum = opts.quantum ?? 20000;
    for (const h of harts) h.onIrqRaised = () => this.kick();
  }

  get isRunning(): boolean { return this.running; }
  /** True while guest instructions are executing (device callbacks run inside this). */
  get inTurn(): boolean { return this.turning; }
  private turning = false;

  start(): void {
    if (this.running) return;
    warmUp();
    this.running = true;
    this.timer.clock.resume();
    for (const h of this.harts) h.stopRequested = false;
    this.schedule();
  }

  /** Pause: no guest instruction runs and the guest clock stops until start(). */
  pause(): void {
    if (!this.running) return;
    this.running = false;
    for (const h of this.harts) h.stopRequested = true;
    this.timer.clock.pause();
    if (this.scheduled) { clearImmediate(this.scheduled); this.scheduled = null; }
    if (this.sleeper) { clearTimeout(this.sleeper); this.sleeper = null; }
  }

  /** The hart running now polls a device that has nothing for it: let it sleep a while. */
  pollingIdle(): void {
    const h = this.current;
    if (h === null || !this.running) return;
    this.polling.set(h, performance.now() + POLL_SLEEP_MS);
    h.stopRequested = true;
  }

  /** Wake the loop early (an interrupt may have become pending for a sleeping hart). */
  kick(): void {
    this.polling.clear();
    if (!this.running || this.scheduled) return;
    if (this.sleeper) { clearTimeout(this.sleeper); this.sleeper = null; }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || !this.running) return;
    this.scheduled = setImmediate(() => { this.scheduled = null; this.turn(); });
  }

  private turn(): void {
    if (!this.running) return;
    const t0 = performance.now();
    const harts = this.harts;
    let allIdle = false;
    this.turning = true;
    try {
      for (;;) {
        this.timer.update();
        let ran = false;
        for (const h of harts) {
          if (h.wfi && !h.wakeable()) continue;
          if (this.polling.size > 0 && this.polling.has(h)) {
            if (performance.now() < this.polling.get(h)! && !h.wakeable()) continue;
            this.polling.delete(h);
          }
          this.current = h;
          this.instructions += h.run(this.quantum);
          this.current = null;
          if (!this.running) return;
          // Still running: only pollingIdle() asked this hart to stop (a kick() may since have
          // cleared the poll), and the next run must not stop early again.
          h.stopRequested = false;
          ran = true;
        }
        if (!ran) { allIdle = true; break; }
        if (performance.now() - t0 >= this.sliceMs) break;
      }
    } catch (e) {
      this.turning = false;
      this.pause();
      if (this.onError) { this.onError(e); return; }
      throw e;
    } finally {
      this.turning = false;
    }
    if (!this.running) return;
    if (allIdle) {
      let ms = this.timer.msUntilNextDeadline();
      for (const wake of this.polling.values()) ms = Math.min(ms, Math.max(0, wake - performance.now()));
      if (ms === Infinity) return; // sleep until kick()
      // A far deadline (mtimecmp = ~0, as firmware parks the timer) exceeds setTimeout's 2^31 - 1 ms,
      // which Node would turn into 1 ms and a busy loop; waking early only re-checks.
      this.sleeper = setTimeout(() => { this.sleeper = null; this.schedule(); }, Math.min(0x7fffffff, Math.max(0, Math.floor(ms))));
    } else {
      this.schedule();
    }
  }
}
