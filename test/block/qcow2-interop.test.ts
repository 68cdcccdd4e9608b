// Round trips against the real qemu-img/qemu-io: what QEMU writes, emu reads; what emu writes, QEMU
// checks clean and compares identical.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openImage } from '../../src/hw/block/open.ts';
import { createQcow2, type Qcow2CreateOptions } from '../../src/hw/block/qcow2-create.ts';
import { scratch, needsQemuImg, qemuImg, qemuIo, rng, randomBytes } from './helpers.ts';

const MiB = 1024 * 1024;

type Asserts = Pick<typeof t, 'equal'>;

function readAll(filename: string, opts: { format?: 'raw' | 'qcow2' } = {}): Buffer {
  const img = openImage({ filename, readOnly: true, ...opts });
  try {
    const out = Buffer.alloc(img.driver.size);
    img.driver.read(0, out);
    return out;
  } finally {
    img.driver.close();
  }
}

function ok(t: Asserts, r: { status: number | null; stdout: string; stderr: string }, what: string): void {
  t.equal(r.status, 0, `${what}: ${r.stderr.trim() || r.stdout.trim().split('\n').slice(-2).join(' ')}`);
}

/** The guest-visible content as QEMU sees it. */
function qemuContent(t: Asserts, dir: string, image: string): Buffer {
  const out = path.join(dir, `expect-${path.basename(image)}.raw`);
  ok(t, qemuImg('convert', '-O', 'raw', image, out), 'qemu-img convert');
  return fs.readFileSync(out);
}

const writes = [
  'write -P 0xab 0 64k',
  'write -P 0xcd 1M 4k',
  'write -P 0x11 3000 5000',
  'write -P 0x22 4190208 8192', // straddles an L2 boundary with 512-byte clusters
  'write -P 0x33 7M 1M',
];

for (const [label, createOpts] of [
  ['v2 (compat=0.10)', ['-o', 'compat=0.10']],
  ['v3', ['-o', 'compat=1.1']],
  ['v3, 512-byte clusters, 1-bit refcounts', ['-o', 'cluster_size=512,refcount_bits=1']],
  ['v3, 2 MiB clusters, 64-bit refcounts', ['-o', 'cluster_size=2M,refcount_bits=64']],
] as const) {
  t.test(`qemu-img ${label} image reads identically in emu`, needsQemuImg, async (t) => {
    const dir = scratch(t);
    const img = path.join(dir, 'q.qcow2');
    ok(t, qemuImg('create', '-q', '-f', 'qcow2', ...createOpts, img, '8M'), 'create');
    ok(t, qemuIo(...writes.flatMap((w) => ['-c', w]), img), 'qemu-io writes');
    if (label.startsWith('v3')) ok(t, qemuIo('-c', 'write -z 0 4k', '-c', 'write -z -u 7M 64k', img), 'zero writes');
    const got = readAll(img);
    t.equal(got.length, 8 * MiB);
    t.ok(got.equals(qemuContent(t, dir, img)), 'content matches qemu-img convert');
  });
}

t.test('backing chains: relative and absolute names, backing_fmt raw and qcow2, probing', needsQemuImg, async (t) => {
  const dir = scratch(t);
  const sub = path.join(dir, 'sub');
  fs.mkdirSync(sub);
  const base = path.join(dir, 'base.raw');
  fs.writeFileSync(base, randomBytes(rng(7), 4 * MiB));
  const mid = path.join(sub, 'mid.qcow2');
  // Relative to the image's own folder, not the cwd.
  ok(t, qemuImg('create', '-q', '-f', 'qcow2', '-b', '../base.raw', '-F', 'raw', mid, '6M'), 'create mid');
  ok(t, qemuIo('-c', 'write -P 0x44 1M 100k', mid), 'write mid');
  const top = path.join(dir, 'top.qcow2');
  ok(t, qemuImg('create', '-q', '-f', 'qcow2', '-o', 'compat=0.10', '-b', mid, '-F', 'qcow2', top), 'create top');
  ok(t, qemuIo('-c', 'write -P 0x55 1050k 10k', '-c', 'write -P 0x66 5M 4k', top), 'write top');
  const img = openImage({ filename: top, readOnly: true });
  t.same(img.chain.map((l) => [path.relative(dir, l.filename), l.format]), [['top.qcow2', 'qcow2'], ['sub/mid.qcow2', 'qcow2'], ['base.raw', 'raw']]);
  img.driver.close();
  t.ok(readAll(top).equals(qemuContent(t, dir, top)), 'top reads as qemu sees it');

  // Written by emu through the chain: copy-on-write must pull partial clusters from below.
  const w = openImage({ filename: top, format: 'qcow2' });
  w.driver.write(1040 * 1024, new Uint8Array(3000).fill(0x77));
  w.driver.write(3 * MiB + 100, new Uint8Array(10).fill(0x78));
  w.driver.close();
  ok(t, qemuImg('check', top), 'qemu-img check');
  const expect = qemuContent(t, dir, top);
  t.ok(readAll(top).equals(expect), 'emu and qemu agree after emu wrote');
  t.equal(expect[1040 * 1024 + 2999], 0x77);
  t.equal(expect[3 * MiB + 99], fs.readFileSync(base)[3 * MiB + 99], 'partial cluster kept backing bytes');

  fs.rmSync(base);
  // Relative names join textually, as QEMU shows them.
  t.throws(() => openImage({ filename: top }), { message: `Could not open backing file: Could not open backing file: Could not open '${sub}/../base.raw': No such file or directory` });
});

