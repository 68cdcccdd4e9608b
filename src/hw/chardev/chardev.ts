// Character device backends: the host side of a serial port or a monitor.
//
// THE CONTRACT (every backend in this folder keeps it)
//
// A chardev is created from its QMP `ChardevBackend` options (see createChardev in index.ts); the
// constructor only validates, so a bad option fails before any host resource is touched.
//
//   open(): Promise<void>   Acquires host resources (files, sockets, the terminal). Idempotent: a
//                           second call returns the first call's promise. Fails with a QmpError
//                           carrying QEMU's text ("Could not open 'x': No such file or directory").
//                           A failed open leaves nothing behind and may be retried.
//   close(): Promise<void>  Releases every fd and socket and restores the terminal. Idempotent;
//                           closing is final (a closed chardev is never reopened).
//   write(bytes)            Output from the frontend (guest serial output, monitor text). Never
//                           blocks and never throws: with no peer connected the bytes are dropped,
//                           as QEMU drops them, so a guest never stalls on a missing listener.
//   attach(frontend)        The input side. One frontend per chardev (the mux chardev takes up to
//                           four); a second one fails with QEMU's "Device 'x' is in use". Input is
//                           handed over in `receive(bytes)` calls no larger than the frontend's
//                           `canReceive()`; bytes the frontend cannot take yet wait in the chardev
//                           (up to INPUT_HOLD_LIMIT, then the host source is paused, as QEMU stops
//                           polling) until the frontend calls `acceptInput()` on its link. Without
//                           a frontend, input waits likewise rather than being lost.
//   connected               Whether a peer is there to talk to (only sockets are ever false).
//   describe()              The `filename` QEMU's query-chardev reports for this backend.
//   frontendOpen            The frontend's on/off (QEMU's `frontend-open`), set through its link.
//
// Frontends get events: 'opened' when a peer connects (and on attach if one already is), 'closed'
// when it goes away, 'break' (Ctrl-A b on a mux), 'mux-in'/'mux-out' when a mux gives or takes the
// focus. A QMP monitor sends its greeting on 'opened'; the human monitor prints its prompt on 'mux-in'.

import * as fs from 'node:fs';
import { QmpError } from '../../shared/errors.ts';
import { strerror } from '../../shared/errno.ts';

// ---- options, shaped like QEMU's qapi/char.json (and a superset of emu's schema types) ----

export interface ChardevCommon {
  logfile?: string;
  logappend?: boolean;
}

export interface ChardevFileOptions extends ChardevCommon {
  out: string;
  in?: string;
  append?: boolean;
}

export interface ChardevStdioOptions extends ChardevCommon {
  /** Ctrl-C ends the process (default true). */
  signal?: boolean;
}

export interface ChardevRingbufOptions extends ChardevCommon {
  size?: number;
}

export interface ChardevHostdevOptions extends ChardevCommon {
  device: string;
}

export interface UnixSocketAddress {
  path: string;
  abstract?: boolean;
  tight?: boolean;
}

export interface InetSocketAddress {
  host: string;
  port: string;
  numeric?: boolean;
  to?: number;
  ipv4?: boolean;
  ipv6?: boolean;
}

export type SocketAddressLegacy =
  | { type: 'unix'; data: UnixSocketAddress }
  | { type: 'inet'; data: InetSocketAddress };

export interface ChardevSocketOptions extends ChardevCommon {
  addr: SocketAddressLegacy;
  /** Listen rather than connect (QMP default true; QEMU's -chardev default is off). */
  server?: boolean;
  /** Server only: wait for the first client before the machine starts (default false). */
  wait?: boolean;
  nodelay?: boolean;
  telnet?: boolean;
  /** Client only: seconds between connection attempts while disconnected (0 = never). */
  reconnect?: number;
}

export interface ChardevMuxOptions extends ChardevCommon {
  chardev: string;
}

