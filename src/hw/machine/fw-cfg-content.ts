/**
 * What virt's fw_cfg holds, built from the machine's configuration at machine creation and again at
 * every reset (hot-plugged devices reach the boot order at the next reset, as in QEMU).
 *
 * As QEMU 7.2's riscv virt (checked by test/guests/fwcfg.c against QEMU):
 *   key 0x0002 UUID (16 bytes, zero without -uuid), 0x0004 NOGRAPHIC (u16 LE; always 1: emu has no
 *   display), 0x0005 NB_CPUS (u16 LE), 0x000e BOOT_MENU (u16 LE)
 *   bios-geometry        empty
 *   bootorder            the devices with a bootindex, lowest first, as OpenFirmware paths, one per
 *                        line, NUL-terminated: /virtio-mmio@<16 hex digits>/disk@0,0 for virtio-blk,
 *                        /virtio-mmio@<16 hex digits>/channel@0/disk@<target>,<lun> for scsi-hd/-cd;
 *                        with -boot strict=on a last line HALT
 *   etc/boot-fail-wait   -boot reboot-timeout (u32 LE, -1 when unset)
 * emu's own additions, for its firmware (QEMU puts nothing under etc/emu/):
 *   etc/emu/boot-order   the -boot letters in force (once= on the first boot, then order=; 'cad'
 *                        when neither is given): c = disks, d = CD-ROMs (a, b, n-p name devices virt
 *                        does not have)
 *   etc/emu/drives       one line per disk or CD drive, "<path>\t<backing file name>\n", the name
 *                        empty when the drive has no medium
 */
import type { Device } from '../qom/device.ts';
import type { FwCfgContent } from '../guest/fw-cfg.ts';
import type { VirtualMachine } from '../vm.ts';
import { VIRT } from './virt-memmap.ts';

const FW_CFG_UUID = 0x0002;
const FW_CFG_NOGRAPHIC = 0x0004;
const FW_CFG_NB_CPUS = 0x0005;
const FW_CFG_BOOT_MENU = 0x000e;

/** The storage devices a firmware can boot from, and how each is reached. */
const STORAGE = new Set(['virtio-blk-device', 'scsi-hd', 'scsi-cd']);

function u16(v: number): Uint8Array {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v & 0xffff);
  return b;
}

/** The transport a virtio device sits behind, by its bus 'virtio-mmio-bus.N'. */
function transportBase(dev: Device | undefined): number | undefined {
  const m = dev?.parentBus?.name.match(/^virtio-mmio-bus\.(\d+)$/);
  return m ? VIRT.virtio.base + Number(m[1]) * VIRT.virtio.size : undefined;
}

/** QEMU's OpenFirmware device path of a disk or CD drive (qdev_get_fw_dev_path's format). */
export function firmwarePath(dev: Device): string | undefined {
  const hex = (n: number) => n.toString(16).padStart(16, '0');
  if (dev.type.name === 'virtio-blk-device') {
    const base = transportBase(dev);
    return base === undefined ? undefined : `/virtio-mmio@${hex(base)}/disk@0,0`;
  }
  const base = transportBase(dev.parentBus?.parent);
  if (base === undefined) return undefined;
  const target = (dev.get('scsi-id') as number).toString(16);
  const lun = (dev.get('lun') as number).toString(16);
  return `/virtio-mmio@${hex(base)}/channel@${(dev.get('channel') as number).toString(16)}/disk@${target},${lun}`;
}

function uuidBytes(uuid: string | undefined): Uint8Array {
  return uuid === undefined ? new Uint8Array(16) : Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

export function virtFwCfgContent(vm: VirtualMachine, firstBoot: boolean): FwCfgContent {
  const cfg = vm.requireConfig();
  const storage = vm.devices.filter((d) => STORAGE.has(d.type.name) && firmwarePath(d) !== undefined);
  const booting = storage
    .filter((d) => typeof d.get('bootindex') === 'number' && (d.get('bootindex') as number) >= 0)
    .sort((a, b) => (a.get('bootindex') as number) - (b.get('bootindex') as number));
  // -boot strict=on: QEMU ends a non-empty list with HALT, telling firmware to try nothing else.
  const paths = booting.map((d) => firmwarePath(d)!);
  if (paths.length && cfg.boot?.strict) paths.push('HALT');
  const bootorder = paths.length ? Buffer.from(paths.join('\n') + '\0', 'latin1') : new Uint8Array(0);
  const failWait = Buffer.alloc(4);
  failWait.writeInt32LE(cfg.boot?.['reboot-timeout'] ?? -1);
  const letters = (firstBoot ? cfg.boot?.once : undefined) ?? cfg.boot?.order ?? 'cad';
  const drives = storage.map((d) => {
    const drive = d.get('drive') as string | undefined;
    const node = drive !== undefined ? vm.blocks.get(drive) : undefined;
    return `${firmwarePath(d)}\t${node?.filename ?? ''}\n`;
  }).join('');
  return {
    items: new Map([
      [FW_CFG_UUID, uuidBytes(cfg.uuid)],
      [FW_CFG_NOGRAPHIC, u16(1)],
      [FW_CFG_NB_CPUS, u16(cfg.smp.cpus)],
      [FW_CFG_BOOT_MENU, u16(cfg.boot?.menu ? 1 : 0)],
    ]),
    files: new Map<string, Uint8Array>([
      ['bios-geometry', new Uint8Array(0)],
      ['bootorder', bootorder],
      ['etc/boot-fail-wait', failWait],
      ['etc/emu/boot-order', Buffer.from(letters, 'latin1')],
      ['etc/emu/drives', Buffer.from(drives, 'utf8')],
    ]),
  };
}
