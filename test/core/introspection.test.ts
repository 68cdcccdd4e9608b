// query-qmp-schema has QEMU's SchemaInfo shape and every type it names resolves to an entry;
// query-commands lists every command; the generated handler types are fresh.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { createCore } from '../../src/qmp/core.ts';
import { schema } from '../../src/qmp/schema/index.ts';
import { generateTypes } from '../../src/qmp/schema/typegen.ts';

t.test('every arg-type, ret-type, element-type and member type resolves', async (t) => {
  const { dispatcher } = createCore();
  const info = (await dispatcher.submit('query-qmp-schema', {})) as Record<string, unknown>[];
  const names = new Set(info.map((e) => e.name as string));
  t.equal(names.size, info.length, 'names are unique');
  const refs: string[] = [];
  for (const e of info) {
    t.ok(['command', 'event', 'object', 'enum', 'array', 'alternate', 'builtin'].includes(e['meta-type'] as string));
    if (e['meta-type'] === 'command') refs.push(e['arg-type'] as string, e['ret-type'] as string);
    if (e['meta-type'] === 'event') refs.push(e['arg-type'] as string);
    if (e['meta-type'] === 'array') refs.push(e['element-type'] as string);
    if (e['meta-type'] === 'object') {
      for (const m of e.members as { type: string }[]) refs.push(m.type);
      for (const v of (e.variants as { type: string }[] | undefined) ?? []) refs.push(v.type);
    }
    if (e['meta-type'] === 'alternate') for (const m of e.members as { type: string }[]) refs.push(m.type);
  }
  const missing = refs.filter((r) => !names.has(r));
  t.same(missing, [], 'no dangling type references');
  const qc = info.find((e) => e.name === 'qmp_capabilities')!;
  t.same(Object.keys(qc).sort(), ['arg-type', 'meta-type', 'name', 'ret-type']);
  const commands = (await dispatcher.submit('query-commands', {})) as { name: string }[];
  t.same(commands.map((c) => c.name).sort(), info.filter((e) => e['meta-type'] === 'command').map((e) => e.name).sort());
});

t.test('generated handler types are up to date (npm run gen)', async (t) => {
  const committed = readFileSync(new URL('../../src/qmp/generated/schema-types.ts', import.meta.url), 'utf8');
  t.equal(committed, generateTypes(schema()));
});
