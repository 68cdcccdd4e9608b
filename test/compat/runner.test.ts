// The runner's pieces that decide what counts as identical: the normalisations (and only they),
// the first difference and the diffs a reader sees.

import t from 'tap';
import { FdtTree } from '../../src/hw/fdt/writer.ts';
import { serializeFdt } from '../../src/hw/fdt/writer.ts';
import { compareStates, dropRunnerMonitor, dtbText, firstDifference, lineDiff, loadCases, normalisePaths, substitute } from '../../compat-tests/runner.ts';

t.test('paths: the case folder and the variant folder, nothing else', async (t) => {
  const doc = { blockdevs: [{ file: { filename: '/tmp/c-1/disk.img' } }], chardevs: [{ path: '/tmp/c-1/run-cli/s.sock' }], name: '/tmp/other' };
  t.same(normalisePaths(doc, '/tmp/c-1', '/tmp/c-1/run-cli'), {
    blockdevs: [{ file: { filename: '${dir}/disk.img' } }], chardevs: [{ path: '${run}/s.sock' }], name: '/tmp/other',
  });
  t.same(substitute({ a: ['${dir}/x', '${run}/y', '${root}'] }, { dir: '/d', run: '/r' }), { a: ['/d/x', '/r/y', '${root}'] }, "a config template's own variables are left alone");
});

t.test("only the runner's own monitor chardev is dropped", async (t) => {
  const sock = (path: string) => ({ type: 'socket', data: { addr: { type: 'unix', data: { path } }, server: true, wait: false } });
  const doc = { chardevs: [
    { id: 'compat_monitor0', backend: sock('/tmp/user.sock') },
    { id: 'compat_monitor1', backend: sock('/tmp/runner.sock') },
    { id: 'mine', backend: sock('/tmp/runner.sock') },
  ] };
  t.same((dropRunnerMonitor(doc, '/tmp/runner.sock') as typeof doc).chardevs.map((c) => c.id), ['compat_monitor0', 'mine']);
});

t.test('first difference and diff', async (t) => {
  t.equal(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), undefined);
  t.same(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }), { path: 'a[1].b', a: 2, b: 3 });
  t.same(firstDifference({ a: 1 }, {}), { path: 'a', a: 1, b: undefined });
  t.same(firstDifference({ a: 1, b: 2 }, { b: 2, a: 1 }), { path: '(document)', a: ['a', 'b'], b: ['b', 'a'] }, 'member order counts: documents are canonical');
  const d = lineDiff('a\nb\nc\nd\ne\nf\ng\nh\ni', 'a\nb\nc\nd\nE\nf\ng\nh\ni', ['left', 'right'], 1);
  t.equal(d, '--- left\n+++ right\n  ...\n  d\n- e\n+ E\n  f\n  ...');
});

t.test('device trees are compared byte for byte and shown as text', async (t) => {
  const blob = (model: string) => {
    const tree = new FdtTree();
    tree.root.addChild('soc').props.push({ name: 'model', value: { type: 'string', value: model } });
    return serializeFdt(tree);
  };
  const a = { document: {}, dtb: blob('one') };
  const b = { document: {}, dtb: blob('two') };
  t.match(dtbText(a.dtb), /\/soc: model = "one"/);
  const c = compareStates('cli', a, b, ['emu-legacy', 'emu']);
  t.equal(c.identical, false);
  t.equal(c.summary, 'device tree differs at /soc: model = "one"');
  t.match(c.diff, /^- \/soc: model = "one"$/m);
  t.equal(compareStates('cli', a, { document: {}, dtb: blob('one') }, ['x', 'y']).identical, true);
  t.equal(compareStates('cli', { ...a, status: 'running' }, { ...a, status: 'prelaunch' }, ['x', 'y']).summary, 'status: x running, y prelaunch');
});

t.test('case names are unique and every case file parses', async (t) => {
  const cases = loadCases();
  t.equal(new Set(cases.map((c) => c.name)).size, cases.length);
});
