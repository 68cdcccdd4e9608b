// The stdio chardev: emu's own standard input and output. On a terminal, input is switched to raw
// mode (no echo, no line editing: the guest does its own), and the terminal is restored on close and
// at process exit whatever the exit path. libuv's raw mode also clears ISIG, so Ctrl-C arrives as a
// byte; with signal=on (the default) it ends emu as it ends QEMU, with signal=off it goes to the
// guest. Off a terminal nothing about the streams is changed.

import type { Readable, Writable } from 'node:stream';
import { QmpError } from '../../shared/errors.ts';
import { Chardev, type ChardevStdioOptions } from './chardev.ts';

interface TtyInput extends Readable {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  isRaw?: boolean;
}

export interface StdioHost {
  input: TtyInput;
  output: Writable;
  /** Called for Ctrl-C with signal=on; default: raise SIGINT on this process. */
  onInterrupt?: () => void;
}

// QEMU refuses a second stdio chardev: two readers of one terminal would steal each other's bytes.
let processStdioUser: string | undefined;

export class StdioChardev extends Chardev {
  readonly kind = 'stdio' as const;
  readonly signal: boolean;
  private readonly host: StdioHost | undefined;
  private input: TtyInput | undefined;
  private output: Writable | undefined;
  private rawSet = false;
  private readonly onData = (chunk: Buffer | string): void => this.input_(chunk);
  private readonly onEnd = (): void => this.emitEvent('closed');
  private readonly restoreAtExit = (): void => this.restoreTerminal();

  /** `host` replaces the process's stdin/stdout (tests, or a front end's own streams). */
  constructor(id: string, opts: ChardevStdioOptions = {}, host?: StdioHost) {
    super(id, opts);
    this.signal = opts.signal ?? true;
    this.host = host;
  }

  describe(): string {
    return 'stdio';
  }

  /** Whether this chardev put the terminal in raw mode. */
  get rawMode(): boolean {
    return this.rawSet;
  }

  protected doOpen(): void {
    if (!this.host) {
      if (processStdioUser !== undefined) throw new QmpError('cannot use stdio by multiple character devices');
      processStdioUser = this.id;
    }
    const input = this.host?.input ?? (process.stdin as TtyInput);
    this.input = input;
    this.output = this.host?.output ?? process.stdout;
    // A reader that goes away (`emu ... | head`) costs the console, not the machine: QEMU ignores
    // SIGPIPE and drops what it cannot write, and so does this chardev.
    this.output.on('error', () => { this.outputGone = true; });
    if (input.isTTY && typeof input.setRawMode === 'function' && !input.isRaw) {
      input.setRawMode(true);
      this.rawSet = true;
      process.once('exit', this.restoreAtExit);
    }
    input.pause();
    input.on('data', this.onData);
    input.on('end', this.onEnd);
    input.pause();
  }

  private input_(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : new Uint8Array(chunk);
    if (this.rawSet && this.signal) {
      const at = bytes.indexOf(0x03);
      if (at >= 0) {
        if (at > 0) this.deliver(bytes.subarray(0, at));
        this.interrupt();
        return;
      }
    }
    this.deliver(bytes);
  }

  private interrupt(): void {
    if (this.host?.onInterrupt) {
      this.host.onInterrupt();
      return;
    }
    // Put the terminal back first: the SIGINT handler may end the process before 'exit' runs.
    this.restoreTerminal();
    process.kill(process.pid, 'SIGINT');
  }

  protected override pauseInput(): void {
    this.input?.pause();
  }

  protected override resumeInput(): void {
    this.input?.resume();
  }

  private outputGone = false;

  /**
   * Output not yet handed to the stream. A guest's serial console writes a byte at a time, and
   * each stream write costs a system call and some microseconds of Node's stream machinery (a
   * U-Boot boot made 2,600 of them): bytes written during one task of the event loop (a slice of
   * guest execution, a monitor command) go out together when it ends.
   */
  private unwritten: Uint8Array[] = [];
  private readonly flushPending = (): void => this.flush();

  protected writeBytes(data: Uint8Array): void {
    if (!this.output) return;
    if (this.unwritten.length === 0) {
      queueMicrotask(this.flushPending);
      // a process that exits in this task (the guest powered off) still prints everything
      process.once('exit', this.flushPending);
    }
    // the caller may reuse its buffer
    this.unwritten.push(data.slice());
  }

  private flush(): void {
    if (this.unwritten.length === 0) return;
    const data = this.unwritten.length === 1 ? this.unwritten[0] : Buffer.concat(this.unwritten);
    this.unwritten = [];
    process.off('exit', this.flushPending);
    const out = this.output;
    // The stream, always: Node writes stdout synchronously on Linux for files, pipes and terminals, so
    // nothing written before exit is lost, and mixing in fs.writeSync on a non-blocking pipe stalled
    // a guest's output (EAGAIN half-way through a write, then the rest queued behind later bytes).
    if (out && out.writable && !this.outputGone) out.write(data);
  }

  private restoreTerminal(): void {
    if (!this.rawSet) return;
    this.rawSet = false;
    try {
      this.input?.setRawMode?.(false);
    } catch {
      // The terminal may already be gone (hang-up); nothing left to restore.
    }
  }

  protected doClose(): void {
    this.flush();
    const input = this.input;
    if (input) {
      input.off('data', this.onData);
      input.off('end', this.onEnd);
      input.pause();
      // The process's stdin stays open (others may read it) but must not keep emu alive.
      if (input === process.stdin) (process.stdin as { unref?: () => void }).unref?.();
    }
    this.restoreTerminal();
    process.off('exit', this.restoreAtExit);
    if (!this.host && processStdioUser === this.id) processStdioUser = undefined;
    this.input = undefined;
    this.output = undefined;
  }
}
