/**
 * NS16550A UART as on QEMU 7.2 virt (0x10000000, IRQ 10, byte registers, reg-shift 0).
 *
 * Transmission is instantaneous: a byte written to THR goes to the host sink at once, so
 * LSR.THRE/TEMT are always set and a THRE interrupt (if enabled) follows every write.
 * Host input is queued without limit on the host side and moved into the 16-byte RX FIFO
 * as the guest drains it, so nothing typed is lost.
 */
import type { IrqLine, MmioDevice } from '../memory/address-space.ts';

export const UART0_BASE = 0x10000000;
export const UART0_SIZE = 0x100;
export const UART0_IRQ = 10;

/** Host side of the serial line (the chardev layer implements it). */
export interface SerialBackend {
  /** Bytes the guest transmitted. */
  write(data: Uint8Array): void;
}

const IER_RDI = 1, IER_THRI = 2, IER_RLSI = 4;
const LSR_DR = 0x01, LSR_OE = 0x02, LSR_THRE = 0x20, LSR_TEMT = 0x40;
const IIR_NO_INT = 0x01, IIR_THRI = 0x02, IIR_RDI = 0x04, IIR_RLSI = 0x06, IIR_FIFO = 0xc0;
const LCR_DLAB = 0x80;
const MCR_LOOP = 0x10;
const FIFO_SIZE = 16;
const POLL_COUNT = 256;
const POLL_WINDOW_MS = 2;

export class Uart16550 implements MmioDevice {
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private lsrErr = 0;
  private scr = 0;
  private dll = 0x0c;
  private dlm = 0;
  private fcr = 0;
  private thrPending = false;
  private readonly rx: number[] = [];
  private readonly hostQueue: number[] = [];
  private readonly one = new Uint8Array(1);

  /**
   * Called when the guest spins reading an empty receiver (a console polled for a key, as U-Boot's
   * and OpenSBI's consoles do, without WFI), so the run loop can let that hart sleep until input
   * arrives or a short while passes, instead of burning a host core. Also called on host input.
   */
  onPolling: (() => void) | null = null;
  onInput: (() => void) | null = null;
  /** Consecutive LSR reads finding nothing received, with nothing else done to the UART. */
  private emptyPolls = 0;
  private pollStart = 0;

  constructor(private readonly irq: IrqLine, public backend: SerialBackend | null = null) {}

  reset(): void {
    this.ier = this.lcr = this.mcr = this.lsrErr = this.scr = this.fcr = 0;
    this.dll = 0x0c; this.dlm = 0;
    this.thrPending = false;
    this.rx.length = 0;
    this.update();
  }

  /** Feed bytes from the host into the receiver. */
  push(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (const b of bytes) this.hostQueue.push(b);
    this.refill();
    this.update();
    this.emptyPolls = 0;
    this.onInput?.();
  }

  /**
   * A tight poll: POLL_COUNT empty LSR reads in a row within POLL_WINDOW_MS of host time. A guest
   * computing while it checks for a key now and then (U-Boot's ctrlc()) polls far more slowly and
   * is never put to sleep.
   */
  private polled(): void {
    if (this.emptyPolls === 0) this.pollStart = performance.now();
    if (++this.emptyPolls < POLL_COUNT) return;
    this.emptyPolls = 0;
    if (performance.now() - this.pollStart <= POLL_WINDOW_MS) this.onPolling?.();
  }

  /** Bytes waiting on the host side (not yet in the guest-visible FIFO). */
  get queued(): number { return this.hostQueue.length + this.rx.length; }

  private refill(): void {
    const cap = (this.fcr & 1) ? FIFO_SIZE : 1;
    while (this.rx.length < cap && this.hostQueue.length > 0) this.rx.push(this.hostQueue.shift()!);
  }

  private iir(): number {
    const fifo = (this.fcr & 1) ? IIR_FIFO : 0;
    if ((this.ier & IER_RLSI) && (this.lsrErr & LSR_OE)) return IIR_RLSI | fifo;
    if ((this.ier & IER_RDI) && this.rx.length > 0) return IIR_RDI | fifo;
    if ((this.ier & IER_THRI) && this.thrPending) return IIR_THRI | fifo;
    return IIR_NO_INT | fifo;
  }

  private update(): void {
    this.irq.set((this.iir() & IIR_NO_INT) === 0);
  }

  read(offset: number, size: 1 | 2 | 4): number {
    void size;
    if (offset === 5 && !(this.lcr & LCR_DLAB) && this.rx.length === 0 && this.lsrErr === 0) this.polled();
    else this.emptyPolls = 0;
    switch (offset) {
      case 0:
        if (this.lcr & LCR_DLAB) return this.dll;
        {
          const v = this.rx.length > 0 ? this.rx.shift()! : 0;
          this.refill();
          this.update();
          return v;
        }
      case 1: return (this.lcr & LCR_DLAB) ? this.dlm : this.ier;
      case 2: {
        const v = this.iir();
        if ((v & 0x0f) === IIR_THRI) { this.thrPending = false; this.update(); }
        return v;
      }
      case 3: return this.lcr;
      case 4: return this.mcr;
      case 5: {
        const v = (this.rx.length > 0 ? LSR_DR : 0) | LSR_THRE | LSR_TEMT | this.lsrErr;
        this.lsrErr = 0;
        this.update();
        return v;
      }
      case 6:
        if (this.mcr & MCR_LOOP) return ((this.mcr & 0x0c) << 4) | ((this.mcr & 0x03) << 4);
        return 0xb0; // DCD | DSR | CTS
      case 7: return this.scr;
      default: return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    void size;
    this.emptyPolls = 0;
    value &= 0xff;
    switch (offset) {
      case 0:
        if (this.lcr & LCR_DLAB) { this.dll = value; return; }
        if (this.mcr & MCR_LOOP) {
          // looped back into the receiver, which overruns when full (host input never does:
          // it waits in hostQueue, like a chardev that is not ready to be read)
          // (without the FIFO the holding register is overwritten, with it the byte is lost)
          if (this.rx.length >= ((this.fcr & 1) ? FIFO_SIZE : 1)) {
            this.lsrErr |= LSR_OE;
            if (!(this.fcr & 1)) this.rx[0] = value;
          } else this.rx.push(value);
        } else if (this.backend) {
          this.one[0] = value;
          this.backend.write(this.one);
        }
        this.thrPending = true; // transmitted at once: THR empty again
        this.update();
        return;
      case 1:
        if (this.lcr & LCR_DLAB) { this.dlm = value; return; }
        {
          const was = this.ier;
          this.ier = value & 0x0f;
          if ((this.ier & IER_THRI) && !(was & IER_THRI)) this.thrPending = true;
          this.update();
        }
        return;
      case 2:
        if ((value & 1) !== (this.fcr & 1)) this.rx.length = 0;
        if (value & 2) this.rx.length = 0; // clear RX FIFO
        this.fcr = value & 0xc9;
        this.refill();
        this.update();
        return;
      case 3: this.lcr = value; return;
      case 4: this.mcr = value & 0x1f; return;
      case 7: this.scr = value; return;
      default: return;
    }
  }
}
