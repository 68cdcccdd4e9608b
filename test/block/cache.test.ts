// Cache modes reach the disk as QEMU's do: count the fdatasync calls each mode makes.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { openImage } from '../../src/hw/block/open.ts';
import { createQcow2 } from '../../src/hw/block/qcow2-create.ts';
import { parseCacheMode } from '../../src/hw/block/cache.ts';
import type { CacheMode } from '../../src/hw/block/driver.ts';
import { scratch } from './helpers.ts';

const cjsFs = createRequire(import.meta.url)('node:fs') as typeof fs;

function countSyncs(fn: () => void): number {
  const real = cjsFs.fdatasyncSync;
  let n = 0;
  cjsFs.fdatasyncSync = (fd: number) => { n++; real(fd); };
  syncBuiltinESMExports();
  try {
    fn();
  } finally {
    cjsFs.fdatasyncSync = real;
    syncBuiltinESMExports();
  }
  return n;
}

t.test('flushes per cache mode (raw: 3 writes, then a guest flush)', async (t) => {
  const dir = scratch(t);
  const f = path.join(dir, 'r.img');
  fs.writeFileSync(f, new Uint8Array(65536));
  // The guest flush after write-through writes finds nothing new and, as in QEMU, costs nothing.
  const expected: Record<CacheMode, number> = { writeback: 1, none: 1, writethrough: 3, directsync: 3, unsafe: 0 };
  for (const [mode, want] of Object.entries(expected) as Array<[CacheMode, number]>) {
    const d = openImage({ filename: f, format: 'raw', cache: mode }).driver;
    const n = countSyncs(() => {
      for (let i = 0; i < 3; i++) d.write(i * 512, new Uint8Array(512).fill(i));
      d.flush();
    });
    d.close();
    t.equal(n, want, `${mode}: ${want} fdatasync`);
  }
});

t.test('qcow2: unsafe never syncs, writeback syncs only on flush', async (t) => {
  const dir = scratch(t);
  const f = path.join(dir, 'q.qcow2');
  createQcow2(f, { size: 1 << 20 });
  const unsafe = openImage({ filename: f, cache: 'unsafe' }).driver;
  t.equal(countSyncs(() => { unsafe.write(0, new Uint8Array(4096).fill(1)); unsafe.flush(); unsafe.close(); }), 0);
  const wb = openImage({ filename: f, cache: 'writeback' }).driver;
  t.equal(countSyncs(() => wb.write(70000, new Uint8Array(4096).fill(2))), 0, 'no sync before the guest flushes');
  t.ok(countSyncs(() => wb.flush()) >= 2, 'a flush orders metadata with syncs between the steps');
  t.equal(countSyncs(() => wb.flush()), 0, 'a second flush with nothing new is free');
  wb.close();
  t.equal(parseCacheMode('directsync'), 'directsync');
  t.throws(() => parseCacheMode('bogus'), { message: 'invalid cache option' });
});
