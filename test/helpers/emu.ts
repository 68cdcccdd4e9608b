// Spawning the real binaries in tests: every process is killed by PID when the test ends, and every
// wait has a timeout.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QmpClient } from '../../src/qmp/client.ts';
import { childEnv, harnessFreeCommand } from './child-env.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EMU = join(ROOT, 'bin/emu');
export const EMU_LEGACY = join(ROOT, 'bin/emu-legacy');

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export interface Spawned {
  proc: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function tempDir(prefix = 'emu-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function spawnBinary(t: Teardown, binary: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Spawned {
  const env = childEnv({ ...process.env, ...opts.env });
  const [command, argv] = harnessFreeCommand(binary, args, env);
  const proc = spawn(command, argv, { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return { proc, pid: proc.pid!, stdout: () => out, stderr: () => err, exited };
}

/** The process's exit, or null when it has not exited within `ms` (the timer does not hold the test open). */
export async function exitWithin<T>(p: { exited: Promise<T> }, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((r) => { timer = setTimeout(() => r(null), ms); });
  try {
    return await Promise.race([p.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a binary to completion (with a timeout) and returns its exit code and output. */
export async function runBinary(t: Teardown, binary: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; input?: string } = {}) {
  const p = spawnBinary(t, binary, args, opts);
  if (opts.input !== undefined) p.proc.stdin!.end(opts.input);
  else p.proc.stdin!.end();
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
  const r = await p.exited;
  clearTimeout(timer);
  return { code: r.code, signal: r.signal, stdout: p.stdout(), stderr: p.stderr() };
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Starts `emu` with a QMP socket and returns the process and a negotiated client. */
export async function startEmuWithQmp(t: Teardown, args: string[], opts: { socket?: string; env?: Record<string, string>; binary?: string } = {}) {
  const socket = opts.socket ?? join(tempDir(), 'qmp.sock');
  const binary = opts.binary ?? EMU;
  const qmpArgs = binary === EMU ? ['--qmp-socket', socket] : ['-qmp', `unix:${socket},server=on,wait=off`];
  const p = spawnBinary(t, binary, [...qmpArgs, ...args], { env: opts.env });
  let died = false;
  void p.exited.then(() => { died = true; });
  await waitFor(() => existsSync(socket) || died, `QMP socket ${socket}`, 30_000);
  if (died) throw new Error(`emu exited early: ${p.stderr()}`);
  // The socket file appears at bind(), a moment before listen(): retry a refused connection.
  let client: QmpClient | undefined;
  const end = Date.now() + 10_000;
  while (!client) {
    try {
      client = await QmpClient.connect(socket, { timeoutMs: 10_000 });
    } catch (e) {
      if (died || Date.now() > end || !/ECONNREFUSED/.test((e as Error).message)) throw new Error(`${(e as Error).message}; emu stderr: ${p.stderr()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const c = client;
  t.teardown(() => c.close());
  return { ...p, client: c, socket };
}
