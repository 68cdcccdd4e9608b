// Writes configs/emu-config.schema.json, the JSON Schema of config files, from the command schema.
// Run after changing the schema or the device types: npx tsx scripts/gen-config-schema.ts
// (test/config/json-schema.test.ts fails while the committed file is stale).
import { writeFileSync } from 'node:fs';
import { configJsonSchemaText } from '../src/vl2/config/json-schema.ts';

writeFileSync(new URL('../configs/emu-config.schema.json', import.meta.url), configJsonSchemaText());
