// The object tree, types and properties; device_add and device_del.

import { QmpError } from '../../shared/errors.ts';
import { Device } from '../../hw/qom/device.ts';
import { resolvePath } from '../../hw/qom/object.ts';
import { PROP_TYPE_NAMES, type PropertyDecl } from '../../hw/qom/types.ts';
import type { VirtualMachine } from '../../hw/vm.ts';
import type { ObjectPropertyInfo } from '../generated/schema-types.ts';
import type { Handlers } from './types.ts';

function propInfo(p: PropertyDecl): ObjectPropertyInfo {
  return {
    name: p.name,
    type: p.type === 'enum' ? 'str' : PROP_TYPE_NAMES[p.type],
    // QEMU leaves the member out for a property without one (a secret's).
    ...(p.doc ? { description: p.doc } : {}),
    ...(p.default !== undefined ? { 'default-value': p.default } : {}),
  };
}

function object(vm: VirtualMachine, path: string) {
  const o = resolvePath(vm.root, path);
  if (!o) throw new QmpError(`Device '${path}' not found`, 'DeviceNotFound');
  return o;
}

export const qomHandlers: Handlers<
  'qom-list' | 'qom-get' | 'qom-set' | 'qom-list-types' | 'device-list-properties' | 'qom-list-properties'
  | 'device_add' | 'device_del'
> = {
  'qom-list': (a, { core }) => {
    const o = object(core, a.path);
    const out: ObjectPropertyInfo[] = [{ name: 'type', type: 'string' }];
    for (const [name, c] of o.children) out.push({ name, type: `child<${c.type.name}>` });
    if (o instanceof Device) {
      out.push({ name: 'realized', type: 'bool' });
      if (o.parentBus) out.push({ name: 'parent_bus', type: 'link<bus>' });
    }
    for (const p of o.propertyDecls) out.push({ name: p.name, type: p.type === 'enum' ? 'str' : PROP_TYPE_NAMES[p.type] });
    return out;
  },
  'qom-get': (a, { core }) => {
    const o = object(core, a.path);
    if (a.property === 'type') return o.type.name;
    if (o instanceof Device && a.property === 'realized') return o.realized;
    if (o instanceof Device && a.property === 'parent_bus' && o.parentBus) return o.parentBus.name;
    const decl = o.decl(a.property);
    if (!decl) throw new QmpError(`Property '${a.property}' not found`);
    const v = o.get(a.property);
    return v ?? (['str', 'drive', 'chardev', 'link', 'enum'].includes(decl.type) ? '' : null);
  },
  'qom-set': (a, ctx) => {
    const o = object(ctx.core, a.path);
    const decl = o.decl(a.property);
    if (!decl) throw new QmpError(`Property '${o.type.name}.${a.property}' not found`);
    if (o instanceof Device && o.realized && !decl.settableAfterRealize) {
      throw new QmpError(`Attempt to set property '${a.property}' on device '${o.label}' (type '${o.type.name}') after it was realized`);
    }
    o.props[a.property] = ctx.dispatcher.validator.value(
      decl.type === 'enum' || decl.type === 'drive' || decl.type === 'chardev' || decl.type === 'link' ? 'str' : decl.type === 'int' ? 'int' : decl.type,
      a.value, a.property, 'json');
  },
  'qom-list-types': (a, { core }) => core.types.all()
    .filter((t) => (a.abstract ?? false) || !t.abstract)
    .filter((t) => a.implements === undefined || core.types.isA(t.name, a.implements))
    .map((t) => ({ name: t.name, ...(t.abstract ? { abstract: true } : {}), ...(t.parent ? { parent: t.parent } : {}) })),
  'device-list-properties': (a, { core }) => {
    const t = core.types.require(a.typename);
    if (!core.types.isA(t.name, 'device')) throw new QmpError(`Parameter 'typename' expects device type`);
    if (t.abstract) throw new QmpError(`Parameter 'typename' expects non-abstract device type`);
    return core.types.properties(t.name).map(propInfo);
  },
  'qom-list-properties': (a, { core }) => {
    const t = core.types.get(a.typename);
    if (!t) throw new QmpError(`Class '${a.typename}' not found`, 'DeviceNotFound');
    return core.types.properties(t.name).map(propInfo);
  },
  device_add: (a, { core, mode }) => {
    core.addDevice(a, mode);
  },
  device_del: (a, { core }) => core.delDevice(a.id),
};
