// The compat corpus (compat-tests/cases): every case's four variants build identical machines, and
// emu-legacy --print-config prints what the hand-written config builds. One subtest per case, whose
// failure message is the runner's table entry: the first difference and a diff of the documents.

import t from 'tap';
import { formatTable, killAll, loadCases, runCases } from '../../compat-tests/runner.ts';

// The corpus spawns five processes per case (see compat-tests/README.md for the measured cost), many
// times slower on a machine busy with other work. Every wait inside the runner has its own limit
// (20 s), so a stuck process fails its case rather than the whole file.
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

t.test('cases boot the embedded firmware with disks and CD drives and compare its serial output', async (t) => {
  const fw = cases.filter((c) => c.firmware);
  t.ok(fw.length >= 3, `${fw.length} firmware cases`);
  for (const c of fw) {
    t.notOk([...c.legacy, ...c.cli, ...c.config.args].some((a) => a === '-S' || /(^|,)(bios|kernel)=/.test(a) || a === '-bios' || a === '-kernel'),
      `${c.name}: runs, with the embedded firmware`);
  }
  const words = fw.flatMap((c) => c.legacy).join(' ');
  t.match(words, /-hda|virtio-blk-device/, 'a virtio disk');
  t.match(words, /scsi-hd|if=scsi/, 'a SCSI disk');
  t.match(words, /-cdrom|scsi-cd|media=cdrom/, 'a CD drive');
  t.ok(fw.some((c) => c.firmware!.input?.includes('devices')), 'the prompt answers devices');
});

t.test('every case builds identical machines', async (t) => {
  const results = await runCases(cases);
  for (const r of results) {
    t.ok(r.ok, r.name, { diagnostic: !r.ok, table: r.ok ? undefined : formatTable([r]) });
  }
  t.comment(`${results.filter((r) => r.ok).length}/${results.length} identical; slowest case ${Math.max(...results.map((r) => r.ms))} ms`);
});
