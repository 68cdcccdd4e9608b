// Random extents written through the qcow2 driver read back exactly as a shadow buffer says, across
// flushes and close/reopen, for several cluster sizes, refcount widths, versions and with a backing file.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openImage } from '../../src/hw/block/open.ts';
import { createQcow2, type Qcow2CreateOptions } from '../../src/hw/block/qcow2-create.ts';
import type { BlockDriver } from '../../src/hw/block/driver.ts';
import { scratch, rng, randomBytes, needsQemuImg, qemuImg, expectOk } from './helpers.ts';

interface Case {
  name: string;
  create: Omit<Qcow2CreateOptions, 'size'>;
  size: number;
  backing?: boolean;
  seed: number;
}

const cases: Case[] = [
  { name: 'v3 64k', create: {}, size: 3 << 20, seed: 1 },
  { name: 'v2 64k', create: { compat: '0.10' }, size: 3 << 20, seed: 2 },
  { name: 'v3 512 B clusters, 8-bit refcounts', create: { clusterSize: 512, refcountBits: 8 }, size: (3 << 20) + 1000, seed: 3 },
  { name: 'v3 1k clusters, 1-bit refcounts', create: { clusterSize: 1024, refcountBits: 1 }, size: 2 << 20, seed: 4 },
  { name: 'v3 4k clusters, backing raw', create: { clusterSize: 4096 }, size: 2 << 20, backing: true, seed: 5 },
  { name: 'v2 64k, backing raw', create: { compat: '0.10' }, size: 2 << 20, backing: true, seed: 6 },
];

for (const c of cases) {
  t.test(`property: ${c.name}`, async (t) => {
    const dir = scratch(t);
    const next = rng(c.seed);
    const img = path.join(dir, 'p.qcow2');
    let shadow = Buffer.alloc(c.size);
    if (c.backing) {
      const base = path.join(dir, 'base.raw');
      // Shorter than the overlay: the tail must read as zeros.
      shadow = Buffer.alloc(c.size);
      const b = randomBytes(next, c.size - 12345);
      fs.writeFileSync(base, b);
      shadow.set(b);
      createQcow2(img, { size: c.size, backingFile: 'base.raw', backingFormat: 'raw', ...c.create });
    } else {
      createQcow2(img, { size: c.size, ...c.create });
    }
    // Durability is not under test here; unsafe keeps fdatasync out of the timings.
    const open = (): BlockDriver => openImage({ filename: img, format: 'qcow2', cache: 'unsafe' }).driver;
    let d = open();
    const verify = (label: string) => {
      const got = Buffer.alloc(c.size);
      d.read(0, got);
      if (!got.equals(shadow)) {
        let i = 0;
        while (got[i] === shadow[i]) i++;
        t.fail(`${label}: first difference at byte ${i} (seed ${c.seed})`);
      } else t.pass(label);
    };
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 120; i++) {
        const r = next();
        const len = 1 + Math.floor(next() * (r < 0.1 ? 200000 : r < 0.5 ? 4096 : 700));
        const off = Math.floor(next() * (c.size - len + 1));
        if (next() < 0.75) {
          const data = randomBytes(next, len);
          d.write(off, data);
          shadow.set(data, off);
        } else {
          const got = new Uint8Array(len);
          d.read(off, got);
          if (!Buffer.from(got).equals(shadow.subarray(off, off + len))) {
            t.fail(`read [${off}, ${off + len}) differs (seed ${c.seed}, round ${round}, op ${i})`);
            return;
          }
        }
        if (next() < 0.05) d.flush();
      }
      verify(`round ${round}: whole disk matches before reopen`);
      d.close();
      d = open();
      verify(`round ${round}: whole disk matches after close/reopen`);
    }
    t.throws(() => d.write(d.size - 1, new Uint8Array(2)), /beyond the end/);
    d.close();
    if (!needsQemuImg.skip) expectOk(t, qemuImg('check', img), 'qemu-img check');
  });
}
