// The guest side of the virt machine, built from the configuration when machine creation completes:
// the board (RAM, harts, CLINT, PLIC, UART, test, RTC), its images placed as QEMU places them, the
// UART joined to its chardev, and the power device's requests turned into QMP events and actions.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QmpError } from '../../shared/errors.ts';
import type { FrontendLink } from '../chardev/index.ts';
import { VirtBoard } from '../guest/virt-board.ts';
import { FwCfg } from '../guest/fw-cfg.ts';
import { UnimplementedDevice } from '../guest/unimplemented.ts';
import { GuestRam } from '../virtio/guest-ram.ts';
import { loadInitrd } from '../loader/boot.ts';
import type { Device } from '../qom/device.ts';
import type { BlockDriver } from '../block/driver.ts';
import { VirtioBlk } from '../virtio/blk.ts';
import { type VirtioDevice, VirtioMmio } from '../virtio/mmio.ts';
import { VirtioScsi } from '../virtio/scsi.ts';
import { ScsiCd } from '../virtio/scsi-cd.ts';
import type { ScsiDisk, ScsiHost } from '../virtio/scsi-disk.ts';
import { ScsiHd } from '../virtio/scsi-hd.ts';
import type { GuestControl, MediaListener, VirtualMachine } from '../vm.ts';
import { virtFwCfgContent } from './fw-cfg-content.ts';
import { VIRT, VIRT_IRQ } from './virt-memmap.ts';
import { VirtioRng } from '../virtio/rng.ts';
import { builtinEntropy } from '../objects/index.ts';

function readImage(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch {
    throw new QmpError(`could not load ${what} '${path}'`);
  }
}

/**
 * emu's own firmware (firmware/emu-fw.bin), the default when no -bios is given, found by walking up
 * from this module: the bundles run from dist/, the sources from src/hw/machine/.
 */
export function embeddedFirmwarePath(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'firmware', 'emu-fw.bin');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

export class GuestMachine implements GuestControl, MediaListener {
  readonly board: VirtBoard;
  private serialLink: FrontendLink | undefined;
  private initrd: Uint8Array | undefined;
  private runnable = false;
  /** Until the first reset, -boot once= is the boot order the firmware sees. */
  private firstBoot = true;
  /** The eight virtio-mmio transports, index N at VIRT.virtio.base + N * size. */
  readonly transports: VirtioMmio[] = [];
  /** The SCSI adapters by the device that configures them. */
  private readonly scsi = new Map<Device, VirtioScsi>();
  /** How SCSI units reach their medium and move their tray: through the machine's configuration. */
  private readonly scsiHost: ScsiHost;

  constructor(private readonly vm: VirtualMachine) {
    const cfg = vm.requireConfig();
    const link = (): FrontendLink | undefined => this.serialLink;
    this.board = new VirtBoard({
      ramSize: cfg.memory,
      harts: cfg.smp.cpus,
      serial: { write: (data) => link()?.write(data) },
      power: { poweroff: (code) => this.guestPoweroff(code), reset: () => this.guestReset() },
      placeholders: false,
    });
    this.scsiHost = {
      medium: (dev): BlockDriver | undefined => {
        const drive = dev.get('drive') as string | undefined;
        return drive !== undefined ? vm.blocks.get(drive)?.impl : undefined;
      },
      trayMove: (dev, open) => vm.guestTrayMove(dev, open),
      trayLock: (dev, locked) => vm.guestTrayLock(dev, locked),
    };
    this.mapVirtio();
    vm.media = this;
    if (cfg.serial !== undefined) {
      const chardev = vm.chardevs.get(cfg.serial)?.chardev;
      if (chardev) {
        this.serialLink = chardev.attach({ receive: (data) => this.board.uart.push(data) });
        this.serialLink.setOpen(true);
      }
    }
    this.load();
  }

  /**
   * The eight virtio-mmio transports with the configured devices behind them (a transport's bus
   * 'virtio-mmio-bus.N' holds at most one device), and stand-ins for what emu does not model yet.
   */
  private mapVirtio(): void {
    const { as, plic } = this.board;
    for (let i = 0; i < VIRT.virtio.count; i++) {
      const dev = this.vm.buses.get(`virtio-mmio-bus.${i}`)?.devices[0];
      const model = dev ? this.virtioModel(dev) : null;
      const base = VIRT.virtio.base + i * VIRT.virtio.size;
      const t = new VirtioMmio(as, plic.line(VIRT_IRQ.virtio0 + i), model);
      as.map(base, VIRT.virtio.size, t, `virtio-mmio@${base.toString(16)}`);
      this.transports.push(t);
    }
    const fwCfg = new FwCfg(new GuestRam(as), () => virtFwCfgContent(this.vm, this.firstBoot));
    as.map(VIRT.fwCfg.base, VIRT.fwCfg.size, fwCfg, 'fw-cfg');
    as.map(0x20000000, 0x4000000, new UnimplementedDevice('flash'), 'flash');
    as.map(0x30000000, 0x10000000, new UnimplementedDevice('pcie-ecam', 0xffffffff), 'pcie-ecam');
  }

