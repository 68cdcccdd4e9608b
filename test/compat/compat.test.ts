// The compat corpus (compat-tests/cases): every case's four variants build identical machines, and
// emu-legacy --print-config prints what the hand-written config builds. One subtest per case, whose
// failure message is the runner's table entry: the first difference and a diff of the documents.

import t from 'tap';
import { formatTable, killAll, loadCases, runCases } from '../../compat-tests/runner.ts';

// The corpus spawns five processes per case, about 1.4 s of CPU in all: ~60 s on an idle 2-core
// machine (113 s measured with a load average of 10 from other work), many times that on a busier
// one. Every wait inside the runner has its own
// limit (20 s), so a stuck process fails its case rather than the whole file.
t.setTimeout(1_500_000);
t.teardown(killAll);

const cases = loadCases();

t.test('the corpus has at least 60 cases, each with the four variants', async (t) => {
  t.ok(cases.length >= 60, `${cases.length} cases`);
  for (const c of cases) {
    t.ok(c.legacy.length && c.cli.length && c.config.args.length && c.qmp.length, `${c.name}: legacy, cli, config and qmp given`);
    if (c.legacyRead === 'print-config') t.ok(c.legacyReason, `${c.name}: says why emu-legacy is not read over QMP`);
  }
});

t.test('every case builds identical machines', async (t) => {
  const results = await runCases(cases);
  for (const r of results) {
    t.ok(r.ok, r.name, { diagnostic: !r.ok, table: r.ok ? undefined : formatTable([r]) });
  }
  t.comment(`${results.filter((r) => r.ok).length}/${results.length} identical; slowest case ${Math.max(...results.map((r) => r.ms))} ms`);
});
