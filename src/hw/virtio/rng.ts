// virtio-rng (virtio 1.x §5.4): one request queue of device-writable buffers, each filled with
// entropy from the backend. No feature bits, no configuration space.

import { type VirtioDevice, type VirtioMmio } from './mmio.ts';

const QUEUE_MAX = 8;

/** Fills a buffer with entropy (the rng backend object's source). */
export type EntropySource = (buf: Uint8Array) => void;

export class VirtioRng implements VirtioDevice {
  readonly deviceId = 4;
  readonly features = 0n;
  readonly queueCount = 1;
  readonly queueMax = QUEUE_MAX;
  private t!: VirtioMmio;

  constructor(private readonly entropy: EntropySource) {}

  attach(t: VirtioMmio): void {
    this.t = t;
  }

  config(): Uint8Array {
    return new Uint8Array(0);
  }

  reset(): void { /* every request completes inside notify(): nothing is in flight */ }

  notify(index: number): void {
    const q = this.t.queues[index];
    const ram = this.t.mem.ram;
    do {
      for (let c = q.pop(); c !== null; c = q.pop()) {
        // Device-readable segments carry nothing for this device; every writable byte gets entropy.
        let written = 0;
        for (const s of c.in) {
          this.entropy(ram.subarray(s.off, s.off + s.len));
          this.t.mem.written(s.off, s.len);
          written += s.len;
        }
        q.push(c.head, written);
      }
      q.publishAvailEvent();
    } while (q.hasAvailable());
    this.t.usedBuffers(q);
  }
}
