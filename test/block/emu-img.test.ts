// emu-img against qemu-img: images emu-img creates are accepted by qemu-img, and for the same image
// `emu-img info` and `emu-img check` print what qemu-img prints, byte for byte, with the same exit codes.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runEmuImg } from '../../src/img/cli.ts';
import { openImage } from '../../src/hw/block/open.ts';
import { scratch, needsQemuImg, qemuImg, qemuIo, expectOk, rng, randomBytes, type Run } from './helpers.ts';

function emuImg(...argv: string[]): Run {
  let stdout = '';
  let stderr = '';
  const status = runEmuImg(argv, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  return { status, stdout, stderr };
}

/** Runs both tools in `dir` with the same relative arguments and compares everything they print. */
function same(t: Pick<typeof import('tap').default, 'equal' | 'same'>, dir: string, args: string[], what: string): void {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const q = qemuImg(...args);
    const e = emuImg(...args);
    t.same({ status: e.status, stdout: e.stdout, stderr: e.stderr.replaceAll('emu-img:', 'qemu-img:') },
      { status: q.status, stdout: q.stdout, stderr: q.stderr }, what);
  } finally {
    process.chdir(cwd);
  }
}

t.test('emu-img create output is accepted by qemu-img, and info matches', needsQemuImg, async (t) => {
  const dir = scratch(t);
  const at = (f: string) => path.join(dir, f);
  const r = (...a: string[]) => emuImg(...a);
  t.same(r('create', '-f', 'raw', at('r.raw'), '10M'), { status: 0, stdout: `Formatting '${at('r.raw')}', fmt=raw size=10485760\n`, stderr: '' });
  t.equal(r('create', '-q', '-f', 'qcow2', at('v3.qcow2'), '1.5G').status, 0);
  t.equal(r('create', '-q', '-f', 'qcow2', '-o', 'compat=0.10', at('v2.qcow2'), '100M').status, 0);
  t.equal(r('create', '-q', '-f', 'qcow2', '-o', 'cluster_size=4k,refcount_bits=8,lazy_refcounts=on', at('small.qcow2'), '64M').status, 0);
  fs.mkdirSync(at('sub'));
  t.equal(r('create', '-q', '-f', 'qcow2', '-b', '../v3.qcow2', '-F', 'qcow2', at('sub/over.qcow2')).status, 0, 'size taken from the backing file');
  t.equal(r('create', '-q', '-f', 'qcow2', '-b', at('r.raw'), '-F', 'raw', at('abs.qcow2'), '20M').status, 0);
  for (const f of ['r.raw', 'v3.qcow2', 'v2.qcow2', 'small.qcow2', 'sub/over.qcow2', 'abs.qcow2']) {
    expectOk(t, qemuImg('info', at(f)), `qemu-img info ${f}`);
    if (f.endsWith('.qcow2')) expectOk(t, qemuImg('check', at(f)), `qemu-img check ${f}`);
    same(t, dir, ['info', f], `info ${f}`);
    same(t, dir, ['info', '--output=json', f], `info --output=json ${f}`);
  }
  same(t, dir, ['info', '--backing-chain', 'sub/over.qcow2'], 'info --backing-chain');
  expectOk(t, qemuImg('create', '-q', '-f', 'qcow2', at('snaps.qcow2'), '1M'), 'create');
  expectOk(t, qemuImg('snapshot', '-c', 'first', at('snaps.qcow2')), 'snapshot');
  expectOk(t, qemuImg('snapshot', '-c', 'a rather long snapshot name', at('snaps.qcow2')), 'snapshot');
  same(t, dir, ['info', 'snaps.qcow2'], 'info lists internal snapshots');
  same(t, dir, ['info', '--output=json', 'snaps.qcow2'], 'info --output=json lists internal snapshots');
  same(t, dir, ['info', '--backing-chain', '--output=json', 'abs.qcow2'], 'info --backing-chain --output=json');
  t.match(qemuImg('info', at('sub/over.qcow2')).stdout, /virtual size: 1\.5 GiB/);
});

