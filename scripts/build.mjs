// Bundles each binary's entry point into dist/ with esbuild. Runs on `npm install` (prepare), so a
// fresh clone has runnable binaries without a separate build step.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
const entries = {
  'emu': 'src/vl2/main.ts',
  'emu-legacy': 'src/vl-legacy/main.ts',
  'emu-img': 'src/img/main.ts',
  'qmp-client': 'src/qmp/client.ts',
};
const entryPoints = Object.fromEntries(Object.entries(entries).filter(([, f]) => existsSync(f)));
await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
});
