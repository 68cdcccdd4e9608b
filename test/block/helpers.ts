// Shared fixtures for the block tests: scratch folders, random bytes, and the real qemu-img.

import type tap from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

export function scratch(t: { teardown(fn: () => void): void }, prefix = 'emu-block-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const qemuImgPath = (() => {
  const r = spawnSync('qemu-img', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'qemu-img' : null;
})();

/** Options for t.test that skip when qemu-img is absent, naming the package that provides it. */
export const needsQemuImg = qemuImgPath
  ? {}
  : { skip: 'qemu-img not found; install the Debian package qemu-utils' };

export const needsQemuIo = spawnSync('qemu-io', ['--version']).status === 0
  ? {}
  : { skip: 'qemu-io not found; install the Debian package qemu-utils' };

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function qemuImg(...args: string[]): Run {
  const r = spawnSync('qemu-img', args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function qemuIo(...args: string[]): Run {
  const r = spawnSync('qemu-io', args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A deterministic pseudo-random generator, so a failing property test can be replayed by seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

export function randomBytes(next: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  // Four bytes per draw: the crash and property tests generate tens of megabytes.
  const words = new Uint32Array(b.buffer, 0, n >> 2);
  for (let i = 0; i < words.length; i++) words[i] = (next() * 0x100000000) >>> 0;
  for (let i = words.length * 4; i < n; i++) b[i] = (next() * 256) | 0;
  return b;
}

/** The one assertion the helpers need; tap's `t` and every subtest satisfy it. */
export type Equal = Pick<typeof tap, 'equal'>;

/** Asserts that a qemu-img/qemu-io run succeeded, with its output as the message. */
export function expectOk(t: Equal, r: Run, what: string): void {
  t.equal(r.status, 0, `${what}: ${r.stderr.trim() || r.stdout.trim().split('\n').slice(-2).join(' ')}`);
}
