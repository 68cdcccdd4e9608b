// snapshot=on: guest writes are visible while open, the base image never changes, and nothing is
// left behind in the temporary folder.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { openImage } from '../../src/hw/block/open.ts';
import { createQcow2 } from '../../src/hw/block/qcow2-create.ts';
import { scratch, rng, randomBytes } from './helpers.ts';

const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

t.test('snapshot=on leaves the base byte-identical', async (t) => {
  const dir = scratch(t);
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp);
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  t.teardown(() => { if (saved === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = saved; });

  const next = rng(42);
  const raw = path.join(dir, 'base.raw');
  fs.writeFileSync(raw, randomBytes(next, 2 << 20));
  const q = path.join(dir, 'base.qcow2');
  createQcow2(q, { size: 2 << 20 });
  const w = openImage({ filename: q }).driver;
  w.write(100000, randomBytes(next, 300000));
  w.close();

  for (const [label, filename, format] of [
    ['probed raw', raw, undefined],
    ['explicit raw', raw, 'raw'],
    ['qcow2', q, 'qcow2'],
  ] as const) {
    const before = sha(filename);
    const mtime = fs.statSync(filename).mtimeMs;
    const img = openImage({ filename, format, snapshot: true, cache: 'writethrough' });
    t.equal(img.driver.readOnly, false, `${label}: writable`);
    t.equal(img.chain[0].format, 'qcow2', `${label}: overlay on top`);
    t.equal(img.warnings.length, format ? 0 : 1, `${label}: probe warning only when probed`);
    t.same(fs.readdirSync(tmp), [], `${label}: overlay already unlinked while open`);
    const orig = Buffer.alloc(img.driver.size);
    img.driver.read(0, orig);
    const shadow = Buffer.from(orig);
    // Sector 0 too: the overlay, not the probed raw base, takes it.
    const hdr = new Uint8Array(512);
    hdr.set([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]);
    img.driver.write(0, hdr);
    shadow.set(hdr, 0);
    for (let i = 0; i < 50; i++) {
      const len = 1 + Math.floor(next() * 20000);
      const off = Math.floor(next() * (shadow.length - len));
      const data = randomBytes(next, len);
      img.driver.write(off, data);
      shadow.set(data, off);
    }
    img.driver.flush();
    const got = Buffer.alloc(shadow.length);
    img.driver.read(0, got);
    t.ok(got.equals(shadow), `${label}: writes visible through the overlay`);
    img.driver.close();
    t.equal(sha(filename), before, `${label}: base unchanged`);
    t.equal(fs.statSync(filename).mtimeMs, mtime, `${label}: base not even touched`);
    const again = openImage({ filename, format, readOnly: true });
    const after = Buffer.alloc(again.driver.size);
    again.driver.read(0, after);
    again.driver.close();
    t.ok(after.equals(orig), `${label}: reopened base has the original content`);
  }
  t.same(fs.readdirSync(tmp), [], 'no overlay left behind');
});
