/**
 * The guest-side devices of QEMU 7.2's riscv64 virt board wired together, without any
 * configuration layer: RAM, boot ROM, CLINT, PLIC, UART0, sifive,test, goldfish RTC and the
 * harts. The machine model builds the same thing from its configuration; this is what
 * scripts/run-guest.ts and the CPU tests use.
 *
 *   const b = new VirtBoard({ ramSize: 256 << 20, harts: 1, serial, power });
 *   b.as.map(0x10001000, 0x1000, myVirtioMmio, 'virtio-mmio@10001000');  // more devices
 *   myVirtioMmio.irq = b.plic.line(1);
 *   b.loadImages({ bios, kernel, dtb });   // or -bios none: { kernel, dtb }
 *   b.runLoop.start();  ...  b.runLoop.pause();  b.reset();
 */
import { AddressSpace } from '../memory/address-space.ts';
import { Hart } from '../cpu/hart.ts';
import { RunLoop, type RunLoopOptions } from '../cpu/runloop.ts';
import { BootRom, MROM_BASE, MROM_SIZE } from './boot-rom.ts';
import { Clint, CLINT_BASE, CLINT_SIZE } from './clint.ts';
import { Plic, PLIC_BASE, PLIC_SIZE } from './plic.ts';
import { Uart16550, UART0_BASE, UART0_SIZE, UART0_IRQ, type SerialBackend } from './uart16550.ts';
import { SifiveTest, TEST_BASE, TEST_SIZE, type PowerControl } from './sifive-test.ts';
import { GoldfishRtc, RTC_BASE, RTC_SIZE, RTC_IRQ } from './goldfish-rtc.ts';
import { VirtualClock } from './clock.ts';
import { EmptyVirtioMmio, VIRTIO_MMIO_BASE, VIRTIO_MMIO_COUNT, VIRTIO_MMIO_STRIDE } from './virtio-mmio-empty.ts';
import { UnimplementedDevice } from './unimplemented.ts';
import { loadFirmware, loadKernel, loadFdt } from '../loader/boot.ts';

export interface VirtBoardOptions {
  ramSize?: number;
  harts?: number;
  serial?: SerialBackend | null;
  power: PowerControl;
  runLoop?: RunLoopOptions;
  /**
   * Map stand-ins for the parts of virt this module does not model (eight empty virtio-mmio
   * transports, fw_cfg, flash, PCIe ECAM) so firmware probing them does not fault. Default true;
   * the machine model passes false and maps the real devices.
   */
  placeholders?: boolean;
}

export interface BootImages {
  /** Firmware image (ELF or raw); omitted means -bios none. */
  bios?: Uint8Array;
  kernel?: Uint8Array;
  dtb?: Uint8Array;
}

export interface BootInfo {
  startAddr: number;
  kernelEntry: number;
  fdtAddr: number;
}

export class VirtBoard {
  readonly as: AddressSpace;
  readonly harts: Hart[];
  readonly clock = new VirtualClock();
  readonly rom = new BootRom();
  readonly clint: Clint;
  readonly plic: Plic;
  readonly uart: Uart16550;
  readonly test: SifiveTest;
  readonly rtc: GoldfishRtc;
  readonly runLoop: RunLoop;
  bootInfo: BootInfo | null = null;
  private images: BootImages | null = null;

  constructor(opts: VirtBoardOptions) {
    this.as = new AddressSpace(opts.ramSize ?? 128 * 1024 * 1024);
    const n = opts.harts ?? 1;
    this.harts = Array.from({ length: n }, (_, i) => new Hart(this.as, i));
    this.clint = new Clint(this.harts, this.clock);
    for (const h of this.harts) h.timeSource = () => this.clint.mtime();
    this.plic = new Plic(this.harts);
    this.uart = new Uart16550(this.plic.line(UART0_IRQ), opts.serial ?? null);
    this.test = new SifiveTest(opts.power);
    this.rtc = new GoldfishRtc(this.plic.line(RTC_IRQ));
    this.as.map(MROM_BASE, MROM_SIZE, this.rom, 'mrom');
    this.as.map(TEST_BASE, TEST_SIZE, this.test, 'test');
    this.as.map(RTC_BASE, RTC_SIZE, this.rtc, 'rtc');
    this.as.map(CLINT_BASE, CLINT_SIZE, this.clint, 'clint');
    this.as.map(PLIC_BASE, PLIC_SIZE, this.plic, 'plic');
    this.as.map(UART0_BASE, UART0_SIZE, this.uart, 'uart0');
    if (opts.placeholders !== false) {
      for (let i = 0; i < VIRTIO_MMIO_COUNT; i++) {
        const base = VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_STRIDE;
        this.as.map(base, VIRTIO_MMIO_STRIDE, new EmptyVirtioMmio(), `virtio-mmio@${base.toString(16)}`);
      }
      this.as.map(0x10100000, 0x18, new UnimplementedDevice('fw-cfg'), 'fw-cfg');
      this.as.map(0x20000000, 0x4000000, new UnimplementedDevice('flash'), 'flash');
      this.as.map(0x30000000, 0x10000000, new UnimplementedDevice('pcie-ecam', 0xffffffff), 'pcie-ecam');
    }
    this.runLoop = new RunLoop(this.harts, this.clint, opts.runLoop);
    this.uart.onPolling = () => this.runLoop.pollingIdle();
    this.uart.onInput = () => this.runLoop.kick();
  }

  /** Place firmware, kernel and DTB as QEMU does and write the reset vector. */
  loadImages(images: BootImages): BootInfo {
    this.images = images;
    const ramBase = this.as.ramBase;
    let fwEnd = ramBase;
    let startAddr = ramBase;
    if (images.bios) {
      const fw = loadFirmware(this.as, images.bios);
      fwEnd = fw.end;
      startAddr = fw.entry;
    }
    let kernelEntry = 0;
    if (images.kernel) {
      const k = loadKernel(this.as, images.kernel, fwEnd);
      kernelEntry = k.entry;
      if (!images.bios) startAddr = k.entry;
    }
    const fdtAddr = images.dtb ? loadFdt(this.as, images.dtb) : 0;
    this.rom.setResetVector({ startAddr: BigInt(startAddr), fdtAddr: BigInt(fdtAddr), kernelEntry: BigInt(kernelEntry) });
    this.bootInfo = { startAddr, kernelEntry, fdtAddr };
    return this.bootInfo;
  }

  /**
   * Machine reset: devices and harts to power-on state, RAM cleared, images reloaded. Safe to
   * call from a device callback during guest execution (sifive,test reset): the reset then
   * happens on the next event-loop turn, after the executing hart has stopped, as QEMU
   * handles a guest reset request in its main loop.
   */
  reset(): void {
    if (this.runLoop.inTurn) {
      const wasRunning = this.runLoop.isRunning;
      this.runLoop.pause();
      setImmediate(() => { this.resetNow(); if (wasRunning) this.runLoop.start(); });
      return;
    }
    this.resetNow();
  }

  private resetNow(): void {
    const wasRunning = this.runLoop.isRunning;
    this.runLoop.pause();
    this.as.clearRam();
    this.as.reset();
    for (const h of this.harts) h.reset(MROM_BASE);
    if (this.images) this.loadImages(this.images);
    if (wasRunning) this.runLoop.start();
  }

  dispose(): void {
    this.runLoop.pause();
    this.rtc.dispose();
  }
}
