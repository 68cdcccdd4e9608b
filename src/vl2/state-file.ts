// The state file: PATH always holds the machine document, rewritten durably after every change of
// configuration (temp file in the same folder, fsync, rename, fsync the folder), with a generation
// number that grows by one per write. A change is acknowledged (a command's reply, a guest's request
// completing) only once a generation that contains it is durable; changes that arrive while a write
// is under way are coalesced into the next write. After each write a STATE_FILE_SAVED event names the
// generation and the changes it carries.
//
// A lock file beside PATH keeps a second emu off the same state file.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { QmpError } from '../shared/errors.ts';
import { type DurableWriteFault, writeFileDurable } from '../shared/durable-write.ts';
import type { ConfigChange, VirtualMachine } from '../hw/vm.ts';

export interface StateFileOptions {
  /** Test switch: fail the Nth write (1-based) at this step, as a crash there would. */
  fault?: { step: DurableWriteFault; write: number };
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class StateLock {
  private constructor(readonly path: string) {}

  /** Takes the lock or fails naming the holder; a lock left by a dead process is taken over. */
  static acquire(statePath: string): StateLock {
    const path = `${statePath}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o644);
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return new StateLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new QmpError(`cannot lock state file '${statePath}': ${(e as Error).message}`);
      }
      let holder = NaN;
      try {
        holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch { /* vanished meanwhile: retry */ }
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new QmpError(`state file '${statePath}' is in use by another emu (pid ${holder}); lock file '${path}'`);
      }
      try {
        unlinkSync(path);
      } catch { /* another process recovered it first; retry */ }
    }
    throw new QmpError(`cannot lock state file '${statePath}': the lock file '${path}' keeps reappearing`);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch { /* already gone */ }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed holder nobody has reaped yet is a zombie: it still answers signal 0 but is dead.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

export class StateFileWriter {
  generation: number;
  private pending: ConfigChange[] = [];
  private waiters: Waiter[] = [];
  private writing = false;
  private writes = 0;

  constructor(
    readonly path: string,
    private readonly vm: VirtualMachine,
    private readonly emit: (event: string, data: Record<string, unknown>) => void,
    generation: number,
    private readonly options: StateFileOptions = {},
  ) {
    this.generation = generation;
  }

  /** Records a change; resolves when a generation containing it is durable. */
  change(c: ConfigChange): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push(c);
      this.waiters.push({ resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.length) {
        const changes = this.pending.splice(0);
        const waiters = this.waiters.splice(0);
        const generation = this.generation + 1;
        // The document as it is when the write starts includes every change recorded so far.
        const { format, ...rest } = this.vm.document();
        const text = `${JSON.stringify({ format, generation, ...rest }, null, 2)}\n`;
        this.writes++;
        const f = this.options.fault;
        try {
          await writeFileDurable(this.path, text, f && f.write === this.writes ? { fault: f.step } : {});
        } catch (e) {
          // The generation is used up even so: a failure after the rename may have left it on disk,
          // and a number must never name two different documents.
          this.generation = generation;
          const err = new QmpError(`Failed to save the state file '${this.path}': ${(e as Error).message}`);
          for (const w of waiters) w.reject(err);
          continue;
        }
        this.generation = generation;
        for (const w of waiters) w.resolve();
        this.emit('STATE_FILE_SAVED', { generation, changes: changes.map((c) => ({ ...c })) });
      }
    } finally {
      this.writing = false;
    }
  }
}
