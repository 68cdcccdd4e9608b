// query-qmp-schema: the schema as QEMU's SchemaInfo list (qapi/introspect.json). emu reports real
// type names (QEMU's unmasked form) instead of QEMU's numbered ones: the shape is the same, and names
// make the output readable; clients must not depend on type names either way (QEMU's contract).

import type { TypeRef } from './dsl.ts';
import type { SchemaRegistry } from './registry.ts';

const JSON_TYPE: Record<string, string> = {
  str: 'string', int: 'int', int8: 'int', int16: 'int', int32: 'int', int64: 'int', uint8: 'int',
  uint16: 'int', uint32: 'int', uint64: 'int', size: 'int', number: 'number', bool: 'boolean',
  null: 'null', any: 'value',
};

export const EMPTY_OBJECT_TYPE = 'q_empty';

export function buildSchemaInfo(registry: SchemaRegistry): Record<string, unknown>[] {
  const out = new Map<string, Record<string, unknown>>();
  const pending: TypeRef[] = [];
  const refName = (ref: TypeRef): string => {
    pending.push(ref);
    return Array.isArray(ref) ? `[${ref[0]}]` : ref;
  };
  const features = (f: string[] | undefined) => (f && f.length ? { features: [...f] } : {});

  out.set(EMPTY_OBJECT_TYPE, { name: EMPTY_OBJECT_TYPE, 'meta-type': 'object', members: [] });
  for (const c of registry.commands.values()) {
    const arg = registry.argTypeOf(c);
    out.set(c.command, {
      name: c.command,
      'meta-type': 'command',
      'arg-type': arg ? refName(arg) : EMPTY_OBJECT_TYPE,
      'ret-type': c.returns ? refName(c.returns) : EMPTY_OBJECT_TYPE,
      ...(c.allowOob ? { 'allow-oob': true } : {}),
      ...features(c.features),
    });
  }
  for (const e of registry.events.values()) {
    const arg = registry.argTypeOf(e);
    out.set(e.event, { name: e.event, 'meta-type': 'event', 'arg-type': arg ? refName(arg) : EMPTY_OBJECT_TYPE, ...features(e.features) });
  }
  const memberInfo = (m: { name: string; type: TypeRef; optional: boolean; features?: string[] }) => ({
    name: m.name,
    type: refName(m.type),
    ...(m.optional ? { default: null } : {}),
    ...features(m.features),
  });
  while (pending.length) {
    const ref = pending.pop()!;
    const name = Array.isArray(ref) ? `[${ref[0]}]` : ref;
    if (out.has(name)) continue;
    const t = registry.resolve(ref);
    switch (t.kind) {
      case 'builtin':
        out.set(name, { name, 'meta-type': 'builtin', 'json-type': JSON_TYPE[t.name] });
        break;
      case 'array':
        out.set(name, { name, 'meta-type': 'array', 'element-type': refName(t.element[0]) });
        break;
      case 'enum':
        out.set(name, { name, 'meta-type': 'enum', members: t.values.map((v) => ({ name: v })), values: [...t.values] });
        break;
      case 'struct':
        out.set(name, { name, 'meta-type': 'object', members: t.members.map(memberInfo) });
        break;
      case 'union':
        out.set(name, {
          name,
          'meta-type': 'object',
          members: t.base.map(memberInfo),
          tag: t.discriminator,
          variants: Object.entries(t.variants).map(([c, ty]) => ({ case: c, type: refName(ty) })),
        });
        break;
      case 'alternate':
        out.set(name, { name, 'meta-type': 'alternate', members: Object.values(t.branches).map((b) => ({ type: refName(b) })) });
        break;
    }
  }
  return [...out.values()];
}
