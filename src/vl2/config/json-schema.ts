// The JSON Schema (draft-07, what editors' YAML and JSON plugins read) of config files, derived
// from the one command schema and the device types' property declarations: each section is typed as
// the arguments of the command it becomes. Template forms (a whole `${var}`, {if: ...}, {for: ...})
// are accepted wherever a value may stand, so a template validates as well as a plain document.
// scripts/gen-config-schema.ts writes it to configs/emu-config.schema.json.

import { createTypeRegistry } from '../../hw/devices/index.ts';
import { DOCUMENT_FORMAT } from '../../hw/machine/document.ts';
import type { PropertyDecl, TypeRegistry } from '../../hw/qom/types.ts';
import type { NormalMember, TypeRef } from '../../qmp/schema/dsl.ts';
import { schema } from '../../qmp/schema/index.ts';
import type { SchemaRegistry } from '../../qmp/schema/registry.ts';
import { SCALAR_VAR_TYPES } from './variables.ts';

type JsonSchema = Record<string, unknown>;

const VAR = 'template-variable';
const IF = 'template-if';
const FOR = 'template-for';
const COND = 'template-condition';
const SIZE = 'size';

const ref = (name: string): JsonSchema => ({ $ref: `#/definitions/${name}` });

const INT_BOUNDS: Record<string, [number, number] | [number]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647],
  uint8: [0, 255], uint16: [0, 65535], uint32: [0, 4294967295], uint64: [0],
};

class Generator {
  readonly definitions: Record<string, JsonSchema> = {};
  private readonly pending: string[] = [];

  constructor(private readonly registry: SchemaRegistry, private readonly types: TypeRegistry) {}

  /** The schema of a value of type `t`, template forms included. */
  use(t: TypeRef, extra: JsonSchema = {}): JsonSchema {
    const base = this.plain(t);
    const isString = !Array.isArray(t) && t === 'str';
    const isAny = !Array.isArray(t) && t === 'any';
    if (isAny) return { ...extra };
    return { ...extra, anyOf: [base, ...(isString ? [] : [ref(VAR)]), ref(IF)] };
  }

  private plain(t: TypeRef): JsonSchema {
    if (Array.isArray(t)) return { type: 'array', items: this.itemOf(t[0]) };
    const r = this.registry.resolve(t);
    if (r.kind === 'builtin') return builtin(r.name);
    this.want(t);
    return ref(t);
  }

  /** A list element: a value, or a directive contributing elements. */
  itemOf(t: TypeRef): JsonSchema {
    return { anyOf: [this.plain(t), ...(t === 'str' ? [] : [ref(VAR)]), ref(IF), ref(FOR)] };
  }

  private want(name: string): void {
    if (!(name in this.definitions) && !this.pending.includes(name)) this.pending.push(name);
  }

  /** Generates every definition asked for so far (and what they refer to). */
  drain(): void {
    for (let name = this.pending.shift(); name !== undefined; name = this.pending.shift()) {
      if (name in this.definitions) continue;
      this.definitions[name] = {};
      this.definitions[name] = this.define(name);
    }
  }

  private define(name: string): JsonSchema {
    const r = this.registry.resolve(name);
    switch (r.kind) {
      case 'enum':
        return describe({ enum: [...r.values] }, r.doc);
      case 'struct':
        return describe(this.object(r.members), r.doc);
      case 'union': {
        const disc = r.base.find((m) => m.name === r.discriminator)!;
        const values = (this.registry.resolve(disc.type as string) as { values: readonly string[] }).values;
        const variants = values.map((v) => {
          const branch = r.variants[v];
          const members = [...r.base, ...(branch ? this.registry.structMembers(branch) : [])];
          const o = this.object(members);
          (o.properties as Record<string, JsonSchema>)[r.discriminator] = { const: v };
          return o;
        });
        // When the discriminator is itself a template value, the branch is unknown until expansion.
        variants.push({ type: 'object', properties: { [r.discriminator]: ref(VAR) }, required: [r.discriminator] });
        return describe({ oneOf: variants }, r.doc);
      }
      case 'alternate':
        return describe({ anyOf: Object.values(r.branches).map((b) => this.plain(b)) }, r.doc);
      default:
        return this.plain(name);
    }
  }

