// The JSON Schema of config files: the committed configs/emu-config.schema.json is what the generator
// writes today, and it accepts the standard configs, templates and emu's own machine documents while
// refusing what the loader refuses. The check uses a small draft-07 evaluator written here (only the
// keywords the generator emits), since the project has no JSON Schema library.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { documentCommands } from '../../src/hw/machine/document.ts';
import { createCore } from '../../src/qmp/core.ts';
import { configJsonSchemaText, findConfig, loadConfig } from '../../src/vl2/config/index.ts';
import { tempDir } from './helpers.ts';

type S = Record<string, unknown> | boolean;

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function typeMatches(t: string, v: unknown): boolean {
  if (t === 'integer') return typeof v === 'number' && Number.isInteger(v);
  return jsonType(v) === t;
}

/** The first problem found, or undefined when `v` is valid. */
function check(s: S, root: Record<string, unknown>, v: unknown, at = '$'): string | undefined {
  if (s === true) return undefined;
  if (s === false) return `${at}: not allowed`;
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace('#/definitions/', '');
    return check((root.definitions as Record<string, S>)[name], root, v, at);
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type as string[] : [s.type as string];
    if (!types.some((x) => typeMatches(x, v))) return `${at}: expected ${types.join('|')}, got ${jsonType(v)}`;
  }
  if (s.enum && !(s.enum as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(v))) return `${at}: not one of ${JSON.stringify(s.enum)}`;
  if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(v)) return `${at}: not ${JSON.stringify(s.const)}`;
  if (typeof v === 'string' && s.pattern && !new RegExp(s.pattern as string).test(v)) return `${at}: does not match ${s.pattern as string}`;
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < (s.minimum as number)) return `${at}: below minimum`;
    if (s.maximum !== undefined && v > (s.maximum as number)) return `${at}: above maximum`;
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < (s.minItems as number)) return `${at}: too few items`;
    if (s.maxItems !== undefined && v.length > (s.maxItems as number)) return `${at}: too many items`;
    if (s.items) for (let i = 0; i < v.length; i++) { const e = check(s.items as S, root, v[i], `${at}[${i}]`); if (e) return e; }
  }
  if (jsonType(v) === 'object') {
    const o = v as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, S>;
    for (const r of (s.required ?? []) as string[]) if (!(r in o)) return `${at}: lacks ${r}`;
    for (const [k, x] of Object.entries(o)) {
      if (s.propertyNames) { const e = check(s.propertyNames as S, root, k, `${at}.${k} (name)`); if (e) return e; }
      const patterns = Object.entries((s.patternProperties ?? {}) as Record<string, S>).filter(([re]) => new RegExp(re).test(k));
      for (const [, ps] of patterns) { const e = check(ps, root, x, `${at}.${k}`); if (e) return e; }
      if (k in props) { const e = check(props[k], root, x, `${at}.${k}`); if (e) return e; }
      else if (patterns.length) continue;
      else if (s.additionalProperties !== undefined) { const e = check(s.additionalProperties as S, root, x, `${at}.${k}`); if (e) return e; }
    }
  }
  if (s.anyOf && !(s.anyOf as S[]).some((x) => check(x, root, v, at) === undefined)) return `${at}: matches none of anyOf`;
  if (s.oneOf && (s.oneOf as S[]).filter((x) => check(x, root, v, at) === undefined).length !== 1) return `${at}: does not match exactly one of oneOf`;
  if (s.allOf) for (const x of s.allOf as S[]) { const e = check(x, root, v, at); if (e) return e; }
  if (s.if !== undefined) {
    const branch = check(s.if as S, root, v, at) === undefined ? s.then : s.else;
    if (branch !== undefined) { const e = check(branch as S, root, v, at); if (e) return e; }
  }
  return undefined;
}

const committed = readFileSync(new URL('../../configs/emu-config.schema.json', import.meta.url), 'utf8');
const jsonSchema = JSON.parse(committed) as Record<string, unknown>;
const valid = (doc: unknown) => check(jsonSchema, jsonSchema, doc);

t.test('the committed schema is current (run: npx tsx scripts/gen-config-schema.ts)', async (t) => {
  t.ok(committed === configJsonSchemaText(), 'configs/emu-config.schema.json is stale');
});

t.test('the standard configs and emu-written documents are valid', async (t) => {
  for (const name of ['virt-disk', 'virt-empty']) {
    t.equal(valid(parse(readFileSync(findConfig(name), 'utf8'))), undefined, name);
  }
  const { path } = tempDir({ 'disk.img': Buffer.alloc(1 << 20), 'cd.iso': Buffer.alloc(1 << 20) });
  const loaded = loadConfig(findConfig('virt-disk'), { root: path('disk.img'), cdrom: path('cd.iso') });
  t.equal(valid(loaded.document), undefined, 'an expanded document');
  const core = createCore();
  for (const c of documentCommands(loaded.document)) await core.dispatcher.submit(c.execute, c.arguments);
  t.equal(valid({ ...core.vm.document(), generation: 3 }), undefined, 'a machine document as the state file holds it');
  core.vm.blocks.closeAll();
});

t.test('what the loader refuses, the schema refuses', async (t) => {
  const bad: [string, unknown][] = [
    ['unknown section', { machines: { type: 'virt' } }],
    ['wrong format', { format: 'emu-machine/2' }],
    ['machine with an unknown member', { machine: { type: 'virt', colour: 'red' } }],
    ['bad size', { machine: { type: 'virt', memory: 'lots' } }],
    ['bad block driver', { blockdevs: [{ driver: 'vmdk', 'node-name': 'x' }] }],
    ['unknown blockdev member', { blockdevs: [{ driver: 'null-co', 'node-name': 'x', colour: 'red' }] }],
    ['missing file member', { blockdevs: [{ driver: 'raw', 'node-name': 'x' }] }],
    ['unknown device type', { devices: [{ driver: 'e1000' }] }],
    ['unknown device property', { devices: [{ driver: 'virtio-blk-device', colour: 'red' }] }],
    ['chardev backend data', { chardevs: [{ id: 'c', backend: { type: 'file', data: {} } }] }],
    ['variable type', { variables: { x: { type: 'integer' } } }],
    ['conditional without then', { devices: [{ if: true }] }],
    ['loop without do', { devices: [{ for: 'd', in: [] }] }],
  ];
  for (const [what, doc] of bad) t.not(valid(doc), undefined, what);
  t.equal(valid({ machine: { type: 'virt', memory: '${mem}', smp: { cpus: '${cpus}' } } }), undefined, 'whole ${var} values');
  t.equal(valid({ devices: [{ driver: 'virtio-blk-device', drive: 'd0', id: 'vd0' }] }), undefined, 'device properties');
  t.equal(valid({ 'x-anchors': { a: 1 }, machine: { type: 'virt' } }), undefined, 'x- sections');
});

t.test('the examples of docs/CONFIG.md are valid (but the one showing an error)', async (t) => {
  const md = readFileSync(new URL('../../docs/CONFIG.md', import.meta.url), 'utf8');
  const examples = [...md.matchAll(/```(?:yaml|json) file=(\S+)\n([\s\S]*?)```/g)];
  t.ok(examples.length > 10);
  for (const [, name, text] of examples) {
    // Editors' YAML support resolves merge keys (<<) as the loader does.
    const problem = valid(parse(text, { merge: true }) ?? {});
    if (name === 'typo.yaml') t.not(problem, undefined, name);
    else t.equal(problem, undefined, name);
  }
});
