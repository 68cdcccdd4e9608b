// qemu-img's progress indicator (-p): "    (NN.NN/100%)" rewritten in place with a carriage return,
// redrawn only when the shown value changes by at least 1%, so it costs nothing on fast operations.

import { cFixed2 } from './human-size.ts';

export class Progress {
  private last = -1;
  constructor(private readonly enabled: boolean, private readonly write: (s: string) => void) {
    this.draw(0);
  }

  /** Reports that `done` of `total` units are finished. */
  update(done: number, total: number): void {
    this.draw(total > 0 ? Math.min(100, (done / total) * 100) : 100);
  }

  finish(): void {
    this.draw(100, true);
    if (this.enabled) this.write('\n');
  }

  private draw(pct: number, force = false): void {
    if (!this.enabled) return;
    if (!force && this.last >= 0 && pct - this.last < 1 && pct < 100) return;
    this.last = pct;
    this.write(`    (${cFixed2(pct)}/100%)\r`);
  }
}
