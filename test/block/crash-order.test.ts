// Crash consistency by construction: record every write and flush the qcow2 driver issues to its
// file, then rebuild the file as a crash could have left it — after every single write, and, for
// power loss, with any subset of the writes since the last completed flush — and check each state.
// No state may show a corruption (a referenced cluster whose refcount is too low); leaks are allowed.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileDriver, type FileOptions } from '../../src/hw/block/file.ts';
import { Qcow2Driver } from '../../src/hw/block/qcow2.ts';
import { createQcow2, type Qcow2CreateOptions } from '../../src/hw/block/qcow2-create.ts';
import { checkQcow2, checkQcow2Bytes } from '../../src/hw/block/qcow2-check.ts';
import { scratch, rng, randomBytes, needsQemuImg, qemuImg } from './helpers.ts';

type Op = { kind: 'write'; offset: number; data: Uint8Array } | { kind: 'flush' } | { kind: 'truncate'; length: number };

class RecordingFile extends FileDriver {
  readonly log: Op[] = [];
  constructor(opts: FileOptions) {
    super(opts);
  }
  override write(offset: number, data: Uint8Array): void {
    this.log.push({ kind: 'write', offset, data: data.slice() });
    super.write(offset, data);
  }
  override flush(): void {
    this.log.push({ kind: 'flush' });
    super.flush();
  }
  override truncate(length: number): void {
    this.log.push({ kind: 'truncate', length });
    super.truncate(length);
  }
}

/** A file image in memory that grows like a file; reads past the end are zeros. */
class MemFile {
  private buf: Buffer;
  length: number;
  constructor(initial: Buffer, capacity: number) {
    this.buf = Buffer.alloc(Math.max(capacity, initial.length));
    initial.copy(this.buf);
    this.length = initial.length;
  }
  get size(): number {
    return Math.ceil(this.length / 512) * 512;
  }
  read(offset: number, out: Uint8Array): void {
    out.fill(0);
    const n = Math.max(0, Math.min(out.length, this.length - offset));
    if (n > 0) out.set(this.buf.subarray(offset, offset + n));
  }
  apply(op: Op): void {
    if (op.kind === 'write') {
      this.buf.set(op.data, op.offset);
      this.length = Math.max(this.length, op.offset + op.data.length);
    } else if (op.kind === 'truncate') {
      if (op.length < this.length) this.buf.fill(0, op.length, this.length);
      this.length = op.length;
    }
  }
}

function capacityOf(initial: Buffer, ops: Op[]): number {
  let max = initial.length;
  for (const op of ops) {
    if (op.kind === 'write') max = Math.max(max, op.offset + op.data.length);
    if (op.kind === 'truncate') max = Math.max(max, op.length);
  }
  return max;
}

function apply(image: Buffer, ops: Op[]): Buffer {
  let b = Buffer.from(image);
  for (const op of ops) {
    if (op.kind === 'write') {
      const end = op.offset + op.data.length;
      if (end > b.length) b = Buffer.concat([b, Buffer.alloc(end - b.length)]);
      b.set(op.data, op.offset);
    } else if (op.kind === 'truncate') {
      b = op.length > b.length ? Buffer.concat([b, Buffer.alloc(op.length - b.length)]) : b.subarray(0, op.length);
    }
  }
  return b;
}

const cases: Array<[string, Qcow2CreateOptions]> = [
  ['4k clusters', { size: 4 << 20, clusterSize: 4096 }],
  ['512 B clusters, 64-bit refcounts: the refcount table is relocated', { size: 4 << 20, clusterSize: 512, refcountBits: 64 }],
  ['v2 64k clusters', { size: 8 << 20, compat: '0.10' }],
];

