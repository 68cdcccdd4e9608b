// scsi-hd and scsi-cd: disks and CD-ROM drives on a SCSI bus. A scsi-cd holds a removable medium:
// its tray may be open or closed and locked by the guest (PREVENT ALLOW MEDIUM REMOVAL); the medium
// (the drive property) may be absent.

import { QmpError } from '../../shared/errors.ts';
import type { Bus, Device, DeviceBehaviour } from '../qom/device.ts';
import type { TypeInfo } from '../qom/types.ts';
import { claimDriveProperty, releaseDriveProperty } from './drive-property.ts';
import { SCSI_MAX_LUN, SCSI_MAX_TARGET } from './virtio-scsi.ts';

const scsiCommonProps: TypeInfo['properties'] = [
  { name: 'drive', type: 'drive', doc: 'Node name of the block node holding the medium.' },
  { name: 'channel', type: 'uint32', default: 0, doc: 'SCSI channel (always 0 on virtio-scsi).' },
  { name: 'scsi-id', type: 'int', doc: 'SCSI target id; the first free id when unset.' },
  { name: 'lun', type: 'int', default: 0, doc: 'Logical unit number.' },
  { name: 'bootindex', type: 'int', doc: 'Position in the boot order (fw_cfg bootorder).' },
  { name: 'serial', type: 'str', doc: 'Serial number (INQUIRY VPD page 0x80).' },
  { name: 'vendor', type: 'str', default: 'QEMU', doc: 'INQUIRY vendor id.' },
  { name: 'product', type: 'str', doc: 'INQUIRY product id.' },
  { name: 'ver', type: 'str', default: '2.5+', doc: 'INQUIRY product revision.' },
  { name: 'device_id', type: 'str', doc: 'Device identification VPD string.' },
];

export const scsiHdType: TypeInfo = {
  name: 'scsi-hd', parent: 'scsi-device', userCreatable: true, hotpluggable: true,
  doc: 'A SCSI disk.',
  properties: [...scsiCommonProps!, { name: 'removable', type: 'bool', default: false, doc: 'Report the medium as removable.' }],
};

export const scsiCdType: TypeInfo = {
  name: 'scsi-cd', parent: 'scsi-device', userCreatable: true, hotpluggable: true,
  doc: 'A SCSI CD-ROM drive with a tray.',
  properties: [
    ...scsiCommonProps!,
    { name: 'tray-open', type: 'bool', default: false, settableAfterRealize: false,
      doc: 'Whether the tray is open (emu records it so a machine rebuilt from its document keeps an ejected tray ejected).' },
  ],
};

export function scsiAddressKey(dev: Device): string {
  return `${dev.get('channel')}:${dev.get('scsi-id')}:${dev.get('lun')}`;
}

function checkRange(dev: Device): void {
  const id = dev.get('scsi-id') as number;
  const lun = dev.get('lun') as number;
  if (id > SCSI_MAX_TARGET || id < 0) throw new QmpError(`bad scsi device id ${id}`);
  if (lun > SCSI_MAX_LUN || lun < 0) throw new QmpError(`bad scsi device lun ${lun}`);
  if (dev.get('channel') !== 0) throw new QmpError(`bad scsi device channel ${dev.get('channel')}`);
}

/** QEMU's scsi_qdev_realize: the first free target id with the requested lun. */
function assignScsiAddress(dev: Device, bus: Bus): void {
  if (dev.props['scsi-id'] !== undefined) return;
  const lun = dev.get('lun');
  for (let id = 0; id <= SCSI_MAX_TARGET; id++) {
    if (!bus.devices.some((d) => d.get('scsi-id') === id && d.get('lun') === lun)) {
      dev.props['scsi-id'] = id;
      return;
    }
  }
  throw new QmpError('no free target');
}

export const scsiHdBehaviour: DeviceBehaviour = {
  assignAddress: assignScsiAddress,
  addressKey: scsiAddressKey,
  realize(dev, services) {
    checkRange(dev);
    claimDriveProperty(dev, services, true);
  },
  unrealize: releaseDriveProperty,
};

export const scsiCdBehaviour: DeviceBehaviour = {
  assignAddress: assignScsiAddress,
  addressKey: scsiAddressKey,
  realize(dev, services) {
    checkRange(dev);
    dev.state.locked = false;
    claimDriveProperty(dev, services, false);
  },
  unrealize: releaseDriveProperty,
};
