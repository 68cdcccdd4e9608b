// virtio-blk-device: a disk on a virtio-mmio transport. Configuration side; the guest-facing queue
// handling lives with the virtio transport.

import type { DeviceBehaviour } from '../qom/device.ts';
import type { TypeInfo } from '../qom/types.ts';
import { claimDriveProperty, releaseDriveProperty } from './drive-property.ts';

export const virtioBlkType: TypeInfo = {
  name: 'virtio-blk-device',
  parent: 'virtio-device',
  userCreatable: true,
  hotpluggable: false,
  doc: 'A virtio block device (disk).',
  properties: [
    { name: 'drive', type: 'drive', doc: 'Node name of the block node holding the disk.' },
    { name: 'serial', type: 'str', doc: 'Disk serial number (GET_ID).' },
    { name: 'bootindex', type: 'int', doc: 'Position in the boot order (fw_cfg bootorder).' },
    { name: 'num-queues', type: 'uint16', default: 1, doc: 'Number of request queues.' },
    { name: 'queue-size', type: 'uint16', default: 256, doc: 'Size of each request queue.' },
    { name: 'logical_block_size', type: 'size', default: 512, doc: 'Logical block size in bytes.' },
    { name: 'physical_block_size', type: 'size', default: 512, doc: 'Physical block size in bytes.' },
    { name: 'discard', type: 'bool', default: true, doc: 'Offer DISCARD to the guest.' },
    { name: 'write-zeroes', type: 'bool', default: true, doc: 'Offer WRITE_ZEROES to the guest.' },
  ],
};

export const virtioBlkBehaviour: DeviceBehaviour = {
  realize: (dev, services) => claimDriveProperty(dev, services, true),
  unrealize: releaseDriveProperty,
};
