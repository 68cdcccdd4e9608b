// The `drive` property shared by block devices: claimed at realize, released at unrealize.

import { QmpError } from '../../shared/errors.ts';
import type { Device, DeviceServices } from '../qom/device.ts';

/** Claims the device's drive; `required` devices (disks) refuse to exist without one. */
export function claimDriveProperty(dev: Device, services: DeviceServices, required: boolean): void {
  const drive = dev.get('drive') as string | undefined;
  if (drive === undefined) {
    if (required) throw new QmpError('drive property not set');
    return;
  }
  services.claimDrive(dev, drive);
}

export function releaseDriveProperty(dev: Device, services: DeviceServices): void {
  const drive = dev.get('drive') as string | undefined;
  if (drive !== undefined) services.releaseDrive(dev, drive);
}