  private virtioModel(dev: Device): VirtioDevice | null {
    switch (dev.type.name) {
      case 'virtio-blk-device': {
        const node = this.vm.blocks.get(dev.get('drive') as string);
        if (!node) return null;
        return new VirtioBlk(node.impl, {
          serial: dev.get('serial') as string | undefined,
          discard: dev.get('discard') as boolean,
          writeZeroes: dev.get('write-zeroes') as boolean,
        });
      }
      case 'virtio-rng-device': {
        // Without rng=, a built-in backend of its own, as QEMU gives it.
        const rng = dev.get('rng') as string | undefined;
        const backend = rng !== undefined ? this.vm.objects.resolve(rng) : undefined;
        return new VirtioRng(backend?.entropy ?? builtinEntropy);
      }
      case 'virtio-scsi-device': {
        const units: ScsiDisk[] = [];
        for (const b of dev.childBuses) for (const d of b.devices) {
          const u = this.scsiUnit(d);
          if (u) units.push(u);
        }
        const scsi = new VirtioScsi(units, {
          numQueues: dev.get('num_queues') as number,
          maxSectors: dev.get('max_sectors') as number,
          cmdPerLun: dev.get('cmd_per_lun') as number,
        });
        for (const u of units) this.watch(scsi, u);
        this.scsi.set(dev, scsi);
        return scsi;
      }
      default:
        return null;
    }
  }

  private scsiUnit(dev: Device): ScsiDisk | null {
    if (dev.type.name === 'scsi-hd') return new ScsiHd(dev, this.scsiHost);
    if (dev.type.name === 'scsi-cd') return new ScsiCd(dev, this.scsiHost);
    return null;
  }

  private watch(scsi: VirtioScsi, u: ScsiDisk): void {
    if (u instanceof ScsiCd) u.onChange = (s) => scsi.changed(u, s);
  }

  private unitOf(dev: Device): { scsi: VirtioScsi; unit: ScsiDisk } | undefined {
    const adapter = dev.parentBus?.parent;
    const scsi = adapter ? this.scsi.get(adapter) : undefined;
    const unit = scsi?.unitFor(dev);
    return scsi && unit ? { scsi, unit } : undefined;
  }

  // ---- hot-plug (device_add / device_del on a running virtio-scsi bus) ----

  deviceAdded(dev: Device): void {
    const adapter = dev.parentBus?.parent;
    const scsi = adapter ? this.scsi.get(adapter) : undefined;
    const unit = scsi ? this.scsiUnit(dev) : null;
    if (!scsi || !unit) return;
    this.watch(scsi, unit);
    scsi.plug(unit);
  }

  deviceRemoved(dev: Device): void {
    const u = this.unitOf(dev);
    if (u) u.scsi.unplug(u.unit);
  }

  // ---- MediaListener: tray and medium changes made over QMP ----

  ejectRequest(dev: Device): void {
    const u = this.unitOf(dev)?.unit;
    if (u instanceof ScsiCd) u.ejectRequest();
  }

  trayMoved(dev: Device, open: boolean): void {
    const u = this.unitOf(dev)?.unit;
    if (u instanceof ScsiCd) u.trayMoved(open);
  }

  mediumChanged(dev: Device): void {
    const u = this.unitOf(dev)?.unit;
    if (u instanceof ScsiCd) u.mediumChanged();
  }

  /** Places firmware, kernel, initrd and the device tree as QEMU does. */
  private load(): void {
    const cfg = this.vm.requireConfig();
    // No -bios means emu's embedded firmware, as QEMU boots the firmware it bundles; 'none' starts
    // the kernel, or RAM, directly.
    const biosPath = cfg.bios ?? embeddedFirmwarePath();
    const bios = biosPath !== undefined && biosPath !== 'none' ? readImage(biosPath, 'firmware') : undefined;
    const kernel = cfg.kernel !== undefined ? readImage(cfg.kernel, 'kernel') : undefined;
    this.initrd = cfg.initrd !== undefined ? readImage(cfg.initrd, 'ramdisk') : undefined;
    if (this.initrd && !kernel) throw new QmpError('-initrd only allowed with -kernel option');
    // With nothing to run (-bios none and no kernel) the harts stay halted instead of spinning on the
    // empty RAM's illegal instructions.
    this.runnable = bios !== undefined || kernel !== undefined;
    const first = this.board.loadImages({ bios, kernel });
    let initrdRange: { start: number; end: number } | undefined;
    if (this.initrd) initrdRange = loadInitrd(this.board.as, this.initrd, first.kernelEntry);
    const dtb = cfg.dtb !== undefined ? readImage(cfg.dtb, 'device tree') : this.vm.dtb(initrdRange);
    this.board.loadImages({ bios, kernel, dtb });
    if (this.initrd) loadInitrd(this.board.as, this.initrd, first.kernelEntry);
  }

  pause(): void {
    this.board.runLoop.pause();
  }

  resume(): void {
    if (this.runnable) this.board.runLoop.start();
  }

  /** A hardware reset: devices and harts to power-on state, images loaded again. */
  reset(): void {
    const running = this.board.runLoop.isRunning;
    this.board.runLoop.pause();
    this.firstBoot = false;
    this.board.reset();
    this.board.runLoop.pause();
    this.load();
    if (running) this.board.runLoop.start();
  }

  dispose(): void {
    if (this.vm.media === this) this.vm.media = undefined;
    this.serialLink?.detach();
    this.board.dispose();
  }

  private guestPoweroff(_code: number): void {
    this.vm.emit('SHUTDOWN', { guest: true, reason: 'guest-shutdown' });
    this.board.runLoop.pause();
    if (this.vm.actions.shutdown === 'pause') {
      this.vm.runState = 'shutdown';
      this.vm.emit('STOP');
      return;
    }
    this.vm.host.quit?.();
  }

  private guestReset(): void {
    if (this.vm.actions.reboot === 'shutdown') {
      this.vm.emit('SHUTDOWN', { guest: true, reason: 'guest-reset' });
      this.board.runLoop.pause();
      this.vm.host.quit?.();
      return;
    }
    this.vm.emit('RESET', { guest: true, reason: 'guest-reset' });
    // Reset from inside the guest's own instruction stream: finish this slice first.
    setImmediate(() => this.reset());
  }
}
