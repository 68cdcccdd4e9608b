// The mux chardev (QEMU's mux=on, `mon:stdio`, `-nographic`): up to four frontends — typically the
// serial port and the human monitor — share one backend. Everything the frontends write goes out;
// input goes to the frontend that has the focus. The escape character (Ctrl-A unless changed, QEMU's
// -echr) introduces commands:
//   C-a h / C-a ?   print the help text        C-a x    print "QEMU: Terminated", then onExit
//   C-a c           focus the next frontend    C-a s    onCommit (QEMU: commit -snapshot disks)
//   C-a t           toggle output timestamps   C-a b    'break' to the focused frontend
//   C-a C-a         a literal C-a              C-a <anything else>   swallowed
// The texts are QEMU 7.2's byte for byte ("\n\r" line ends included) so that scripts driving a
// console (expect, pexpect) keep working.
//
// The last frontend to attach takes the focus (QEMU: the serial port, attached after the monitor,
// starts with it). The focused frontend gets 'mux-in', the one losing it 'mux-out'; a frontend
// that has not had 'mux-in' is not on screen. 'opened' and 'closed' from the backend go to every
// frontend, 'opened' only after the focus has settled.

import { Chardev, type ChardevCommon, type ChardevFrontend, type FrontendLink, inUseError, toBytes } from './chardev.ts';

export const MUX_MAX_FRONTENDS = 4;
/** Input kept per frontend while it cannot take more (QEMU's MUX_BUFFER_SIZE). */
const MUX_BUFFER_SIZE = 32;

const HELP_LINES = [
  '% h    print this help\n\r',
  '% x    exit emulator\n\r',
  '% s    save disk data back to file (if -snapshot)\n\r',
  '% t    toggle console timestamps\n\r',
  '% b    send break (magic sysrq)\n\r',
  '% c    switch between console and monitor\n\r',
  '% %  sends %\n\r',
];

export const MUX_EXIT_TEXT = 'QEMU: Terminated\n\r';

/** QEMU's help text for an escape character (1..25 print as C-a..C-y). */
export function muxHelpText(escapeChar = 0x01): string {
  let head = '\n\r';
  let name = 'Escape-Char';
  if (escapeChar > 0 && escapeChar < 26) {
    name = `C-${String.fromCharCode(escapeChar - 1 + 0x61)}`;
  } else {
    head = `\n\rEscape-Char set to Ascii: 0x${escapeChar.toString(16).padStart(2, '0')}\n\r\n\r`;
  }
  return head + HELP_LINES.map((l) => l.replaceAll('%', name)).join('');
}

export interface MuxOptions extends ChardevCommon {
  /** The escape byte (default 0x01, Ctrl-A). */
  escapeChar?: number;
  /** C-a x, after the "QEMU: Terminated" line is written. */
  onExit?: () => void;
  /** C-a s. */
  onCommit?: () => void;
  /** Milliseconds clock for C-a t timestamps (tests pass a fake). */
  now?: () => number;
  /**
   * Created during start-up: the focus and 'opened' wait for release(), so the frontend attached
   * last during the whole start-up (the serial port) starts with the focus even though the machine
   * attaches it after the monitor — QEMU opens its muxes when machine creation is done.
   */
  held?: boolean;
}

interface Slot {
  fe: ChardevFrontend;
  open: boolean;
  queue: number[];
  /** Whether it has been sent 'opened' for the current backend connection. */
  told: boolean;
}

export class MuxChardev extends Chardev {
  readonly kind = 'mux' as const;
  readonly backend: Chardev;
  private readonly opts: MuxOptions;
  private readonly escape: number;
  private readonly slots: Slot[] = [];
  private focus = -1;
  private gotEscape = false;
  private timestamps = false;
  private timestampStart = -1;
  private lineStart = false;
  private settling = false;
  private held: boolean;
  private readonly link: FrontendLink;

  constructor(id: string, backend: Chardev, opts: MuxOptions = {}) {
    super(id, opts);
    this.backend = backend;
    this.opts = opts;
    this.escape = opts.escapeChar ?? 0x01;
    this.held = opts.held ?? false;
    this.link = backend.attach({
      receive: (data) => this.input(data),
      canReceive: () => this.room(),
      event: (ev) => {
        if (ev !== 'opened' && ev !== 'closed') return;
        for (const s of [...this.slots]) {
          s.told = ev === 'opened';
          s.fe.event?.(ev);
        }
      },
    });
  }

  describe(): string {
    return 'mux';
  }

  override get connected(): boolean {
    return this.backend.connected;
  }

  override get frontendOpen(): boolean {
    return this.slots.some((s) => s.open);
  }

  /** The index of the frontend that has the focus (attach order), or -1. */
  get focusIndex(): number {
    return this.focus;
  }

  /** Whether C-a t timestamps are on. */
  get timestamping(): boolean {
    return this.timestamps;
  }

  protected async doOpen(): Promise<void> {
    await this.backend.open();
  }

  // The shared chardev is a registry entry of its own (QEMU's `<id>-base`), closed by its owner.
  protected doClose(): void {
    this.link.detach();
  }

