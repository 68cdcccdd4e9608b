// The runner is only worth something if it notices a wrong translation. This builds emu-legacy with
// one deliberate mistake in src/vl-legacy/translate.ts — SCSI drives get the wrong unit (0↔1, 2↔3…)
// — and runs a case with a SCSI disk against it: the case must fail, named, with a readable diff
// that points at the scsi-id. A second mistake is one no document or device tree shows: the fw_cfg
// boot order sorted the wrong way round (src/hw/machine/fw-cfg-content.ts); only the embedded
// firmware's serial output reveals it, and the firmware case must fail on it.

import t from 'tap';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { formatTable, killAll, loadCases, ROOT, runCases } from '../../compat-tests/runner.ts';

t.setTimeout(600_000);
t.teardown(killAll);

interface Mistake { file: RegExp; correct: string; wrong: string }

const SWAPPED_UNITS: Mistake = { file: /vl-legacy[\\/]translate\.ts$/, correct: "'scsi-id': String(d.unit)", wrong: "'scsi-id': String(d.unit ^ 1)" };
const REVERSED_BOOT_ORDER: Mistake = {
  file: /machine[\\/]fw-cfg-content\.ts$/,
  correct: ".sort((a, b) => (a.get('bootindex') as number) - (b.get('bootindex') as number))",
  wrong: ".sort((a, b) => (b.get('bootindex') as number) - (a.get('bootindex') as number))",
};

async function buildMutant(out: string, mistake: Mistake): Promise<void> {
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
      name: 'one-mistake',
      setup(b) {
        b.onLoad({ filter: mistake.file }, (args) => {
          const text = readFileSync(args.path, 'utf8');
          if (!text.includes(mistake.correct)) throw new Error(`${args.path} no longer contains ${mistake.correct}: update this test`);
          return { contents: text.replace(mistake.correct, mistake.wrong), loader: 'ts' };
        });
      },
    }],
  });
}

async function mutant(t: { teardown(fn: () => void): void }, name: string, mistake: Mistake): Promise<string> {
  // Beside dist/ so that the bundle's package imports resolve from the project's node_modules.
  const dir = join(ROOT, 'dist', `mutant-${process.pid}-${name}`);
  mkdirSync(dir, { recursive: true });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'emu-legacy.js');
  await buildMutant(out, mistake);
  return out;
}

t.test('swapped SCSI units are caught, named and shown', async (t) => {
  const mutantLegacy = await mutant(t, 'units', SWAPPED_UNITS);

  const cases = loadCases().filter((c) => c.name === 'drive-if-scsi' || c.name === 'drive-if-virtio');
  t.equal(cases.length, 2);
  const results = await runCases(cases, { emuLegacy: mutantLegacy, jobs: 4 });
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

t.test("a boot order only the firmware shows is caught by comparing its serial output", async (t) => {
  const mutantLegacy = await mutant(t, 'bootorder', REVERSED_BOOT_ORDER);
  const cases = loadCases().filter((c) => c.name === 'firmware-scsi-bootindex');
  t.equal(cases.length, 1);
  t.ok(cases[0].firmware, 'the case boots the embedded firmware');
  const [r] = await runCases(cases, { emuLegacy: mutantLegacy, jobs: 4 });
  t.notOk(r.ok, 'the case fails');
  t.equal(r.error, undefined, 'every variant reached the prompt');
  t.equal(r.comparisons.find((x) => x.variant === 'print-config')?.identical, true, 'the documents cannot show it');
  for (const v of ['cli', 'config', 'qmp']) {
    const c = r.comparisons.find((x) => x.variant === v)!;
    t.equal(c.identical, false, `${v} differs`);
    t.match(c.summary, /^guest serial output line \d+: emu-legacy /, `${v}: the serial output, not the machine, differs`);
  }
  const cli = r.comparisons.find((x) => x.variant === 'cli')!;
  t.match(cli.diff, /^- .*Boot order/m, 'the diff shows the legacy boot order');
  t.match(cli.diff, /^\+ .*Boot order/m, 'and the other one');
  t.match(formatTable([r]), /^firmware-scsi-bootindex +DIFFERS +DIFFERS +DIFFERS +identical$/m);
});
