// The runner is only worth something if it notices a wrong translation. This builds emu-legacy with
// one deliberate mistake in src/vl-legacy/translate.ts — SCSI drives get the wrong unit (0↔1, 2↔3…)
// — and runs a case with a SCSI disk against it: the case must fail, named, with a readable diff
// that points at the scsi-id.

import t from 'tap';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { formatTable, killAll, loadCases, ROOT, runCases } from '../../compat-tests/runner.ts';

t.setTimeout(600_000);
t.teardown(killAll);

const CORRECT = "'scsi-id': String(d.unit)";
const SWAPPED = "'scsi-id': String(d.unit ^ 1)";

async function buildMutant(out: string): Promise<void> {
  await build({
    entryPoints: [join(ROOT, 'src/vl-legacy/main.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'error',
    plugins: [{
      name: 'swap-scsi-units',
      setup(b) {
        b.onLoad({ filter: /vl-legacy[\\/]translate\.ts$/ }, (args) => {
          const text = readFileSync(args.path, 'utf8');
          if (!text.includes(CORRECT)) throw new Error(`translate.ts no longer contains ${CORRECT}: update this test`);
          return { contents: text.replace(CORRECT, SWAPPED), loader: 'ts' };
        });
      },
    }],
  });
}

t.test('swapped SCSI units are caught, named and shown', async (t) => {
  // Beside dist/ so that the bundle's package imports resolve from the project's node_modules.
  const dir = join(ROOT, 'dist', `mutant-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const mutant = join(dir, 'emu-legacy.js');
  await buildMutant(mutant);

  const cases = loadCases().filter((c) => c.name === 'drive-if-scsi' || c.name === 'drive-if-virtio');
  t.equal(cases.length, 2);
  const results = await runCases(cases, { emuLegacy: mutant, jobs: 4 });
  const scsi = results.find((r) => r.name === 'drive-if-scsi')!;
  const virtio = results.find((r) => r.name === 'drive-if-virtio')!;
  t.ok(virtio.ok, 'a case without SCSI drives is unaffected');
  t.notOk(scsi.ok, 'the case with a SCSI disk fails');
  t.equal(scsi.error, undefined, 'the machines were built; they differ');
  for (const v of ['cli', 'config', 'qmp', 'print-config']) {
    const c = scsi.comparisons.find((x) => x.variant === v);
    t.equal(c?.identical, false, `${v} differs`);
  }
  const cli = scsi.comparisons.find((x) => x.variant === 'cli')!;
  t.equal(cli.summary, 'document devices[1].scsi-id: emu-legacy 1, emu (options) 0');
  t.match(cli.diff, /^- +"scsi-id": 1$/m, 'the diff shows the legacy value');
  t.match(cli.diff, /^\+ +"scsi-id": 0$/m, 'and the other one');

  const table = formatTable(results);
  t.match(table, /^drive-if-scsi +DIFFERS +DIFFERS +DIFFERS +DIFFERS$/m, 'the table names the case');
  t.match(table, /^drive-if-virtio +identical/m);
  t.match(table, /drive-if-scsi \(cli\): first difference: document devices\[1\]\.scsi-id/);
});