  object(members: NormalMember[], additional = false): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    for (const m of members) {
      const extra: JsonSchema = {};
      if (m.doc) extra.description = m.doc;
      if (m.default !== undefined) extra.default = m.default;
      if (m.features?.includes('deprecated')) extra.deprecated = true;
      properties[m.name] = this.use(m.type, extra);
    }
    const required = members.filter((m) => !m.optional).map((m) => m.name);
    return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: additional };
  }

  /** device_add: the declared members, plus each pluggable device type's own properties. */
  device(): JsonSchema {
    const declared = this.registry.structMembers(this.registry.argTypeOf(this.registry.command('device_add')));
    const base = this.object(declared, true);
    const pluggable = this.types.all().filter((t) => t.userCreatable && !t.abstract).map((t) => t.name).sort();
    (base.properties as Record<string, JsonSchema>).driver = {
      description: 'Device type.', anyOf: [{ enum: pluggable }, ref(VAR), ref(IF)],
    };
    base.allOf = pluggable.map((name) => {
      const props: Record<string, JsonSchema> = { ...(base.properties as Record<string, JsonSchema>) };
      for (const p of this.types.properties(name)) {
        if (p.config === false) continue;
        props[p.name] = this.property(p);
      }
      return {
        if: { properties: { driver: { const: name } }, required: ['driver'] },
        then: { properties: props, additionalProperties: false },
      };
    });
    return describe(base, 'A device (device_add arguments); other members are the properties of its type.');
  }

  private property(p: PropertyDecl): JsonSchema {
    const extra: JsonSchema = { description: p.doc };
    if (p.default !== undefined) extra.default = p.default;
    if (p.type === 'enum' && p.values) return { ...extra, anyOf: [{ enum: [...p.values] }, ref(VAR), ref(IF)] };
    const t = ({ int: 'int', uint8: 'uint8', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64', size: 'size', bool: 'bool' } as Record<string, string>)[p.type] ?? 'str';
    return this.use(t, extra);
  }
}

function describe(s: JsonSchema, doc: string | undefined): JsonSchema {
  return doc ? { description: doc, ...s } : s;
}

function builtin(name: string): JsonSchema {
  switch (name) {
    case 'str': return { type: 'string' };
    case 'bool': return { type: 'boolean' };
    case 'number': return { type: 'number' };
    case 'null': return { type: 'null' };
    case 'any': return {};
    case 'size': return ref(SIZE);
    default: {
      const b = INT_BOUNDS[name];
      return { type: 'integer', ...(b ? { minimum: b[0], ...(b[1] !== undefined ? { maximum: b[1] } : {}) } : {}) };
    }
  }
}

/** The JSON Schema of emu config files (and state files, which are config files). */
export function configJsonSchema(registry: SchemaRegistry = schema(), types: TypeRegistry = createTypeRegistry()): JsonSchema {
  const g = new Generator(registry, types);
  const args = (cmd: string) => registry.argTypeOf(registry.command(cmd));
  const accel = registry.structMembers(args('accel-set')).find((m) => m.name === 'accel')!;
  const section = (item: JsonSchema, doc: string): JsonSchema => ({
    description: doc,
    anyOf: [{ type: 'array', items: { anyOf: [item, ref(IF), ref(FOR)] } }, ref(VAR), ref(IF), ref(FOR)],
  });
  const varType = { enum: [...SCALAR_VAR_TYPES] };
  const root: JsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'emu config file',
    description: `An emu machine document (${DOCUMENT_FORMAT}) with optional template features; see docs/CONFIG.md. Generated from emu's command schema by scripts/gen-config-schema.ts.`,
    type: 'object',
    additionalProperties: false,
    patternProperties: { '^x-': { description: 'Your own section, ignored by emu (a place for YAML anchors).' } },
    properties: {
      format: { description: 'Document format; optional.', const: DOCUMENT_FORMAT },
      generation: { description: 'State files: the number of the write that produced this file.', type: 'integer', minimum: 0 },
      include: {
        description: 'Config files merged before this one, relative to this file.',
        type: 'array',
        items: {
          anyOf: [
            { type: 'string' },
            { type: 'object', properties: { file: { type: 'string' }, with: { type: 'object', description: "Values of the included file's variables." } },
              required: ['file'], additionalProperties: false },
            ref(IF), ref(FOR),
          ],
        },
      },
      variables: {
        description: 'Template variables, set on the command line as name=value after the config file.',
        type: 'object',
        propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' },
        additionalProperties: {
          type: 'object',
          properties: {
            type: { description: 'Type of the value; a one-element list for a list.', anyOf: [varType, { type: 'array', items: varType, minItems: 1, maxItems: 1 }] },
            default: { description: 'Value when not given (null: unset, testable with if).' },
            required: { type: 'boolean', description: 'Whether the variable must be given (default: true when there is no default).' },
            doc: { type: 'string' },
          },
          additionalProperties: false,
        },
      },
      machine: { description: 'The machine (machine-set arguments).', anyOf: [ref('machine'), ref(VAR), ref(IF)] },
      accel: g.use(accel.type, { description: accel.doc ?? 'Accelerator.' }),
      actions: g.use(args('set-action'), { description: 'What guest shutdown and reboot do (set-action arguments).' }),
      objects: section(g.use(args('object-add')), 'User-creatable objects: secrets, memory backends (object-add arguments).'),
      chardevs: section(g.use(args('chardev-add')), 'Character devices (chardev-add arguments).'),
      blockdevs: section(g.use(args('blockdev-add')), 'Block nodes (blockdev-add arguments).'),
      devices: section(ref('device'), 'Devices, in creation order (device_add arguments).'),
    },
  };
  g.definitions.device = g.device();
  // Members of the machine may come from an included file (merged member by member), so a file's
  // own machine section needs none of them; the loader checks the merged result.
  const machineArgs = registry.structMembers(args('machine-set'));
  g.definitions.machine = { ...g.object(machineArgs.map((m) => ({ ...m, optional: true }))) };
  g.drain();
  g.definitions[SIZE] = {
    description: 'A size in bytes: a number, or a string with an optional suffix k, M, G, T, P or E (powers of 1024).',
    anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\s*(0[xX][0-9a-fA-F]+|[0-9]+(\\.[0-9]*)?)\\s*[bBkKmMgGtTpPeE]?$' }],
  };
  g.definitions[VAR] = {
    description: 'A whole value taken from a template variable, with its type.',
    type: 'string', pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]+)*\\}$',
  };
  g.definitions[COND] = {
    description: 'A condition: a value (false, null, "", 0 and [] are false), or not/and/or/equals.',
    anyOf: [
      { type: ['string', 'number', 'boolean', 'null'] },
      { type: 'object', properties: { not: ref(COND) }, required: ['not'], additionalProperties: false },
      { type: 'object', properties: { and: { type: 'array', items: ref(COND) } }, required: ['and'], additionalProperties: false },
      { type: 'object', properties: { or: { type: 'array', items: ref(COND) } }, required: ['or'], additionalProperties: false },
      { type: 'object', properties: { equals: { type: 'array', minItems: 2, maxItems: 2 } }, required: ['equals'], additionalProperties: false },
    ],
  };
  g.definitions[IF] = {
    description: 'A conditional: the value of then when if holds, else the value of else (or nothing).',
    type: 'object',
    properties: { if: ref(COND), then: {}, else: {} },
    required: ['if', 'then'],
    additionalProperties: false,
  };
  g.definitions[FOR] = {
    description: 'A loop: the elements do produces for each element of in, bound to the name for (and its index to index).',
    type: 'object',
    properties: {
      for: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' },
      in: { anyOf: [{ type: 'array' }, ref(VAR)] },
      do: {},
      index: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' },
    },
    required: ['for', 'in', 'do'],
    additionalProperties: false,
  };
  root.definitions = Object.fromEntries(Object.keys(g.definitions).sort().map((k) => [k, g.definitions[k]]));
  return root;
}

/** The file's text: stable key order and a final newline, so the committed file diffs cleanly. */
export function configJsonSchemaText(registry?: SchemaRegistry): string {
  return `${JSON.stringify(configJsonSchema(registry), null, 2)}\n`;
}
