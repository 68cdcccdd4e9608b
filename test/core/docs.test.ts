// The generated parts of docs/PHASES.md and docs/QMP.md match the schema.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { schema } from '../../src/qmp/schema/index.ts';
import { phaseTable, qmpReference, replaceGenerated } from '../../src/qmp/schema/docgen.ts';

for (const [file, name, body] of [
  ['docs/PHASES.md', 'phase-table', phaseTable(schema())],
  ['docs/QMP.md', 'qmp-reference', qmpReference(schema())],
] as const) {
  t.test(`${file} is up to date (npm run gen)`, async (t) => {
    const doc = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    t.equal(doc, replaceGenerated(doc, name, body));
  });
}
