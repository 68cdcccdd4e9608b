// Every type the object model knows, and each device type's behaviour.

import type { DeviceBehaviour } from '../qom/device.ts';
import { TypeRegistry } from '../qom/types.ts';
import { deviceTypes } from './base.ts';
import { onboardTypes } from './onboard.ts';
import { scsiCdBehaviour, scsiCdType, scsiHdBehaviour, scsiHdType } from './scsi-disk.ts';
import { virtioBlkBehaviour, virtioBlkType } from './virtio-blk.ts';
import { virtioScsiBehaviour, virtioScsiType } from './virtio-scsi.ts';
import { objectTypes } from '../objects/index.ts';
import { virtioRngBehaviour, virtioRngType } from './virtio-rng.ts';

export const behaviours: Record<string, DeviceBehaviour> = {
  'virtio-blk-device': virtioBlkBehaviour,
  'virtio-scsi-device': virtioScsiBehaviour,
  'scsi-hd': scsiHdBehaviour,
  'scsi-cd': scsiCdBehaviour,
  'virtio-rng-device': virtioRngBehaviour,
};

export function createTypeRegistry(): TypeRegistry {
  const r = new TypeRegistry();
  for (const t of [...deviceTypes, ...onboardTypes, virtioBlkType, virtioScsiType, scsiHdType, scsiCdType, virtioRngType, ...objectTypes]) r.register(t);
  return r;
}
