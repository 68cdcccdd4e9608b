import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import t from 'tap';
import { QmpError } from '../../src/shared/errors.ts';
import { openChardev } from '../../src/hw/chardev/index.ts';
import { Recorder, tmpdir, waitFor } from './helpers.ts';

const dir = tmpdir('emu-pipe-');
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

function mkfifo(p: string): void {
  execFileSync('mkfifo', [p]);
}

/** Opens a FIFO from the peer's side without blocking (read-write), as a non-blocking socket. */
function peer(p: string): net.Socket {
  const s = new net.Socket({ fd: fs.openSync(p, 'r+'), readable: true, writable: true });
  s.on('error', () => undefined);
  return s;
}

t.test('PATH.in and PATH.out', async (t) => {
  const base = path.join(dir, 'p0');
  mkfifo(`${base}.in`);
  mkfifo(`${base}.out`);
  const chr = await openChardev('p0', { type: 'pipe', data: { device: base } });
  t.equal(chr.describe(), 'pipe');
  const fe = new Recorder().attachTo(chr);
  const toEmu = peer(`${base}.in`);
  const fromEmu = peer(`${base}.out`);
  let got = '';
  fromEmu.on('data', (d) => { got += d.toString(); });
  toEmu.write('into the guest');
  await waitFor(() => fe.text === 'into the guest', 'input');
  chr.write('out of the guest');
  await waitFor(() => got === 'out of the guest', 'output');
  t.same(fe.events, ['opened']);
  await chr.close();
  toEmu.destroy();
  fromEmu.destroy();
});

t.test('a single PATH when PATH.in/.out are missing; QEMU 7.2 error text', async (t) => {
  const p = path.join(dir, 'single');
  mkfifo(p);
  const chr = await openChardev('p1', { type: 'pipe', data: { device: p } });
  const fe = new Recorder().attachTo(chr);
  const other = peer(p);
  other.write('x');
  await waitFor(() => fe.text === 'x', 'input');
  await chr.close();
  other.destroy();
  await t.rejects(openChardev('p2', { type: 'pipe', data: { device: '/nonexistent-dir/p' } }),
    new QmpError("Could not open '/nonexistent-dir/p': No such file or directory"));
});
