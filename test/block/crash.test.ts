// kill -9 in the middle of a stream of writes: qemu-img check must find no corruption (leaked
// clusters are allowed, as in QEMU), and everything written before the last completed flush and not
// overwritten since must read back.
import t from 'tap';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { openImage } from '../../src/hw/block/open.ts';
import { createQcow2 } from '../../src/hw/block/qcow2-create.ts';
import { crashOp } from './crash-ops.ts';
import { scratch, needsQemuImg, qemuImg, expectOk } from './helpers.ts';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.ts');

/** The writer bundled to plain JavaScript once, so each child starts as fast as node itself. */
async function bundleChild(dir: string): Promise<string> {
  const out = path.join(dir, 'crash-child.mjs');
  await build({ entryPoints: [child], outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'error' });
  return out;
}
const OPS = 2000;

function runAndKill(script: string, img: string, seed: number, killAfterMs: number): Promise<{ flushed: number; done: boolean; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, img, String(seed), String(OPS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = false;
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!armed && out.includes('flushed')) {
        armed = true;
        setTimeout(() => p.kill('SIGKILL'), killAfterMs);
      }
    });
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (code !== null && code !== 0) return reject(new Error(`writer failed (${code}): ${err}`));
      const lines = out.trim().split('\n').filter((l) => l.startsWith('flushed '));
      resolve({ flushed: lines.length ? Number(lines[lines.length - 1].split(' ')[1]) : 0, done: out.includes('done'), signal });
    });
  });
}

const cases = [
  ['64k clusters', () => ({ size: 16 << 20 })],
  ['4k clusters, qemu-img created', null],
  ['512 B clusters (refcount table relocation)', () => ({ size: 12 << 20, clusterSize: 512 })],
] as const;

// The writers run side by side: each spends most of its life in fdatasync.
t.test('crash: kill -9 during writes', needsQemuImg, async (t) => {
  const dir = scratch(t);
  const script = await bundleChild(dir);
  await Promise.all(cases.map(async ([label, create], n) => {
    const img = path.join(dir, `c${n}.qcow2`);
    if (create) createQcow2(img, create());
    else expectOk(t, qemuImg('create', '-q', '-f', 'qcow2', '-o', 'cluster_size=4096', img, '16M'), 'create');
    const seed = 1000 + label.length;
    const delay = Math.floor(Math.random() * 150);
    const r = await runAndKill(script, img, seed, delay);
    t.comment(`${label}: killed ${delay} ms after the first flush: signal ${r.signal}, last flush covered ${r.flushed} writes${r.done ? ' (writer finished first)' : ''}`);
    const check = qemuImg('check', img);
    t.not(check.status, 2, `${label}: no corruption`);
    t.ok(check.status === 0 || check.status === 3, `${label}: qemu-img check: exit ${check.status}: ${check.stdout.trim().split('\n').slice(-3).join(' ')}`);
    t.notMatch(check.stdout + check.stderr, /^ERROR|Data may be corrupted/m);

    const d = openImage({ filename: img, format: 'qcow2', readOnly: true }).driver;
    const shadow = new Uint8Array(d.size);
    const uncertain = new Uint8Array(d.size);
    const ops = crashOp(seed, d.size);
    for (let i = 0; i < OPS; i++) {
      const op = ops();
      if (i < r.flushed) shadow.set(op.data, op.offset);
      else uncertain.fill(1, op.offset, op.offset + op.data.length);
    }
    const got = new Uint8Array(d.size);
    d.read(0, got);
    d.close();
    let bad = -1;
    for (let i = 0; i < got.length; i++) {
      if (!uncertain[i] && got[i] !== shadow[i]) { bad = i; break; }
    }
    t.equal(bad, -1, `${label}: flushed writes survived the crash`);
    // The image stays usable: emu reopens it for writing and QEMU still finds no corruption.
    const w = openImage({ filename: img, format: 'qcow2', cache: 'unsafe' }).driver;
    w.write(0, new Uint8Array(70000).fill(9));
    w.close();
    t.not(qemuImg('check', img).status, 2, `${label}: still no corruption after further writes`);
  }));
});
