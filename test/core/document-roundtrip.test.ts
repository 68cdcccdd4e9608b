// Property: for random valid machines, document → commands → machine → document is the identity,
// and equal documents give byte-identical device trees.

import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../../src/qmp/core.ts';
import { documentCommands } from '../../src/hw/machine/document.ts';

const dir = mkdtempSync(join(tmpdir(), 'emu-prop-'));
const images = [0, 1, 2, 3].map((i) => {
  const f = join(dir, `img${i}.raw`);
  writeFileSync(f, Buffer.alloc(65536 * (i + 1)));
  return f;
});

/** A small deterministic PRNG (mulberry32), so a failure names a reproducible seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)] };
}

type Cmd = [string, Record<string, unknown>];

function randomMachine(seed: number): Cmd[] {
  const r = rng(seed);
  const cmds: Cmd[] = [];
  const nodes: string[] = [];
  for (let i = 0; i < r.int(4); i++) cmds.push(['chardev-add', { id: `c${i}`, backend: r.pick([{ type: 'null', data: {} }, { type: 'ringbuf', data: { size: 1024 } }]) }]);
  for (let i = 0; i < 1 + r.int(6); i++) {
    const name = `n${i}`;
    nodes.push(name);
    const kind = r.int(3);
    cmds.push(['blockdev-add', kind === 0
      ? { driver: 'file', 'node-name': name, filename: r.pick(images), 'read-only': true }
      : kind === 1
        ? { driver: 'raw', 'node-name': name, 'read-only': true, file: { driver: 'file', filename: r.pick(images) } }
        : { driver: 'null-co', 'node-name': name, size: 4096 * (1 + r.int(100)), 'read-zeroes': r.next() < 0.5 }]);
  }
  const machine: Record<string, unknown> = { type: 'virt', memory: (64 + 64 * r.int(8)) * 1024 * 1024, smp: { cpus: 1 + r.int(4) } };
  if (r.next() < 0.3) machine.boot = { order: r.pick(['c', 'd', 'cd', 'dc']) };
  if (r.next() < 0.3) machine.name = `vm${seed}`;
  if (r.next() < 0.3) machine.append = `console=ttyS0 seed=${seed}`;
  if (r.next() < 0.5) machine.serial = 'c0';
  if (machine.serial !== undefined && !cmds.some((c) => c[1].id === 'c0')) cmds.push(['chardev-add', { id: 'c0', backend: { type: 'null', data: {} } }]);
  cmds.push(['machine-set', machine]);
  if (r.next() < 0.3) cmds.push(['set-action', { shutdown: 'pause' }]);
  let virtio = 0;
  const free = [...nodes];
  const scsiBuses: string[] = [];
  for (let i = 0; i < 1 + r.int(10); i++) {
    const kind = r.int(3);
    if (kind === 0 && virtio < 8 && free.length) {
      virtio++;
      cmds.push(['device_add', { driver: 'virtio-blk-device', ...(r.next() < 0.5 ? { id: `vd${i}` } : {}), drive: free.splice(r.int(free.length), 1)[0] }]);
    } else if (kind === 1 && virtio < 8) {
      virtio++;
      const id = r.next() < 0.5 ? `scsi${i}` : undefined;
      cmds.push(['device_add', { driver: 'virtio-scsi-device', ...(id ? { id } : {}) }]);
      scsiBuses.push(id ? `${id}.0` : `scsi.${scsiBuses.filter((b) => b.startsWith('scsi.')).length}`);
    } else if (kind === 2 && scsiBuses.length) {
      const cd = r.next() < 0.5;
      const drive = free.length && (!cd || r.next() < 0.7) ? free.splice(r.int(free.length), 1)[0] : undefined;
      if (!cd && !drive) continue;
      cmds.push(['device_add', {
        driver: cd ? 'scsi-cd' : 'scsi-hd', bus: r.pick(scsiBuses), ...(drive ? { drive } : {}),
        ...(r.next() < 0.5 ? { id: `sd${i}` } : {}), ...(r.next() < 0.3 ? { lun: r.int(4) } : {}),
        ...(cd && r.next() < 0.3 ? { 'tray-open': true } : {}),
      }]);
    }
  }
  return cmds;
}

t.test('document → commands → machine → document is the identity', async (t) => {
  for (let seed = 1; seed <= 60; seed++) {
    const a = createCore();
    for (const [name, args] of randomMachine(seed)) {
      try {
        await a.dispatcher.submit(name, args);
      } catch (e) {
        t.fail(`seed ${seed}: ${name} ${JSON.stringify(args)}: ${(e as Error).message}`);
        return;
      }
    }
    const doc = a.vm.document();
    const b = createCore();
    for (const c of documentCommands(doc)) await b.dispatcher.submit(c.execute, c.arguments);
    const docB = b.vm.document();
    if (JSON.stringify(docB) !== JSON.stringify(doc)) {
      t.same(docB, doc, `seed ${seed}`);
      return;
    }
    if (a.vm.phase !== 'no-machine' && a.vm.phase !== 'machine-created') {
      t.same(Buffer.from(b.vm.dtb()), Buffer.from(a.vm.dtb()), `seed ${seed}: DTBs`);
    }
    a.vm.blocks.closeAll();
    b.vm.blocks.closeAll();
  }
  t.pass('60 random machines round-trip');
});
