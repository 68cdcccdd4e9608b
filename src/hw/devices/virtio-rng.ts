// virtio-rng-device: an entropy source on a virtio-mmio transport, fed by an rng backend object
// (rng-builtin, rng-random) or, without rng=, by a built-in one as in QEMU. The guest-facing queue
// handling is src/hw/virtio/rng.ts.

import type { DeviceBehaviour } from '../qom/device.ts';
import type { TypeInfo } from '../qom/types.ts';

export const virtioRngType: TypeInfo = {
  name: 'virtio-rng-device',
  parent: 'virtio-device',
  userCreatable: true,
  hotpluggable: false,
  doc: 'A virtio entropy source.',
  properties: [
    { name: 'rng', type: 'link', linkType: 'rng-backend', doc: 'The rng backend object (id); a built-in one when absent.' },
  ],
};

export const virtioRngBehaviour: DeviceBehaviour = {
  realize: (dev, services) => {
    const rng = dev.get('rng') as string | undefined;
    if (rng !== undefined) services.claimObject(dev, 'rng', rng, 'rng-backend');
  },
  unrealize: (dev, services) => {
    const rng = dev.get('rng') as string | undefined;
    if (rng !== undefined) services.releaseObject(dev, rng);
  },
};
