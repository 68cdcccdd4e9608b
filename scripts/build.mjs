// Bundles each entry point into dist/ with esbuild. Runs on `npm install` (prepare), so a fresh clone
// has runnable binaries without a separate build step.
//
// - dist/NAME.js: ES module bundles (qmp-client is the package's library export; the compat tests run
//   emu.js and emu-legacy.js directly).
// - dist/NAME.cjs + dist/NAME.cjs.v8cache: the binaries as scripts, which bin/NAME starts through V8's
//   code cache (bin/start.cjs). Each begins with a build id, a hash of its contents, that keys the
//   cache; it is ASCII so that it can be read without UTF-8 decoding.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { trainCodeCaches } from './code-cache.mjs';
import { builtins } from './lazy-builtins.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const only = (entries) => Object.fromEntries(Object.entries(entries).filter(([, f]) => existsSync(f)));
const binaries = only({
  'emu': 'src/vl2/main.ts',
  'emu-legacy': 'src/vl-legacy/main.ts',
  'emu-img': 'src/img/main.ts',
});
const library = only({ 'qmp-client': 'src/qmp/client.ts' });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Dependencies are bundled in: resolving and loading them from node_modules at every start-up costs
  // more than the rest of emu's start-up (measured with --cpu-prof). ws's optional native add-ons
  // stay out.
  external: ['bufferutil', 'utf-8-validate'],
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { ...binaries, ...library },
  outdir: 'dist',
  format: 'esm',
  // Bundled CommonJS gets a real require for Node's built-in modules.
  banner: { js: "import { createRequire as __emuCreateRequire } from 'node:module'; const require = __emuCreateRequire(import.meta.url);" },
});

const scripts = await build({
  ...common,
  entryPoints: binaries,
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  write: false,
  plugins: [builtins(['child_process', 'crypto', 'fs/promises', 'dns/promises'])],
  // The sources find firmware/ and configs/ from their own location.
  define: { 'import.meta.url': '__emuImportMeta.url' },
  // Any other use of import.meta would be silently empty in a script: refuse to build instead.
  logOverride: { 'empty-import-meta': 'error' },
  // The directive comes first: after the banner, esbuild's own "use strict" would no longer be one.
  banner: { js: '"use strict";\nvar __emuImportMeta = { get url() { return require("node:url").pathToFileURL(__filename).href; } };' },
});
mkdirSync('dist', { recursive: true });
for (const out of scripts.outputFiles) {
  if (out.path.endsWith('.map')) continue;
  // Only comments can hold non-ASCII text here (esbuild escapes it in code).
  const text = out.text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const id = createHash('sha256').update(text).digest('hex').slice(0, 16);
  writeFileSync(out.path, `// emu-build ${id}\n${text}`);
  rmSync(`${out.path}.v8cache`, { force: true });
  const map = scripts.outputFiles.find((o) => o.path === `${out.path}.map`);
  if (map) {
    // One generated line more at the top: one more ';' at the start of the mappings.
    const m = JSON.parse(map.text);
    m.mappings = `;${m.mappings}`;
    writeFileSync(map.path, JSON.stringify(m));
  }
  if (process.env.EMU_BUILD_VERBOSE) console.log(`${basename(out.path)} ${id}`);
}

if (process.env.EMU_CODE_CACHE !== 'off') await trainCodeCaches(ROOT);
