// Refreshes the generated sections of docs/PHASES.md and docs/QMP.md from the schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { schema } from '../src/qmp/schema/index.ts';
import { phaseTable, qmpReference, replaceGenerated } from '../src/qmp/schema/docgen.ts';

const files: [string, string, string][] = [
  ['docs/PHASES.md', 'phase-table', phaseTable(schema())],
  ['docs/QMP.md', 'qmp-reference', qmpReference(schema())],
];
for (const [file, name, body] of files) {
  const url = new URL(`../${file}`, import.meta.url);
  writeFileSync(url, replaceGenerated(readFileSync(url, 'utf8'), name, body));
}
