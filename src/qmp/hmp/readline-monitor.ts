// The human monitor over a byte stream, as QEMU's `-monitor stdio` / `-monitor unix:...` presents
// it: a banner, the `(qemu) ` prompt (QEMU's text, so expect-style scripts written for QEMU keep
// working), line editing, and each line run as one human-monitor-command. Output uses CRLF line
// ends, as QEMU's monitor does.

import { EMU_VERSION } from '../../shared/version.ts';
import type { Core } from '../core.ts';
import { hmpLineRunner } from './index.ts';

/** What a monitor receives from its chardev. */
export interface ChardevFrontend {
  input(data: Uint8Array): void;
  /** The input ended (EOF, hang-up). */
  eof(): void;
  /**
   * On a mux: whether this monitor is the frontend on screen. Off screen its output is kept and
   * written when it gets the focus, as QEMU's monitor holds its output while muxed out (so the
   * banner of `-nographic`'s monitor appears at the first C-a c, not over the guest's console).
   */
  focus?(onScreen: boolean): void;
}

/**
 * The byte channel a monitor talks over: the frontend side of a chardev. A chardev backend (stdio,
 * socket, pipe, ...) implements it; `streamChardev` adapts a pair of Node streams.
 */
export interface MonitorChardev {
  write(data: Uint8Array): void;
  /** Starts delivering input to the frontend. */
  attach(frontend: ChardevFrontend): void;
  /** Stops delivering input; the monitor no longer uses the chardev. */
  detach?(): void;
}

/** A MonitorChardev over a readable and a writable stream (process.stdin/stdout, sockets, pipes). */
export function streamChardev(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): MonitorChardev {
  let onData: ((d: Buffer | string) => void) | undefined;
  let onEnd: (() => void) | undefined;
  return {
    write: (data) => {
      output.write(data);
    },
    attach(frontend) {
      onData = (d) => frontend.input(typeof d === 'string' ? Buffer.from(d) : d);
      onEnd = () => frontend.eof();
      input.on('data', onData);
      input.on('end', onEnd);
      input.on('close', onEnd);
      input.resume();
    },
    detach() {
      if (onData) input.off('data', onData);
      if (onEnd) {
        input.off('end', onEnd);
        input.off('close', onEnd);
      }
      onData = onEnd = undefined;
    },
  };
}

export interface ReadlineMonitorOptions {
  /** Runs a command line and returns the text to print (CRLF line ends). */
  run: (line: string) => Promise<string>;
  /** Echo typed characters and edits: for a terminal in raw mode. Off for pipes and cooked terminals. */
  echo?: boolean;
  /** Start without greeting or reading; `resume()` starts (monitors wait while the command line runs). */
  suspended?: boolean;
  /** The banner's program name and version. */
  name?: string;
  version?: string;
  /** The prompt; QEMU's by default. */
  prompt?: string;
  /** Called once when the input ends (EOF, or Ctrl-D on an empty line) and the last command finished. */
  onClose?: () => void;
  /**
   * Ctrl-C. A terminal in raw mode no longer turns it into SIGINT, while QEMU's stdio (signal=on)
   * keeps it a signal; a stdio monitor on a raw terminal passes a function raising SIGINT here.
   * Without one, Ctrl-C is ignored like other control characters.
   */
  onInterrupt?: () => void;
}

export const HMP_PROMPT = '(qemu) ';

export function hmpBanner(name = 'emu', version = EMU_VERSION): string {
  return `${name} ${version} monitor - type 'help' for more information`;
}

const ESC = '\x1b';

export class ReadlineMonitor {
  /** Resolves when the monitor has closed (end of input and the last command done). */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';
  private line = '';
  private busy = false;
  private started = false;
  private eofSeen = false;
  private isClosed = false;
  private lastWasCR = false;
  private escape = '';
  private readonly history: string[] = [];
  private historyIndex = 0;
  private readonly prompt: string;
  private offScreen = false;
  private heldOutput: Uint8Array[] = [];

  constructor(private readonly chardev: MonitorChardev, private readonly opts: ReadlineMonitorOptions) {
    this.prompt = opts.prompt ?? HMP_PROMPT;
    this.closed = new Promise((r) => {
      this.resolveClosed = r;
    });
    // Input that arrives while suspended is kept and run after resume().
    chardev.attach({
      input: (d) => {
        this.pending += this.decoder.decode(d, { stream: true });
        this.pump();
      },
      eof: () => {
        this.eofSeen = true;
        this.pump();
      },
      focus: (onScreen) => {
        this.offScreen = !onScreen;
        if (!onScreen) return;
        const held = this.heldOutput;
        this.heldOutput = [];
        for (const d of held) if (!this.isClosed) this.chardev.write(d);
      },
    });
    if (!opts.suspended) this.resume();
  }

