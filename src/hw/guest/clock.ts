/**
 * The guest's virtual clock: host monotonic time that stops while the machine is paused
 * (QEMU's QEMU_CLOCK_VIRTUAL without icount). Devices that count time (CLINT mtime,
 * timers) read it here so `stop`/`cont` freeze and resume them together.
 */
export class VirtualClock {
  private base = performance.now();
  private pausedAt: number | null = null;

  /** Nanoseconds of guest time since creation. */
  nowNs(): number {
    const t = this.pausedAt ?? performance.now();
    return (t - this.base) * 1e6;
  }
  pause(): void {
    if (this.pausedAt === null) this.pausedAt = performance.now();
  }
  resume(): void {
    if (this.pausedAt !== null) {
      this.base += performance.now() - this.pausedAt;
      this.pausedAt = null;
    }
  }
  get paused(): boolean { return this.pausedAt !== null; }
}
