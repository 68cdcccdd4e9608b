// Shared by the chardev tests: a recording frontend, bounded waits, temporary folders.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Chardev, ChardevEvent, ChardevFrontend, FrontendLink } from '../../src/hw/chardev/chardev.ts';

export const WAIT_MS = 5000;

/** Resolves when `cond` holds, polling; rejects with `what` after `ms`. */
export async function waitFor(cond: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function withTimeout<T>(p: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    }),
  ]);
}

export class Recorder implements ChardevFrontend {
  chunks: Uint8Array[] = [];
  events: ChardevEvent[] = [];
  /** Bytes it will take; undefined = any amount. */
  room: number | undefined;
  link!: FrontendLink;

  constructor(room?: number) {
    this.room = room;
  }

  attachTo(chr: Chardev): this {
    this.link = chr.attach(this);
    return this;
  }

  receive(data: Uint8Array): void {
    if (this.room !== undefined) {
      if (data.length > this.room) throw new Error(`got ${data.length} bytes with room for ${this.room}`);
      this.room -= data.length;
    }
    this.chunks.push(Uint8Array.from(data));
  }

  canReceive(): number {
    return this.room ?? 1 << 16;
  }

  event(ev: ChardevEvent): void {
    this.events.push(ev);
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  /** Gives the frontend `n` more bytes of room and tells the chardev. */
  grant(n: number): void {
    this.room = (this.room ?? 0) + n;
    this.link.acceptInput();
  }
}

export function tmpdir(prefix = 'emu-chardev-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
