// Writes src/qmp/generated/schema-types.ts from the schema.
import { writeFileSync } from 'node:fs';
import { schema } from '../src/qmp/schema/index.ts';
import { generateTypes } from '../src/qmp/schema/typegen.ts';

writeFileSync(new URL('../src/qmp/generated/schema-types.ts', import.meta.url), generateTypes(schema()));