export type ChardevBackend =
  | { type: 'null'; data?: ChardevCommon }
  | { type: 'file'; data: ChardevFileOptions }
  | { type: 'stdio'; data?: ChardevStdioOptions }
  | { type: 'socket'; data: ChardevSocketOptions }
  | { type: 'ringbuf'; data?: ChardevRingbufOptions }
  | { type: 'memory'; data?: ChardevRingbufOptions }
  | { type: 'pipe'; data: ChardevHostdevOptions }
  | { type: 'mux'; data: ChardevMuxOptions };

export type ChardevKind = ChardevBackend['type'];

// ---- frontends ----

export type ChardevEvent = 'opened' | 'closed' | 'break' | 'mux-in' | 'mux-out';

/** The device or monitor that uses a chardev. */
export interface ChardevFrontend {
  /** Input for the frontend; never more than canReceive() said. */
  receive(data: Uint8Array): void;
  /** How many bytes the frontend can take now (a UART: the room in its FIFO). Omitted: any amount. */
  canReceive?(): number;
  event?(event: ChardevEvent): void;
}

/** What attach() hands the frontend: its side of the connection (QEMU's CharBackend). */
export interface FrontendLink {
  readonly chardev: Chardev;
  write(data: Uint8Array | string): void;
  /** The frontend has room again: held input is delivered. */
  acceptInput(): void;
  /** QEMU's qemu_chr_fe_set_open: what query-chardev reports as frontend-open. */
  setOpen(open: boolean): void;
  /** On a mux, make this frontend the one that gets input; elsewhere nothing. */
  takeFocus(): void;
  detach(): void;
}

const encoder = new TextEncoder();

export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/** QEMU's error when a chardev already has its frontend(s). */
export function inUseError(id: string): QmpError {
  return new QmpError(`Device '${id}' is in use`);
}

/** Input kept for the frontend before the host source is paused. */
export const INPUT_HOLD_LIMIT = 64 * 1024;

export abstract class Chardev {
  abstract readonly kind: ChardevKind;
  readonly id: string;

  private fe: ChardevFrontend | undefined;
  private feOpen = false;
  private pending: Uint8Array[] = [];
  private inputHeld = true;
  private pumping = false;
  /** The frontend has had 'opened' for the present connection. */
  private toldOpen = false;
  private opening: Promise<void> | undefined;
  /** doOpen() has finished (opening is set as soon as open() is called). */
  private opened = false;
  private closing: Promise<void> | undefined;

  /** ChardevCommon's logfile: a copy of everything written, kept by every backend alike. */
  private readonly logPath: string | undefined;
  private readonly logAppend: boolean;
  private logFd: number | undefined;

  constructor(id: string, common: ChardevCommon = {}) {
    this.id = id;
    this.logPath = common.logfile;
    this.logAppend = common.logappend ?? false;
  }

  /** QEMU's query-chardev `filename`. */
  abstract describe(): string;

  get connected(): boolean {
    return this.isOpen;
  }

  get frontendOpen(): boolean {
    return this.feOpen;
  }

  get isOpen(): boolean {
    return this.opening !== undefined && this.closing === undefined && this.opened;
  }

  get isClosed(): boolean {
    return this.closing !== undefined;
  }

