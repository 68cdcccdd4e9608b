// The abstract types every device descends from.

import type { TypeInfo } from '../qom/types.ts';

export const deviceTypes: TypeInfo[] = [
  { name: 'object', abstract: true, doc: 'The root of the type hierarchy.' },
  { name: 'device', parent: 'object', abstract: true, doc: 'A device.' },
  { name: 'sys-bus-device', parent: 'device', abstract: true, doc: 'An onboard device on the system bus.' },
  { name: 'virtio-device', parent: 'device', abstract: true, busType: 'virtio-bus', doc: 'A virtio device; plugs into a virtio transport.' },
  { name: 'scsi-device', parent: 'device', abstract: true, busType: 'SCSI', doc: 'A SCSI device; plugs into a SCSI bus.' },
];
