// The object model: devices, object tree, types and properties.

import type { Declaration } from './dsl.ts';

export const qomSchema: Declaration[] = [
  { struct: 'ObjectPropertyInfo', doc: 'A property of an object or type.',
    data: { name: 'str', type: 'str', '*description': 'str', '*default-value': 'any' } },
  { struct: 'ObjectTypeInfo', doc: 'A QOM type.', data: { name: 'str', '*abstract': 'bool', '*parent': 'str' } },
  { command: 'qom-list', phases: 'any', returns: ['ObjectPropertyInfo'], doc: 'Lists the properties and children of an object.',
    data: { path: 'str' } },
  { command: 'qom-get', phases: 'any', returns: 'any', doc: 'Reads a property.', data: { path: 'str', property: 'str' } },
  { command: 'qom-set', phases: 'any', changesConfig: true, doc: 'Writes a property.',
    data: { path: 'str', property: 'str', value: 'any' } },
  { command: 'qom-list-types', phases: 'any', returns: ['ObjectTypeInfo'], doc: 'Lists the types.',
    data: { '*implements': 'str', '*abstract': { type: 'bool', default: false } } },
  { command: 'device-list-properties', phases: 'any', returns: ['ObjectPropertyInfo'], doc: "Lists a device type's properties.",
    data: { typename: 'str' } },
  { command: 'qom-list-properties', phases: 'any', returns: ['ObjectPropertyInfo'], doc: "Lists a type's properties.",
    data: { typename: 'str' } },
  { command: 'device_add', phases: ['machine-initialized', 'machine-ready'], implicitAdvance: true, changesConfig: true,
    extraMembers: true, features: ['json-cli', 'json-cli-hotplug'],
    cli: { option: 'device', impliedKey: 'driver', help: 'add a device: virtio-blk-device,drive=d0,id=vd0' },
    doc: 'Adds a device. Before machine-ready it is cold-plugged; after, hot-plugged (its bus must allow it). Other members are device properties.',
    data: { driver: 'str', '*bus': 'str', '*id': 'str' } },
  { command: 'device_del', phases: ['machine-initialized', 'machine-ready'], changesConfig: true,
    doc: 'Removes a device (by id or QOM path). Emits DEVICE_DELETED.', data: { id: 'str' } },
];
