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
  // Dependencies are bundled in: resolving and loading them from node_modules at every start-up costs
  // more than the rest of emu's start-up (measured with --cpu-prof). ws's optional native add-ons
  // stay out, and bundled CommonJS gets a real require for Node's built-in modules.
  external: ['bufferutil', 'utf-8-validate'],
  banner: { js: "import { createRequire as __emuCreateRequire } from 'node:module'; const require = __emuCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