t.test('emu-img check agrees with qemu-img check', needsQemuImg, async (t) => {
  const dir = scratch(t);
  const at = (f: string) => path.join(dir, f);
  expectOk(t, qemuImg('create', '-q', '-f', 'qcow2', at('fresh.qcow2'), '1G'), 'create');
  expectOk(t, qemuImg('create', '-q', '-f', 'qcow2', '-o', 'cluster_size=4k', at('frag.qcow2'), '8M'), 'create');
  expectOk(t, qemuIo('-c', 'write 1M 64k', '-c', 'write 0 4k', '-c', 'write -z 2M 8k', '-c', 'write 5M 100k', at('frag.qcow2')), 'writes');
  t.equal(emuImg('create', '-q', '-f', 'qcow2', '-o', 'cluster_size=512', at('emu.qcow2'), '4M').status, 0);
  const d = openImage({ filename: at('emu.qcow2'), format: 'qcow2' }).driver;
  const next = rng(3);
  for (let i = 0; i < 200; i++) d.write(Math.floor(next() * 4000000), randomBytes(next, 1 + Math.floor(next() * 5000)));
  d.close();
  // A leak and a corruption, made by hand in copies of a small image.
  expectOk(t, qemuImg('create', '-q', '-f', 'qcow2', at('l.qcow2'), '1M'), 'create');
  expectOk(t, qemuIo('-c', 'write 0 64k', at('l.qcow2')), 'write');
  fs.copyFileSync(at('l.qcow2'), at('c.qcow2'));
  fs.truncateSync(at('l.qcow2'), 7 * 65536);
  const poke = (f: string, off: number, v: number) => {
    const fd = fs.openSync(at(f), 'r+');
    fs.writeSync(fd, new Uint8Array([v >> 8, v & 255]), 0, 2, off);
    fs.closeSync(fd);
  };
  poke('l.qcow2', 0x20000 + 2 * 6, 1);
  poke('c.qcow2', 0x20000 + 2 * 5, 0);
  fs.writeFileSync(at('plain.raw'), new Uint8Array(4096));
  expectOk(t, qemuImg('convert', '-c', '-O', 'qcow2', at('frag.qcow2'), at('comp.qcow2')), 'compressed copy');
  expectOk(t, qemuImg('snapshot', '-c', 's1', at('frag.qcow2')), 'internal snapshot');
  expectOk(t, qemuIo('-c', 'write 0 8k', at('frag.qcow2')), 'write after snapshot');
  for (const f of ['fresh.qcow2', 'frag.qcow2', 'emu.qcow2', 'l.qcow2', 'c.qcow2', 'plain.raw', 'comp.qcow2']) {
    same(t, dir, ['check', f], `check ${f}`);
    same(t, dir, ['check', '--output=json', f], `check --output=json ${f}`);
  }
  same(t, dir, ['check', '-q', 'l.qcow2'], 'check -q');
});

t.test('emu-img errors as qemu-img words them', needsQemuImg, async (t) => {
  const dir = scratch(t);
  fs.writeFileSync(path.join(dir, 'base.qcow2'), '');
  expectOk(t, qemuImg('create', '-q', '-f', 'qcow2', path.join(dir, 'base.qcow2'), '1M'), 'create base');
  fs.writeFileSync(path.join(dir, 'plain.img'), new Uint8Array(65536));
  for (const args of [
    ['info', 'missing.img'],
    ['info', '-f', 'qcow2', 'plain.img'],
    ['check', '-f', 'qcow2', 'plain.img'],
    ['create', '-f', 'qcow2', 'x.qcow2', '10x'],
    ['create', '-f', 'qcow2', 'x.qcow2'],
    ['create', '-f', 'qcow2', '-b', 'base.qcow2', 'y.qcow2'],
    ['create', '-f', 'qcow2', '-b', 'nothere.raw', '-F', 'raw', 'z.qcow2'],
    ['create', '-f', 'qcow2', '-o', 'bogus=1', 'w.qcow2', '1M'],
    ['create', '-f', 'qcow2', '-o', 'cluster_size=3000', 'w.qcow2', '1M'],
    ['create', '-f', 'qcow2', 'huge.qcow2', '1E'],
  ]) {
    same(t, dir, args, args.join(' '));
  }
  const e = emuImg('bogus');
  t.equal(e.status, 1);
  t.match(e.stderr, /^emu-img: unknown command 'bogus'/);
  t.equal(emuImg('--version').status, 0);
  t.equal(emuImg('check', '-r', 'all', path.join(dir, 'base.qcow2')).status, 1);
});

t.test('emu-img convert copies through the chain and stays sparse', needsQemuImg, async (t) => {
  const dir = scratch(t);
  const at = (f: string) => path.join(dir, f);
  fs.writeFileSync(at('base.raw'), randomBytes(rng(9), 3 << 20));
  expectOk(t, qemuImg('create', '-q', '-f', 'qcow2', '-b', 'base.raw', '-F', 'raw', at('top.qcow2'), '5M'), 'create');
  expectOk(t, qemuIo('-c', 'write -P 7 1M 300k', at('top.qcow2')), 'write');
  let progress = '';
  t.equal(runEmuImg(['convert', '-p', '-O', 'qcow2', at('top.qcow2'), at('out.qcow2')], { stdout: (s) => { progress += s; }, stderr: () => {} }), 0);
  t.match(progress, /\(100\.00\/100%\)/);
  expectOk(t, qemuImg('check', at('out.qcow2')), 'check');
  expectOk(t, qemuImg('compare', at('top.qcow2'), at('out.qcow2')), 'compare');
  t.equal(emuImg('convert', '-O', 'raw', at('top.qcow2'), at('out.raw')).status, 0);
  expectOk(t, qemuImg('compare', '-f', 'qcow2', '-F', 'raw', at('top.qcow2'), at('out.raw')), 'compare raw');
  t.ok(fs.statSync(at('out.raw')).blocks * 512 < 4 << 20, 'zero tail left sparse');
});
