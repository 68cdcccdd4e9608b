// virtio-scsi-device: a SCSI host adapter on a virtio-mmio transport. It provides a SCSI bus
// ('<id>.0') that accepts scsi-hd and scsi-cd, also after machine-ready (hot-plug).

import type { DeviceBehaviour } from '../qom/device.ts';
import type { TypeInfo } from '../qom/types.ts';

/** virtio-scsi's limits as QEMU declares them (VIRTIO_SCSI_MAX_TARGET, VIRTIO_SCSI_MAX_LUN). */
export const SCSI_MAX_TARGET = 255;
export const SCSI_MAX_LUN = 16383;

export const virtioScsiType: TypeInfo = {
  name: 'virtio-scsi-device',
  parent: 'virtio-device',
  userCreatable: true,
  hotpluggable: false,
  doc: 'A virtio SCSI host adapter.',
  providesBus: { type: 'SCSI', slots: (SCSI_MAX_TARGET + 1) * (SCSI_MAX_LUN + 1), hotpluggable: true },
  properties: [
    { name: 'num_queues', type: 'uint32', default: 1, doc: 'Number of request queues.' },
    { name: 'virtqueue_size', type: 'uint32', default: 256, doc: 'Size of each virtqueue.' },
    { name: 'max_sectors', type: 'uint32', default: 0xffff, doc: 'Largest transfer in sectors.' },
    { name: 'cmd_per_lun', type: 'uint32', default: 128, doc: 'Commands queued per LUN.' },
  ],
};

export const virtioScsiBehaviour: DeviceBehaviour = {};