  /** Greets and starts reading (a no-op when already started). */
  resume(): void {
    if (this.started || this.isClosed) return;
    this.started = true;
    this.out(`${hmpBanner(this.opts.name, this.opts.version)}\r\n${this.prompt}`);
    this.pump();
  }

  /** Stops the monitor: no more input is read, nothing more is printed. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.chardev.detach?.();
    this.opts.onClose?.();
    this.resolveClosed();
  }

  private out(text: string): void {
    if (this.isClosed) return;
    if (this.offScreen) this.heldOutput.push(this.encoder.encode(text));
    else this.chardev.write(this.encoder.encode(text));
  }

  private echo(text: string): void {
    if (this.opts.echo) this.out(text);
  }

  private redrawLine(): void {
    this.echo(`\r${this.prompt}${this.line}${ESC}[K`);
  }

  /** Consumes input characters until a command starts running or the input is exhausted. */
  private pump(): void {
    if (!this.started || this.isClosed) return;
    while (!this.busy && this.pending.length > 0) {
      const cp = this.pending.codePointAt(0)!;
      const ch = String.fromCodePoint(cp);
      this.pending = this.pending.slice(ch.length);
      this.handleChar(ch);
      if (this.isClosed) return;
    }
    if (!this.busy && this.eofSeen) {
      // A last line without a newline still runs, as a shell runs a script's last line.
      if (this.line.length > 0) {
        this.submit();
        return;
      }
      this.close();
    }
  }

  private handleChar(ch: string): void {
    const wasCR = this.lastWasCR;
    this.lastWasCR = ch === '\r';
    if (this.escape) {
      this.handleEscape(ch);
      return;
    }
    switch (ch) {
      case '\r':
        this.submit();
        return;
      case '\n':
        if (!wasCR) this.submit();
        return;
      case '\x7f':
      case '\b':
        if (this.line.length > 0) {
          const chars = [...this.line];
          chars.pop();
          this.line = chars.join('');
          this.echo('\b \b');
        }
        return;
      case '\x04':
        // Ctrl-D ends the session on an empty line, like a shell; elsewhere it is ignored.
        if (this.line.length === 0) {
          this.echo('\r\n');
          this.pending = '';
          this.close();
        }
        return;
      case '\x03':
        this.opts.onInterrupt?.();
        return;
      case '\x15':
        this.line = '';
        this.redrawLine();
        return;
      case ESC:
        this.escape = ESC;
        return;
      default:
        if (ch < ' ') return;
        this.line += ch;
        this.echo(ch);
    }
  }

  // ESC [ A / ESC O A (up), B (down); other sequences (cursor keys, function keys) are swallowed.
  private handleEscape(ch: string): void {
    this.escape += ch;
    const seq = this.escape;
    if (seq.length === 2) {
      if (ch !== '[' && ch !== 'O') this.escape = '';
      return;
    }
    if (ch >= '@' && ch <= '~') {
      this.escape = '';
      if (ch === 'A' || ch === 'B') this.historyMove(ch === 'A' ? -1 : 1);
    }
  }

  private historyMove(step: number): void {
    const i = this.historyIndex + step;
    if (i < 0 || i > this.history.length) return;
    this.historyIndex = i;
    this.line = i === this.history.length ? '' : this.history[i];
    this.redrawLine();
  }

  private submit(): void {
    const line = this.line;
    this.line = '';
    this.echo('\r\n');
    if (line.trim() !== '' && this.history[this.history.length - 1] !== line) this.history.push(line);
    this.historyIndex = this.history.length;
    this.busy = true;
    const done = (text: string) => {
      this.out(text);
      this.out(this.prompt);
      this.busy = false;
      this.pump();
    };
    this.opts.run(line).then(done, (e: unknown) => done(`Error: ${e instanceof Error ? e.message : String(e)}\r\n`));
  }
}

/**
 * Runs the human monitor of a core over a chardev (the core must have the HMP installed, see
 * installHmp). Each line is submitted as a human-monitor-command through the dispatcher.
 */
export function startReadlineMonitor(core: Core, chardev: MonitorChardev, opts: Omit<ReadlineMonitorOptions, 'run'> = {}): ReadlineMonitor {
  return new ReadlineMonitor(chardev, { ...opts, run: hmpLineRunner(core.dispatcher) });
}