  override attach(fe: ChardevFrontend): FrontendLink {
    if (this.slots.length >= MUX_MAX_FRONTENDS || this.slots.some((s) => s.fe === fe)) throw inUseError(this.id);
    const slot: Slot = { fe, open: false, queue: [], told: false };
    this.slots.push(slot);
    const link: FrontendLink = {
      chardev: this,
      write: (data) => this.write(data),
      acceptInput: () => this.drain(slot),
      setOpen: (open) => { slot.open = open; },
      takeFocus: () => {
        const i = this.slots.indexOf(slot);
        if (i >= 0 && i !== this.focus) this.setFocus(i);
      },
      detach: () => this.detach(slot),
    };
    if (!this.settling) {
      this.settling = true;
      queueMicrotask(() => this.settle());
    }
    return link;
  }

  // Runs once the attaching code holds its links, so frontends can print on 'mux-in'. Frontends
  // attached together hand the focus straight to the last one: the others never see 'mux-in' and
  // so know, when 'opened' comes, that they are not on screen (QEMU's monitor then prints no banner).
  private settle(): void {
    this.settling = false;
    if (this.held) return;
    const last = this.slots.length - 1;
    if (last >= 0 && this.focus !== last && !this.slots[last].told) this.setFocus(last);
    if (!this.backend.connected) return;
    for (const s of [...this.slots]) {
      if (s.told) continue;
      s.told = true;
      s.fe.event?.('opened');
    }
  }

  /** Start-up is over: hand out the focus and 'opened' (see MuxOptions.held). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.settle();
  }

  private detach(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    const hadFocus = i === this.focus;
    this.slots.splice(i, 1);
    if (this.focus > i) this.focus--;
    if (hadFocus) {
      this.focus = -1;
      if (this.slots.length > 0) this.setFocus(this.slots.length - 1);
    }
  }

  private setFocus(i: number): void {
    const old = this.slots[this.focus];
    if (old) old.fe.event?.('mux-out');
    this.focus = i;
    this.slots[i]?.fe.event?.('mux-in');
    this.link?.acceptInput();
  }

  // ---- input ----

  private room(): number {
    const slot = this.slots[this.focus];
    if (!slot) return 0;
    const space = MUX_BUFFER_SIZE - slot.queue.length;
    if (slot.queue.length > 0) return Math.max(0, space);
    const feRoom = slot.fe.canReceive ? slot.fe.canReceive() : Infinity;
    return Math.max(1, space) + Math.max(0, feRoom);
  }

  private input(data: Uint8Array): void {
    const touched = new Set<Slot>();
    for (const byte of data) {
      if (this.gotEscape) {
        this.gotEscape = false;
        if (byte === this.escape) this.queueByte(byte, touched);
        else this.command(byte);
      } else if (byte === this.escape) {
        this.gotEscape = true;
      } else {
        this.queueByte(byte, touched);
      }
    }
    for (const slot of touched) this.drain(slot);
  }

  private queueByte(byte: number, touched: Set<Slot>): void {
    const slot = this.slots[this.focus];
    if (!slot) return;
    slot.queue.push(byte);
    touched.add(slot);
  }

  private drain(slot: Slot): void {
    while (slot.queue.length > 0 && this.slots.includes(slot)) {
      const room = slot.fe.canReceive ? slot.fe.canReceive() : Infinity;
      if (!(room > 0)) break;
      const n = Math.min(slot.queue.length, Math.floor(Math.min(room, 1 << 20)));
      slot.fe.receive(Uint8Array.from(slot.queue.splice(0, n)));
    }
    if (slot === this.slots[this.focus]) this.link.acceptInput();
  }

  private command(byte: number): void {
    switch (String.fromCharCode(byte)) {
      case 'h':
      case '?':
        this.write(muxHelpText(this.escape));
        break;
      case 'x':
        this.write(MUX_EXIT_TEXT);
        this.opts.onExit?.();
        break;
      case 's':
        this.opts.onCommit?.();
        break;
      case 'b':
        this.slots[this.focus]?.fe.event?.('break');
        break;
      case 'c':
        if (this.slots.length > 0) this.setFocus((this.focus + 1) % this.slots.length);
        break;
      case 't':
        this.timestamps = !this.timestamps;
        this.timestampStart = -1;
        this.lineStart = false;
        break;
      default:
        break;
    }
  }

  // ---- output ----

  protected writeBytes(data: Uint8Array): void {
    if (!this.timestamps) {
      this.backend.write(data);
      return;
    }
    let from = 0;
    for (let i = 0; i < data.length; i++) {
      if (this.lineStart) {
        if (i > from) this.backend.write(data.subarray(from, i));
        from = i;
        this.backend.write(this.stamp());
        this.lineStart = false;
      }
      if (data[i] === 0x0a) this.lineStart = true;
    }
    this.backend.write(data.subarray(from));
  }

  private stamp(): Uint8Array {
    const now = (this.opts.now ?? Date.now)();
    if (this.timestampStart < 0) this.timestampStart = now;
    const ms = Math.max(0, Math.floor(now - this.timestampStart));
    const secs = Math.floor(ms / 1000);
    const two = (n: number): string => String(n).padStart(2, '0');
    return toBytes(`[${two(Math.floor(secs / 3600))}:${two(Math.floor(secs / 60) % 60)}:${two(secs % 60)}.`
      + `${String(ms % 1000).padStart(3, '0')}] `);
  }
}
