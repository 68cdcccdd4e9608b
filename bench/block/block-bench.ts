// Block driver benchmark: random 4 KiB writes and sequential reads through the qcow2 driver vs raw.
//
//   npx tsx bench/block/block-bench.ts [--size-mib 256] [--writes 20000] [--runs 3] [--dir /var/tmp]
//
// Each case runs on a fresh image in --dir (default: the OS temp folder), best of --runs:
//   rand-write        N random 4 KiB-aligned writes into an empty image (qcow2: every first touch of
//                     a 64 KiB cluster allocates it), then flush + close (so metadata costs count)
//   rand-write+flush  the same with a guest flush every 64 writes (fsync cost, writeback cache)
//   rand-overwrite    the same offsets again after reopening (qcow2: all clusters allocated)
//   seq-read          read the whole disk in 1 MiB requests after rand-write (qcow2: fragmented,
//                     unallocated clusters read as zeros without I/O)
//   seq-write         fill the whole disk with 1 MiB writes, then flush + close (qcow2: fresh
//                     clusters are taken in runs, one pwrite per request)
//   seq-read-full     read the whole disk after filling it sequentially (qcow2: contiguous clusters)

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openImage, type ImageFormat } from '../../src/hw/block/open.ts';
import { createQcow2 } from '../../src/hw/block/qcow2-create.ts';
import type { BlockDriver } from '../../src/hw/block/driver.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const SIZE = Number(opt('--size-mib', '256')) << 20;
const WRITES = Number(opt('--writes', '20000'));
const RUNS = Number(opt('--runs', '3'));
const DIR = fs.mkdtempSync(path.join(opt('--dir', os.tmpdir()), 'emu-block-bench-'));

function offsets(seed: number): number[] {
  let s = seed;
  const out: number[] = [];
  const blocks = SIZE / 4096;
  for (let i = 0; i < WRITES; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out.push((s % blocks) * 4096);
  }
  return out;
}

function fresh(format: ImageFormat): string {
  const f = path.join(DIR, `img.${format}`);
  fs.rmSync(f, { force: true });
  if (format === 'qcow2') createQcow2(f, { size: SIZE });
  else {
    fs.writeFileSync(f, '');
    fs.truncateSync(f, SIZE);
  }
  return f;
}

const open = (f: string, format: ImageFormat): BlockDriver => openImage({ filename: f, format }).driver;

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function writeAll(d: BlockDriver, offs: number[], flushEvery: number): void {
  const buf = new Uint8Array(4096).fill(0xa5);
  offs.forEach((o, i) => {
    buf[0] = i & 255;
    d.write(o, buf);
    if (flushEvery && i % flushEvery === flushEvery - 1) d.flush();
  });
  d.flush();
}

function readAll(d: BlockDriver): void {
  const buf = new Uint8Array(1 << 20);
  for (let o = 0; o < d.size; o += buf.length) d.read(o, buf);
}

interface Row { case: string; format: ImageFormat; seconds: number; ops: number; bytes: number }
const rows: Row[] = [];

function best(label: string, format: ImageFormat, ops: number, bytes: number, run: () => number): void {
  let min = Infinity;
  for (let r = 0; r < RUNS; r++) min = Math.min(min, run());
  rows.push({ case: label, format, seconds: min, ops, bytes });
}

const offs = offsets(12345);
for (const format of ['raw', 'qcow2'] as const) {
  best('rand-write', format, WRITES, WRITES * 4096, () => {
    const d = open(fresh(format), format);
    const s = time(() => { writeAll(d, offs, 0); d.close(); });
    return s;
  });
  best('rand-write+flush', format, WRITES, WRITES * 4096, () => {
    const d = open(fresh(format), format);
    return time(() => { writeAll(d, offs, 64); d.close(); });
  });
  best('rand-overwrite', format, WRITES, WRITES * 4096, () => {
    const f = fresh(format);
    const d0 = open(f, format);
    writeAll(d0, offs, 0);
    d0.close();
    const d = open(f, format);
    return time(() => { writeAll(d, offs, 0); d.close(); });
  });
  best('seq-read', format, SIZE >> 20, SIZE, () => {
    const f = fresh(format);
    const d0 = open(f, format);
    writeAll(d0, offs, 0);
    d0.close();
    const d = open(f, format);
    const s = time(() => readAll(d));
    d.close();
    return s;
  });
  best('seq-write', format, SIZE >> 20, SIZE, () => {
    const d = open(fresh(format), format);
    const chunk = new Uint8Array(1 << 20).fill(1);
    return time(() => {
      for (let o = 0; o < SIZE; o += chunk.length) d.write(o, chunk);
      d.close();
    });
  });
  best('seq-read-full', format, SIZE >> 20, SIZE, () => {
    const f = fresh(format);
    const d0 = open(f, format);
    const chunk = new Uint8Array(1 << 20).fill(1);
    for (let o = 0; o < SIZE; o += chunk.length) d0.write(o, chunk);
    d0.close();
    const d = open(f, format);
    const s = time(() => readAll(d));
    d.close();
    return s;
  });
}

fs.rmSync(DIR, { recursive: true, force: true });
console.log(`size ${SIZE >> 20} MiB, ${WRITES} writes of 4 KiB, best of ${RUNS}, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu?'}`);
console.log('| case | format | MiB/s | ops/s | seconds |');
console.log('|---|---|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.case} | ${r.format} | ${(r.bytes / 2 ** 20 / r.seconds).toFixed(1)} | ${Math.round(r.ops / r.seconds)} | ${r.seconds.toFixed(3)} |`);
}
