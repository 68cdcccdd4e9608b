import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileDriver } from '../../src/hw/block/file.ts';
import { RawDriver } from '../../src/hw/block/raw.ts';
import { openImage } from '../../src/hw/block/open.ts';
import { nonRawSignature, probeFormat } from '../../src/hw/block/probe.ts';
import { QmpError } from '../../src/shared/errors.ts';
import { scratch, needsQemuIo, qemuIo } from './helpers.ts';

t.test('file: missing file uses QEMU text', async (t) => {
  const dir = scratch(t);
  const name = path.join(dir, 'nope.img');
  t.throws(() => new FileDriver({ filename: name }), new QmpError(`Could not open '${name}': No such file or directory`));
  t.throws(() => openImage({ filename: name }), { message: `Could not open '${name}': No such file or directory` });
});

t.test('file: read past end is zeros, read-only refuses writes', async (t) => {
  const dir = scratch(t);
  const name = path.join(dir, 'a.img');
  fs.writeFileSync(name, Buffer.from('hello'));
  const f = new FileDriver({ filename: name, readOnly: true });
  const b = new Uint8Array(8).fill(7);
  f.read(0, b);
  t.same([...b], [104, 101, 108, 108, 111, 0, 0, 0]);
  t.equal(f.readOnly, true);
  t.throws(() => f.write(0, new Uint8Array(1)), /read-only/);
  f.close();
  f.close();
});

t.test('file: auto-read-only falls back when the file is not writable', { skip: process.getuid?.() === 0 ? 'root can write read-only files' : false }, async (t) => {
  const dir = scratch(t);
  const name = path.join(dir, 'ro.img');
  fs.writeFileSync(name, new Uint8Array(512));
  fs.chmodSync(name, 0o444);
  t.throws(() => new FileDriver({ filename: name }), { message: `Could not open '${name}': Permission denied` });
  const f = new FileDriver({ filename: name, autoReadOnly: true });
  t.equal(f.readOnly, true);
  f.close();
});

t.test('raw: window with offset and size', async (t) => {
  const dir = scratch(t);
  const name = path.join(dir, 'w.img');
  fs.writeFileSync(name, new Uint8Array(4096));
  const raw = new RawDriver(new FileDriver({ filename: name }), { offset: 1024, size: 1024 });
  t.equal(raw.size, 1024);
  raw.write(0, new Uint8Array([1, 2, 3]));
  t.throws(() => raw.write(1023, new Uint8Array(2)), /beyond the end/);
  raw.flush();
  raw.close();
  const back = fs.readFileSync(name);
  t.same([...back.subarray(1024, 1027)], [1, 2, 3]);
  t.throws(() => new RawDriver(new FileDriver({ filename: name }), { offset: 4000, size: 200 }), /has to be smaller or equal/);
});

t.test('probe: raw image gets the warning and a guarded sector 0', async (t) => {
  const dir = scratch(t);
  const name = path.join(dir, 'p.img');
  fs.writeFileSync(name, new Uint8Array(65536));
  const img = openImage({ filename: name });
  t.equal(img.format, 'raw');
  t.equal(img.probedRaw, true);
  t.equal(img.warnings.length, 1);
  t.equal(img.warnings[0],
    `WARNING: Image format was not specified for '${name}' and probing guessed raw.\n` +
    `         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n` +
    `         Specify the 'raw' format explicitly to remove the restrictions.`);
  const hdr = new Uint8Array(512);
  hdr.set([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]);
  t.throws(() => img.driver.write(0, hdr), /Operation not permitted/);
  // The magic alone (version 0) still probes raw, so QEMU allows it; so does emu.
  img.driver.write(0, hdr.subarray(0, 4));
  // Completing the header piecewise is caught too.
  t.throws(() => img.driver.write(4, hdr.subarray(4, 8)), /Operation not permitted/);
  img.driver.write(512, hdr);
  img.driver.close();
  const explicit = openImage({ filename: name, format: 'raw' });
  t.equal(explicit.probedRaw, false);
  t.same(explicit.warnings, []);
  explicit.driver.write(0, hdr);
  explicit.driver.close();
  t.equal(probeFormat(fs.readFileSync(name).subarray(0, 512)), 'qcow2', 'format=raw lifts the restriction');
});

t.test('probe: sector-0 guard agrees with qemu-io', needsQemuIo, async (t) => {
  const dir = scratch(t);
  const cases: Record<string, Uint8Array> = {};
  const mk = (f: (b: Uint8Array, v: DataView) => void) => {
    const b = new Uint8Array(512);
    f(b, new DataView(b.buffer));
    return b;
  };
  const ascii = (b: Uint8Array, s: string, at = 0) => { for (let i = 0; i < s.length; i++) b[at + i] = s.charCodeAt(i); };
  cases.zeros = mk(() => {});
  cases.qcow2v3 = mk((b, v) => { v.setUint32(0, 0x514649fb); v.setUint32(4, 3); });
  cases.qcow2v0 = mk((b, v) => { v.setUint32(0, 0x514649fb); });
  cases.qcow1 = mk((b, v) => { v.setUint32(0, 0x514649fb); v.setUint32(4, 1); });
  cases.vmdk = mk((b) => ascii(b, 'KDMV'));
  cases.qed = mk((b) => ascii(b, 'QED\0'));
  cases.vpc = mk((b) => ascii(b, 'conectix'));
  cases.vhdx = mk((b) => ascii(b, 'vhdxfile'));
  cases.vdi = mk((b, v) => v.setUint32(0x40, 0xbeda107f, true));
  cases.text = mk((b) => ascii(b, 'hello world'));
  for (const [label, sector] of Object.entries(cases)) {
    const name = path.join(dir, `${label}.img`);
    fs.writeFileSync(name, new Uint8Array(65536));
    const pat = path.join(dir, `${label}.bin`);
    fs.writeFileSync(pat, sector);
    const q = qemuIo('-c', `write -s ${pat} 0 512`, name);
    const qemuRefused = /Operation not permitted/.test(q.stdout + q.stderr);
    t.equal(nonRawSignature(sector) !== null, qemuRefused, `${label}: emu and qemu-io agree (${qemuRefused ? 'refused' : 'allowed'})`);
  }
});