for (const [label, create] of cases) {
  t.test(`every crash point is consistent: ${label}`, async (t) => {
    const dir = scratch(t);
    const img = path.join(dir, 'o.qcow2');
    createQcow2(img, create);
    const initial = fs.readFileSync(img);
    const file = new RecordingFile({ filename: img, cache: 'unsafe' }); // flushes are recorded, not synced
    const d = new Qcow2Driver(file, { filename: img, backing: null });
    const next = rng(label.length);
    for (let i = 0; i < 40; i++) {
      const len = 1 + Math.floor(next() * (next() < 0.2 ? 150000 : 3000));
      d.write(Math.floor(next() * (d.size - len)), randomBytes(next, len));
      if (next() < 0.2) d.flush();
    }
    // Enough fresh clusters to outgrow the refcount table (2 MiB of host file at this geometry).
    if (label.includes('relocated')) d.write(1 << 20, randomBytes(next, 5 << 19));
    d.close();
    const log = file.log;
    const cap = capacityOf(initial, log);
    let states = 0;
    let bad = '';
    const verify = (state: MemFile, where: string) => {
      const r = checkQcow2Bytes(state, img);
      states++;
      if (r.corruptions && !bad) bad = `${where}: ${r.messages.filter((m) => m.startsWith('ERROR')).slice(0, 3).join('; ')}`;
    };
    // A process crash: every prefix of the write stream — or, in long runs of data writes (which
    // cannot break metadata), those close to a flush, where the metadata steps are, and every 25th.
    const nextFlush: number[] = [];
    for (let k = log.length - 1, f = Infinity; k >= 0; k--) {
      if (log[k].kind === 'flush') f = k;
      nextFlush[k] = f;
    }
    const running = new MemFile(initial, cap);
    verify(running, 'before any write');
    log.forEach((op, k) => {
      running.apply(op);
      if (op.kind !== 'flush' && (nextFlush[k] - k <= 200 || k % 25 === 0)) verify(running, `after op ${k}`);
    });
    // Power loss: everything up to a completed flush, plus a random subset of what followed it.
    const pick = rng(99);
    const durable = new MemFile(initial, cap);
    let epochStart = 0;
    for (let k = 0; k <= log.length; k++) {
      if (k < log.length && log[k].kind !== 'flush') continue;
      const epoch = log.slice(epochStart, k);
      for (let trial = 0; trial < 3 && epoch.length > 1; trial++) {
        const state = new MemFile(Buffer.alloc(0), cap);
        durable.read(0, new Uint8Array(0));
        state.apply({ kind: 'truncate', length: 0 });
        const copy = Buffer.alloc(durable.length);
        durable.read(0, copy);
        state.apply({ kind: 'write', offset: 0, data: copy });
        for (const op of epoch) if (pick() < 0.5) state.apply(op);
        verify(state, `epoch ${epochStart}..${k}, trial ${trial}`);
      }
      for (const op of epoch) durable.apply(op);
      epochStart = k + 1;
    }
    t.equal(bad, '', `no corruption in ${states} crash states of ${log.length} file operations (${log.filter((o) => o.kind === 'flush').length} flushes)`);
    if (label.includes('relocated')) {
      const moved = fs.readFileSync(img).readBigUInt64BE(48) !== initial.readBigUInt64BE(48);
      t.ok(moved, 'the workload did move the refcount table');
    }
    const final = checkQcow2(img);
    t.same([final.corruptions, final.leaks], [0, 0], 'the final image is clean and leak-free');
  });
}

t.test('emu-img check finds what qemu-img check finds in crash states', needsQemuImg, async (t) => {
  const dir = scratch(t);
  const img = path.join(dir, 'o.qcow2');
  createQcow2(img, { size: 2 << 20, clusterSize: 4096 });
  const initial = fs.readFileSync(img);
  const file = new RecordingFile({ filename: img, cache: 'unsafe' }); // flushes are recorded, not synced
  const d = new Qcow2Driver(file, { filename: img, backing: null });
  const next = rng(5);
  for (let i = 0; i < 20; i++) d.write(Math.floor(next() * 2000000), randomBytes(next, 5000));
  d.close();
  const probe = path.join(dir, 's.qcow2');
  // Drop the L1 update but keep everything else: a leak of a whole L2 table and its data.
  const lastWrite = file.log.map((o) => o.kind).lastIndexOf('write');
  for (const ops of [file.log.slice(0, lastWrite), file.log.slice(0, Math.floor(file.log.length / 2))]) {
    fs.writeFileSync(probe, apply(initial, ops));
    const mine = checkQcow2(probe);
    const q = qemuImg('check', '--output=json', probe);
    const theirs = JSON.parse(q.stdout) as Record<string, number>;
    t.same([mine.corruptions, mine.leaks, mine.imageEndOffset], [theirs.corruptions ?? 0, theirs.leaks ?? 0, theirs['image-end-offset']], 'same counts as qemu-img');
  }
});
