// The runner's pieces that decide what counts as identical: the normalisations (and only they),
// the first difference and the diffs a reader sees.

import t from 'tap';
import { FdtTree } from '../../src/hw/fdt/writer.ts';
import { serializeFdt } from '../../src/hw/fdt/writer.ts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { childEnv, nodeCommand, compareStates, dropRunnerMonitor, dtbText, firstDifference, lineDiff, loadCases, normalisePaths, sortMembers, substitute } from '../../compat-tests/runner.ts';

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

t.test('member order: sorted for the live machines, arrays untouched', async (t) => {
  const doc = { b: 1, a: { d: [{ z: 1, y: 2 }, 3], c: null } };
  t.equal(JSON.stringify(sortMembers(doc)), '{"a":{"c":null,"d":[{"y":2,"z":1},3]},"b":1}');
  t.same(firstDifference(sortMembers({ l: [1, 2] }), sortMembers({ l: [2, 1] })), { path: 'l[0]', a: 1, b: 2 }, 'list order still counts');
});

t.test('serial output: the first differing line and a diff without carriage returns', async (t) => {
  const state = (output: string) => ({ document: {}, dtb: new Uint8Array(), output });
  const c = compareStates('cli', state('emu firmware 0.1.0\r\nBoot order: cd0, disk0\r\nemu> '), state('emu firmware 0.1.0\r\nBoot order: disk0, cd0\r\nemu> '), ['emu-legacy', 'emu']);
  t.equal(c.identical, false);
  t.equal(c.summary, 'guest serial output line 2: emu-legacy "Boot order: cd0, disk0\\r", emu "Boot order: disk0, cd0\\r"');
  t.match(c.diff, /^- Boot order: cd0, disk0$/m);
  t.match(c.diff, /^\+ Boot order: disk0, cd0$/m);
  t.equal(compareStates('cli', state('a\r\nemu> '), state('a\r\nemu> '), ['x', 'y']).identical, true);
});

t.test("the binaries run without the test harness's preloads", async (t) => {
  const tap = '"--import=file:///p/node_modules/@tapjs/processinfo/dist/esm/import.mjs"';
  t.equal(childEnv({ NODE_OPTIONS: tap, HOME: '/h' }).NODE_OPTIONS, undefined);
  t.equal(childEnv({ NODE_OPTIONS: tap, HOME: '/h' }).HOME, '/h', 'the rest of the environment stays');
  t.equal(childEnv({ NODE_OPTIONS: `--max-old-space-size=512 ${tap}` }).NODE_OPTIONS, '--max-old-space-size=512', "the user's own options stay");
  t.same(childEnv({}), {});
});

t.test("a child started as the runner starts the binaries does not load tap's loader", async (t) => {
  // This file runs under tap: its NODE_OPTIONS carries tap's loader, and tap hooks every spawn.
  const script = join(mkdtempSync(join(tmpdir(), 'compat-env-')), 'env.mjs');
  t.teardown(() => rmSync(dirname(script), { recursive: true, force: true }));
  writeFileSync(script, 'process.stdout.write(JSON.stringify(process.env.NODE_OPTIONS ?? null))');
  const [command, argv] = nodeCommand(script, []);
  const seen = JSON.parse(execFileSync(command, argv, { env: childEnv(), encoding: 'utf8' })) as string | null;
  t.notMatch(seen ?? '', /@tapjs/, `the child's NODE_OPTIONS: ${JSON.stringify(seen)}`);
  t.equal(seen, childEnv().NODE_OPTIONS ?? null, "what is left of the runner's own");
});

t.test('a firmware case cannot also read the output another way', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'compat-cases-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const base = { legacy: ['-S'], cli: ['-S'], config: { args: ['-S'] }, qmp: [['cont']], firmware: { input: ['devices'] } };
  writeFileSync(join(dir, 'a.json'), JSON.stringify({ cases: [{ name: 'fw', ...base, guestOutput: 'x' }] }));
  t.throws(() => loadCases(dir), /case 'fw': 'firmware' reads the serial output of every live variant/);
  writeFileSync(join(dir, 'a.json'), JSON.stringify({ cases: [{ name: 'fw', ...base }] }));
  t.equal(loadCases(dir)[0].firmware?.input?.[0], 'devices');
});
