// Block nodes, the devices' block backends, and removable media (tray and medium).

import { QmpError } from '../../shared/errors.ts';
import type { BlockNode } from '../../hw/block/nodes.ts';
import type { Device } from '../../hw/qom/device.ts';
import type { VirtualMachine } from '../../hw/vm.ts';
import type { BlockDeviceInfo, BlockInfo } from '../generated/schema-types.ts';
import type { Handlers } from './types.ts';

const BLOCK_DEVICE_TYPES = ['virtio-blk-device', 'scsi-hd', 'scsi-cd'];

function nodeInfo(n: BlockNode): BlockDeviceInfo {
  return {
    file: n.filename, 'node-name': n.name, ro: n.impl.readOnly, drv: n.driverName, backing_file_depth: 0,
    encrypted: false, detect_zeroes: 'off', bps: 0, bps_rd: 0, bps_wr: 0, iops: 0, iops_rd: 0, iops_wr: 0,
    image: { filename: n.filename, format: n.driverName, 'virtual-size': n.impl.size },
    write_threshold: 0, cache: { writeback: true, direct: n.cache.direct, 'no-flush': n.cache.noFlush },
  };
}

function blockInfo(vm: VirtualMachine, dev: Device): BlockInfo {
  const drive = dev.get('drive') as string | undefined;
  const node = drive !== undefined ? vm.blocks.get(drive) : undefined;
  const removable = dev.type.name === 'scsi-cd';
  return {
    device: '', qdev: dev.id ?? dev.path, type: 'unknown', removable, locked: dev.state.locked === true,
    ...(node ? { inserted: nodeInfo(node) } : {}),
    ...(removable ? { tray_open: dev.get('tray-open') === true } : {}),
  };
}

/**
 * The removable-media device named by `id` (qdev id or QOM path) or `device` (emu has no legacy
 * backend names; `device` is matched against the name of the inserted node).
 */
function mediaDevice(vm: VirtualMachine, device: string | undefined, id: string | undefined): Device {
  let dev: Device | undefined;
  if (id !== undefined) {
    dev = vm.findDevice(id);
    if (!dev) throw new QmpError(`Device '${id}' not found`, 'DeviceNotFound');
  } else if (device !== undefined) {
    dev = vm.devices.find((d) => d.get('drive') === device);
    if (!dev) throw new QmpError(`Device '${device}' not found`, 'DeviceNotFound');
  } else {
    throw new QmpError("Cannot find device='' nor node-name=''");
  }
  if (!BLOCK_DEVICE_TYPES.includes(dev.type.name)) throw new QmpError(`Device '${dev.label}' is not a block device`);
  if (dev.type.name !== 'scsi-cd') throw new QmpError(`Device '${dev.label}' is not removable`);
  return dev;
}

/** Opens the tray; returns false when a locked tray was asked to open without force (QEMU's -EINPROGRESS). */
export function openTray(vm: VirtualMachine, dev: Device, force: boolean): boolean {
  if (dev.get('tray-open') === true) return true;
  if (dev.state.locked === true && !force) {
    vm.media?.ejectRequest(dev);
    return false;
  }
  dev.props['tray-open'] = true;
  dev.state.locked = false;
  vm.media?.trayMoved(dev, true);
  vm.emit('DEVICE_TRAY_MOVED', { device: '', id: dev.id ?? dev.path, 'tray-open': true });
  return true;
}

export function closeTray(vm: VirtualMachine, dev: Device): void {
  if (dev.get('tray-open') !== true) return;
  delete dev.props['tray-open'];
  vm.media?.trayMoved(dev, false);
  vm.emit('DEVICE_TRAY_MOVED', { device: '', id: dev.id ?? dev.path, 'tray-open': false });
}

function removeMedium(vm: VirtualMachine, dev: Device): void {
  if (dev.get('tray-open') !== true) throw new QmpError(`Tray of device '${dev.label}' is not open`);
  const drive = dev.get('drive') as string | undefined;
  if (drive === undefined) return;
  vm.releaseDrive(dev, drive);
  delete dev.props.drive;
  vm.media?.mediumChanged(dev);
}

