import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { QmpError } from '../../src/shared/errors.ts';
import { createChardev, FileChardev, NullChardev, openChardev } from '../../src/hw/chardev/index.ts';
import { Recorder, tmpdir, waitFor } from './helpers.ts';

const dir = tmpdir();
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

t.test('null', async (t) => {
  const n = await openChardev('n0', { type: 'null' });
  t.equal(n.describe(), 'null');
  t.ok(n instanceof NullChardev);
  t.ok(n.connected);
  const fe = new Recorder().attachTo(n);
  await waitFor(() => fe.events.length > 0, 'opened');
  t.same(fe.events, ['opened']);
  n.write('vanishes');
  t.throws(() => n.attach(new Recorder()), new QmpError("Device 'n0' is in use"));
  fe.link.setOpen(true);
  t.equal(n.frontendOpen, true);
  fe.link.detach();
  t.equal(n.frontendOpen, false);
  t.doesNotThrow(() => n.attach(new Recorder()), 'free again after detach');
  await n.close();
  await n.close();
  t.equal(n.connected, false);
});

t.test('file output truncates, append=on appends', async (t) => {
  const out = path.join(dir, 'out.txt');
  fs.writeFileSync(out, 'old contents\n');
  const f = await openChardev('f0', { type: 'file', data: { out } });
  t.equal(f.describe(), 'file');
  t.equal(fs.readFileSync(out, 'utf8'), '', 'truncated at open');
  f.write('hello ');
  f.write(Uint8Array.from([0x77, 0x6f, 0x72, 0x6c, 0x64, 0x0a]));
  t.equal(fs.readFileSync(out, 'utf8'), 'hello world\n', 'written at once');
  await f.close();
  f.write('after close is dropped');
  t.equal(fs.readFileSync(out, 'utf8'), 'hello world\n');

  const g = await openChardev('f1', { type: 'file', data: { out, append: true } });
  g.write('more\n');
  await g.close();
  t.equal(fs.readFileSync(out, 'utf8'), 'hello world\nmore\n');
  t.equal((fs.statSync(out).mode & 0o777) & ~process.umask(), (0o666 & ~process.umask()));
});

t.test('file input reaches the frontend at the pace it accepts', async (t) => {
  const out = path.join(dir, 'o2');
  const input = path.join(dir, 'in.txt');
  const data = Buffer.alloc(200_000);
  for (let i = 0; i < data.length; i++) data[i] = 0x20 + (i % 90);
  fs.writeFileSync(input, data);
  const f = createChardev('f2', { type: 'file', data: { out, in: input } });
  const fe = new Recorder(16).attachTo(f);
  await f.open();
  await waitFor(() => fe.text.length === 16, 'first 16 bytes');
  await new Promise((r) => setTimeout(r, 30));
  t.equal(fe.text.length, 16, 'nothing beyond the room given');
  fe.grant(100);
  t.equal(fe.text.length, 116, 'held input delivered on acceptInput');
  fe.room = undefined;
  fe.link.acceptInput();
  await waitFor(() => fe.text.length === data.length, 'whole file');
  t.equal(fe.text, data.toString('latin1'));
  await waitFor(() => fe.events.includes('closed'), 'EOF reported as closed');
  t.same(fe.events, ['opened', 'closed']);
  await f.close();
});

t.test('file errors carry QEMU 7.2 texts', async (t) => {
  await t.rejects(openChardev('e', { type: 'file', data: { out: '/nonexistent-dir/x' } }),
    new QmpError("Could not open '/nonexistent-dir/x': No such file or directory"));
  const out = path.join(dir, 'o9');
  await t.rejects(openChardev('e', { type: 'file', data: { out, in: '/nonexistent-dir/in' } }),
    new QmpError("Could not open '/nonexistent-dir/in': No such file or directory"));
  t.ok(fs.existsSync(out), 'the output file was opened first, as QEMU does');
  await t.rejects(openChardev('e', { type: 'file', data: { out: dir } }),
    new QmpError(`Could not open '${dir}': Is a directory`));
  // A failed open may be retried.
  const late = path.join(dir, 'late');
  const f = createChardev('e2', { type: 'file', data: { out: path.join(late, 'x') } });
  await t.rejects(f.open());
  fs.mkdirSync(late);
  await f.open();
  t.ok(fs.existsSync(path.join(late, 'x')));
  await f.close();
  t.ok(f instanceof FileChardev);
});

t.test('logfile copies everything written', async (t) => {
  const log = path.join(dir, 'log.txt');
  const r = await openChardev('r', { type: 'ringbuf', data: { logfile: log } });
  r.write('one\n');
  await r.close();
  const r2 = await openChardev('r2', { type: 'null', data: { logfile: log, logappend: true } });
  r2.write('two\n');
  await r2.close();
  t.equal(fs.readFileSync(log, 'utf8'), 'one\ntwo\n');
  await t.rejects(openChardev('r3', { type: 'null', data: { logfile: '/nonexistent-dir/log' } }),
    new QmpError("Could not open '/nonexistent-dir/log': No such file or directory"));
});

t.test('unknown backend type', async (t) => {
  t.throws(() => createChardev('x', { type: 'bogus' } as never), new QmpError("'bogus' is not a valid char driver name"));
  t.throws(() => createChardev('x', { type: 'mux', data: { chardev: 'nope' } }), new QmpError('chardev "nope" not found'));
});
