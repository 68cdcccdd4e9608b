/**
 * Goldfish RTC as on QEMU 7.2 virt (0x101000, IRQ 11): nanoseconds since the Unix epoch.
 * Reading TIME_LOW latches TIME_HIGH (the guest reads low then high). One alarm, raised
 * through a host timer when due.
 */
import type { IrqLine, MmioDevice } from '../memory/address-space.ts';

export const RTC_BASE = 0x101000;
export const RTC_SIZE = 0x1000;
export const RTC_IRQ = 11;

const TIME_LOW = 0x00, TIME_HIGH = 0x04, ALARM_LOW = 0x08, ALARM_HIGH = 0x0c, IRQ_ENABLED = 0x10,
  CLEAR_ALARM = 0x14, ALARM_STATUS = 0x18, CLEAR_INTERRUPT = 0x1c;

export class GoldfishRtc implements MmioDevice {
  private latchedHigh = 0;
  private alarmLow = 0;
  private alarmHigh = 0;
  private alarmRunning = false;
  private irqEnabled = false;
  private irqPending = false;
  private timer: NodeJS.Timeout | null = null;
  /** Offset added to host time, set when the guest writes the time. */
  private offsetNs = 0n;

  constructor(private readonly irq: IrqLine, private readonly hostNowNs: () => bigint = () => BigInt(Date.now()) * 1000000n) {}

  private now(): bigint { return this.hostNowNs() + this.offsetNs; }

  reset(): void {
    this.stopTimer();
    this.alarmRunning = this.irqEnabled = this.irqPending = false;
    this.update();
  }

  /** Stop host timers (machine teardown). */
  dispose(): void { this.stopTimer(); }

  private stopTimer(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
  }

  private update(): void { this.irq.set(this.irqPending && this.irqEnabled); }

  private armAlarm(): void {
    this.stopTimer();
    const at = (BigInt(this.alarmHigh) << 32n) | BigInt(this.alarmLow);
    const delayMs = Number((at - this.now()) / 1000000n);
    this.alarmRunning = true;
    const fire = (): void => {
      this.timer = null;
      this.alarmRunning = false;
      this.irqPending = true;
      this.update();
    };
    if (delayMs <= 0) fire();
    else { this.timer = setTimeout(fire, Math.min(delayMs, 0x7fffffff)); this.timer.unref(); }
  }

  read(offset: number): number {
    switch (offset) {
      case TIME_LOW: {
        const t = this.now();
        this.latchedHigh = Number((t >> 32n) & 0xffffffffn);
        return Number(t & 0xffffffffn);
      }
      case TIME_HIGH: return this.latchedHigh;
      case ALARM_LOW: return this.alarmLow;
      case ALARM_HIGH: return this.alarmHigh;
      case IRQ_ENABLED: return this.irqEnabled ? 1 : 0;
      case ALARM_STATUS: return this.alarmRunning ? 1 : 0;
      default: return 0;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    switch (offset) {
      case TIME_LOW: {
        const cur = this.now();
        const want = (cur & ~0xffffffffn) | BigInt(value >>> 0);
        this.offsetNs += want - cur;
        return;
      }
      case TIME_HIGH: {
        const cur = this.now();
        const want = (BigInt(value >>> 0) << 32n) | (cur & 0xffffffffn);
        this.offsetNs += want - cur;
        return;
      }
      case ALARM_LOW: this.alarmLow = value >>> 0; this.armAlarm(); return;
      case ALARM_HIGH: this.alarmHigh = value >>> 0; return;
      case IRQ_ENABLED: this.irqEnabled = (value & 1) !== 0; this.update(); return;
      case CLEAR_ALARM: this.stopTimer(); this.alarmRunning = false; return;
      case CLEAR_INTERRUPT: this.irqPending = false; this.update(); return;
    }
  }
}