  open(): Promise<void> {
    if (this.closing) return Promise.reject(new QmpError(`Chardev '${this.id}' is closed`));
    this.opening ??= (async () => {
      if (this.logPath !== undefined) {
        try {
          this.logFd = fs.openSync(this.logPath, this.logAppend ? 'a' : 'w', 0o666);
        } catch (e) {
          throw new QmpError(`Could not open '${this.logPath}': ${strerror(e)}`);
        }
      }
      try {
        await this.doOpen();
      } catch (e) {
        this.closeLog();
        throw e;
      }
      this.opened = true;
      if (!this.closing) this.afterOpen();
    })().catch((e: unknown) => {
      this.opening = undefined;
      throw e;
    });
    return this.opening;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.opening) await this.opening.catch(() => undefined);
      this.pending = [];
      try {
        await this.doClose();
      } finally {
        this.closeLog();
      }
    })();
    return this.closing;
  }

  write(data: Uint8Array | string): void {
    // Not isOpen: a frontend answers 'opened' (a QMP greeting) while a socket's open() is finishing.
    if (this.closing) return;
    // A copy: backends queue what they cannot write at once (a pipe whose reader is slow, a socket),
    // and frontends reuse their buffers (the UART passes its one-byte transmit buffer).
    const bytes = typeof data === 'string' ? toBytes(data) : data.slice();
    if (bytes.length === 0) return;
    this.writeBytes(bytes);
    if (this.logFd !== undefined) {
      try {
        fs.writeSync(this.logFd, bytes);
      } catch {
        // A full disk must not stop the guest's console.
      }
    }
  }

  private closeLog(): void {
    if (this.logFd === undefined) return;
    fs.closeSync(this.logFd);
    this.logFd = undefined;
  }

  attach(frontend: ChardevFrontend): FrontendLink {
    if (this.fe) throw inUseError(this.id);
    this.fe = frontend;
    this.toldOpen = false;
    const link: FrontendLink = {
      chardev: this,
      write: (data) => this.write(data),
      acceptInput: () => { if (this.fe === frontend) this.pump(); },
      setOpen: (open) => { if (this.fe === frontend) this.feOpen = open; },
      takeFocus: () => undefined,
      detach: () => {
        if (this.fe !== frontend) return;
        this.fe = undefined;
        this.feOpen = false;
        this.pump();
      },
    };
    // After the caller holds its link, as QEMU tells a late frontend the device is already open.
    queueMicrotask(() => {
      if (this.fe !== frontend) return;
      if (this.connected) this.emitEvent('opened');
      this.pump();
    });
    return link;
  }

  // ---- for subclasses ----

  protected abstract doOpen(): Promise<void> | void;
  protected abstract doClose(): Promise<void> | void;
  protected abstract writeBytes(data: Uint8Array): void;

  /** Called once open() succeeded; a source that is always connected says so here. */
  protected afterOpen(): void {
    if (this.connected) this.emitEvent('opened');
    this.pump();
  }

  /** Stop reading from the host source: the frontend cannot take more. */
  protected pauseInput(): void {}
  /** Resume reading from the host source. */
  protected resumeInput(): void {}

  /** Input from the host, for the frontend. */
  protected deliver(data: Uint8Array): void {
    if (data.length === 0 || this.closing) return;
    this.pending.push(data);
    this.pump();
  }

  /** Sends an event to the frontend; 'opened' at most once per connection. */
  protected emitEvent(event: ChardevEvent): void {
    const fe = this.fe;
    if (!fe) return;
    if (event === 'opened') {
      if (this.toldOpen) return;
      this.toldOpen = true;
    } else if (event === 'closed') {
      this.toldOpen = false;
    }
    fe.event?.(event);
  }

  /** True while the host source should stay paused (new sources start in this state). */
  protected get inputIsHeld(): boolean {
    return this.inputHeld;
  }

  /** Drops input held for a peer that has gone (a socket client's unread bytes). */
  protected discardPending(): void {
    this.pending = [];
  }

  protected pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const fe = this.fe;
        if (!fe || this.pending.length === 0) break;
        const room = fe.canReceive ? fe.canReceive() : Infinity;
        if (!(room > 0)) break;
        const head = this.pending[0];
        if (head.length <= room) {
          this.pending.shift();
          fe.receive(head);
        } else {
          const n = Math.floor(room);
          this.pending[0] = head.subarray(n);
          fe.receive(head.subarray(0, n));
        }
      }
    } finally {
      this.pumping = false;
    }
    // Reading goes on until a little is held, rather than stopping at the first unread byte as QEMU
    // does: a paused Node socket never notices its peer hanging up.
    let held = 0;
    for (const c of this.pending) held += c.length;
    const hold = held >= INPUT_HOLD_LIMIT;
    if (hold === this.inputHeld || !this.isOpen) {
      if (!this.isOpen) this.inputHeld = true;
      return;
    }
    this.inputHeld = hold;
    if (hold) this.pauseInput();
    else this.resumeInput();
  }
}