t.test('emu-written images pass qemu-img check and compare', needsQemuImg, async (t) => {
  const cases: Array<[string, Omit<Qcow2CreateOptions, 'size'>]> = [
    ['v3 64k', {}],
    ['v2 64k', { compat: '0.10' }],
    ['v3 512-byte clusters (refcount table grows past 8 MiB)', { clusterSize: 512 }],
    ['v3 4k clusters, 2-bit refcounts', { clusterSize: 4096, refcountBits: 2 }],
  ];
  for (const [label, opts] of cases) {
    const dir = scratch(t);
    const img = path.join(dir, 'e.qcow2');
    const size = 10 * MiB + 1536;
    createQcow2(img, { size, ...opts });
    ok(t, qemuImg('check', img), `${label}: fresh image checks clean`);
    const shadow = Buffer.alloc(size);
    const next = rng(label.length * 977);
    const d = openImage({ filename: img, format: 'qcow2' }).driver;
    for (let i = 0; i < 200; i++) {
      const len = 1 + Math.floor(next() * (next() < 0.2 ? 200000 : 9000));
      const off = Math.floor(next() * (size - len));
      const data = randomBytes(next, len);
      d.write(off, data);
      shadow.set(data, off);
      if (i % 50 === 0) d.flush();
    }
    d.close();
    const raw = path.join(dir, 'shadow.raw');
    fs.writeFileSync(raw, shadow);
    ok(t, qemuImg('check', img), `${label}: qemu-img check`);
    const cmp = qemuImg('compare', '-f', 'qcow2', '-F', 'raw', img, raw);
    ok(t, cmp, `${label}: qemu-img compare`);
    t.match(cmp.stdout, /Images are identical/);
  }
});

t.test('unsupported images are refused, never misread', needsQemuImg, async (t) => {
  const dir = scratch(t);
  const src = path.join(dir, 'src.qcow2');
  ok(t, qemuImg('create', '-q', '-f', 'qcow2', src, '1M'), 'create');
  ok(t, qemuIo('-c', 'write -P 0x61 0 64k', src), 'write');
  const comp = path.join(dir, 'comp.qcow2');
  ok(t, qemuImg('convert', '-c', '-O', 'qcow2', src, comp), 'compress');
  t.throws(() => openImage({ filename: comp, readOnly: true }), { message: `Could not open '${comp}': the image uses compressed clusters, which emu does not support; convert it first: qemu-img convert -O qcow2 '${comp}' uncompressed.qcow2` });

  // The header field is all emu looks at; patching it spares QEMU's slow LUKS key setup.
  for (const [method, name] of [[1, 'aes'], [2, 'luks']] as const) {
    const enc = path.join(dir, `enc${method}.qcow2`);
    fs.copyFileSync(src, enc);
    const fd = fs.openSync(enc, 'r+');
    fs.writeSync(fd, new Uint8Array([0, 0, 0, method]), 0, 4, 32);
    fs.closeSync(fd);
    t.throws(() => openImage({ filename: enc }), { message: `Could not open '${enc}': the image is encrypted (qcow2 crypt_method ${name}); emu does not support encrypted images` });
  }

  const ext = path.join(dir, 'ext.qcow2');
  ok(t, qemuImg('create', '-q', '-f', 'qcow2', '-o', 'extended_l2=on', ext, '1M'), 'create extended L2');
  t.throws(() => openImage({ filename: ext }), { message: 'Unsupported qcow2 feature(s): extended L2 entries' });

  const dataFile = path.join(dir, 'df.qcow2');
  ok(t, qemuImg('create', '-q', '-f', 'qcow2', '-o', `data_file=${path.join(dir, 'df.raw')}`, dataFile, '1M'), 'create data_file');
  t.throws(() => openImage({ filename: dataFile }), /Unsupported qcow2 feature\(s\): external data file/);
});

t.test('preallocated zero clusters and internal snapshots', needsQemuImg, async (t) => {
  const dir = scratch(t);
  const img = path.join(dir, 'z.qcow2');
  ok(t, qemuImg('create', '-q', '-f', 'qcow2', img, '1M'), 'create');
  // write -z without -u keeps the cluster allocated but flags it zero: old bytes stay on disk.
  ok(t, qemuIo('-c', 'write -P 0xee 0 128k', '-c', 'write -z 0 64k', img), 'write, then zero in place');
  const d = openImage({ filename: img, format: 'qcow2' }).driver;
  d.write(1000, new Uint8Array(100).fill(0x12));
  d.close();
  ok(t, qemuImg('check', img), 'check');
  const expect = qemuContent(t, dir, img);
  t.ok(readAll(img).equals(expect), 'emu and qemu agree');
  t.equal(expect[999], 0, 'the rest of the cluster reads as zeros, not the old 0xee');
  t.equal(expect[1000], 0x12);
  t.equal(expect[70000], 0xee);

  ok(t, qemuImg('snapshot', '-c', 'snap1', img), 'snapshot');
  ok(t, qemuIo('-c', 'write -P 0x34 0 4k', img), 'write after snapshot');
  t.throws(() => openImage({ filename: img, format: 'qcow2' }), { message: `Could not open '${img}': the image has 1 internal snapshot(s); emu can only open such images read-only` });
  t.ok(readAll(img).equals(qemuContent(t, dir, img)), 'read-only reads match');
});