function insertMedium(vm: VirtualMachine, dev: Device, nodeName: string): void {
  if (dev.get('tray-open') !== true) throw new QmpError(`Tray of device '${dev.label}' is not open`);
  if (dev.get('drive') !== undefined) throw new QmpError(`There already is a medium in device '${dev.label}'`);
  const node = vm.blocks.get(nodeName);
  if (!node) throw new QmpError(`Node '${nodeName}' not found`);
  if (node.attachedTo !== undefined) throw new QmpError(`Node '${nodeName}' is already in use`);
  vm.claimDrive(dev, nodeName);
  dev.props.drive = nodeName;
  vm.media?.mediumChanged(dev);
}

export const blockHandlers: Handlers<
  'blockdev-add' | 'blockdev-del' | 'query-block' | 'query-named-block-nodes' | 'eject' | 'blockdev-open-tray'
  | 'blockdev-close-tray' | 'blockdev-remove-medium' | 'blockdev-insert-medium' | 'blockdev-change-medium'
> = {
  'blockdev-add': (a, { core }) => {
    core.blocks.add(a as unknown as Parameters<typeof core.blocks.add>[0]);
  },
  'blockdev-del': (a, { core }) => core.blocks.del(a['node-name']),
  'query-block': (_a, { core }) => core.devices.filter((d) => BLOCK_DEVICE_TYPES.includes(d.type.name)).map((d) => blockInfo(core, d)),
  'query-named-block-nodes': (_a, { core }) => [...core.blocks.nodes.values()].map(nodeInfo),
  eject: (a, { core }) => {
    const dev = mediaDevice(core, a.device, a.id);
    if (!openTray(core, dev, a.force ?? false)) {
      throw new QmpError(`Device '${a.id ?? a.device}' is locked and force was not specified, wait for tray to open and try again`);
    }
    removeMedium(core, dev);
  },
  'blockdev-open-tray': (a, { core }) => {
    openTray(core, mediaDevice(core, a.device, a.id), a.force ?? false);
  },
  'blockdev-close-tray': (a, { core }) => closeTray(core, mediaDevice(core, a.device, a.id)),
  'blockdev-remove-medium': (a, { core }) => removeMedium(core, mediaDevice(core, undefined, a.id)),
  'blockdev-insert-medium': (a, { core }) => insertMedium(core, mediaDevice(core, undefined, a.id), a['node-name']),
  'blockdev-change-medium': (a, { core }) => {
    const dev = mediaDevice(core, a.device, a.id);
    const mode = a['read-only-mode'] ?? 'retain';
    const oldDrive = dev.get('drive') as string | undefined;
    const oldReadOnly = oldDrive !== undefined ? core.blocks.get(oldDrive)?.impl.readOnly ?? true : true;
    const readOnly = mode === 'retain' ? oldReadOnly : mode === 'read-only';
    // Open the new image first: a bad filename must leave the drive exactly as it was.
    let n = 0;
    while (core.blocks.get(`medium${n}`)) n++;
    const nodeName = `medium${n}`;
    const format = a.format ?? 'raw';
    if (format !== 'raw' && format !== 'qcow2') throw new QmpError(`Unknown driver '${format}'`);
    core.blocks.add({ driver: format, 'node-name': nodeName, 'read-only': readOnly, file: { driver: 'file', filename: a.filename } });
    try {
      if (!openTray(core, dev, a.force ?? false)) {
        throw new QmpError(`Device '${a.id ?? a.device}' is locked and force was not specified, wait for tray to open and try again`);
      }
      removeMedium(core, dev);
      insertMedium(core, dev, nodeName);
    } catch (e) {
      core.blocks.del(nodeName);
      throw e;
    }
    closeTray(core, dev);
  },
};
