// Shared helpers for the CPU/board tests: run a guest on the bare virt board until it
// powers off, collecting UART output, always with a timeout.
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtBoard, type BootImages } from '../../src/hw/guest/virt-board.ts';
import { BlockCache } from '../../src/hw/cpu/jit.ts';

export const GUESTS = new URL('../guests/', import.meta.url).pathname;

export interface GuestRun {
  output: string;
  exitCode: number | null;
  resets: number;
  board: VirtBoard;
}

export interface RunOptions {
  ramSize?: number;
  harts?: number;
  timeoutMs?: number;
  /** Called with the output so far after each chunk of output; may push input. */
  onOutput?: (out: string, board: VirtBoard) => void;
  /** Stop (without poweroff) once this returns true. */
  until?: (out: string) => boolean;
  /** 'eager': compile blocks after 2 executions; 'off': interpreter only; default: as shipped. */
  jit?: 'eager' | 'off';
}

export function runGuest(images: BootImages, opts: RunOptions = {}): Promise<GuestRun> {
  return new Promise((resolve, reject) => {
    let output = '';
    let resets = 0;
    let done = false;
    const finish = (exitCode: number | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      board.dispose();
      resolve({ output, exitCode, resets, board });
    };
    const board: VirtBoard = new VirtBoard({
      ramSize: opts.ramSize ?? 128 * 1024 * 1024,
      harts: opts.harts ?? 1,
      serial: {
        write(d) {
          output += Buffer.from(d).toString('latin1');
          opts.onOutput?.(output, board);
          if (opts.until?.(output)) setImmediate(() => finish(null));
        },
      },
      power: { poweroff: (code) => finish(code), reset: () => { resets++; board.reset(); } },
    });
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      board.dispose();
      reject(new Error(`guest timed out after ${opts.timeoutMs ?? 10000} ms; output so far:\n${output.slice(-2000)}`));
    }, opts.timeoutMs ?? 10000);
    if (opts.jit === 'eager') { const c = BlockCache.for(board.as); if (c) { c.threshold = 2; c.synchronous = true; } }
    if (opts.jit === 'off') for (const h of board.harts) h.jit = null;
    board.runLoop.onError = (e) => { if (!done) { done = true; clearTimeout(timer); board.dispose(); reject(e); } };
    board.loadImages(images);
    board.runLoop.start();
  });
}

export function guestElf(name: string): Uint8Array {
  return readFileSync(join(GUESTS, `${name}.elf`));
}

export function hasCommand(cmd: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** A DTB for the virt board: QEMU's own dump when QEMU is installed, else dtc on the reference tree. */
export function makeDtb(memMiB: number, harts: number): Uint8Array | null {
  const dir = mkdtempSync(join(tmpdir(), 'emu-dtb-'));
  try {
    const out = join(dir, 'virt.dtb');
    if (hasCommand('qemu-system-riscv64')) {
      execFileSync('qemu-system-riscv64', ['-M', `virt,dumpdtb=${out}`, '-m', `${memMiB}M`, '-smp', String(harts), '-display', 'none'], { stdio: 'ignore', timeout: 10000 });
      return readFileSync(out);
    }
    const ref = '/work/shared/reference/qemu-virt-7.2.dts';
    if (hasCommand('dtc') && existsSync(ref) && memMiB === 256 && harts === 2) {
      execFileSync('dtc', ['-I', 'dts', '-O', 'dtb', '-q', '-o', out, ref], { stdio: 'ignore' });
      return readFileSync(out);
    }
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
