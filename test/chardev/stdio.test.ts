import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t from 'tap';
import { QmpError } from '../../src/shared/errors.ts';
import { createChardev, StdioChardev } from '../../src/hw/chardev/index.ts';
import { Recorder, tmpdir, waitFor, withTimeout } from './helpers.ts';

const dir = tmpdir('emu-stdio-');
const children = new Set<ChildProcess>();
t.teardown(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A stream that says it is a terminal and records raw-mode switches. */
function fakeTty(): PassThrough & { isTTY: boolean; isRaw: boolean; modes: boolean[]; setRawMode(m: boolean): void } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; isRaw: boolean; modes: boolean[]; setRawMode(m: boolean): void };
  s.isTTY = true;
  s.isRaw = false;
  s.modes = [];
  s.setRawMode = (m: boolean) => { s.isRaw = m; s.modes.push(m); };
  return s;
}

t.test('injected streams: input, output, describe', async (t) => {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = '';
  output.on('data', (d) => { out += d.toString(); });
  const chr = createChardev('s', { type: 'stdio' }, { stdio: { input, output } }) as StdioChardev;
  t.equal(chr.describe(), 'stdio');
  t.equal(chr.signal, true);
  const fe = new Recorder().attachTo(chr);
  await chr.open();
  input.write('typed');
  await waitFor(() => fe.text === 'typed', 'input');
  chr.write('printed');
  await waitFor(() => out === 'printed', 'output');
  t.equal(chr.rawMode, false, 'not a terminal: left alone');
  input.end();
  await waitFor(() => fe.events.includes('closed'), 'EOF');
  t.same(fe.events, ['opened', 'closed']);
  await chr.close();
});

t.test('output written during one task reaches the stream in one write, in order', async (t) => {
  const writes: string[] = [];
  const output = new Writable({ write(chunk: Buffer, _enc, cb) { writes.push(chunk.toString('latin1')); cb(); } });
  const chr = new StdioChardev('s', {}, { input: new PassThrough(), output });
  await chr.open();
  const buf = new Uint8Array(1);
  for (const c of 'U-Boot\r\n') { buf[0] = c.charCodeAt(0); chr.write(buf); } // one byte at a time, one buffer reused
  chr.write('=> ');
  t.same(writes, [], 'nothing written yet within the task');
  await new Promise((r) => setImmediate(r));
  t.same(writes, ['U-Boot\r\n=> '], 'one write, bytes in order, none lost to the reused buffer');
  chr.write('x');
  await chr.close();
  t.same(writes, ['U-Boot\r\n=> ', 'x'], 'close writes what is left');
});

t.test('output written just before the process exits is printed', async (t) => {
  const script = path.join(dir, 'exit-child.mts');
  fs.writeFileSync(script, `
import { createChardev } from ${JSON.stringify(indexUrl)};
const chr = createChardev('serial0', { type: 'stdio' });
await chr.open();
for (const c of 'powered off\\n') chr.write(c);
process.exit(3);
`);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout.on('data', (d) => { out += d.toString('latin1'); });
  const { code } = await withTimeout(exited(child), 'child exit', 15000);
  t.equal(code, 3);
  t.equal(out, 'powered off\n');
});

t.test('terminal: raw mode on open, restored on close; Ctrl-C with signal=on and off', async (t) => {
  const tty = fakeTty();
  let interrupts = 0;
  const chr = new StdioChardev('s', {}, { input: tty, output: new PassThrough(), onInterrupt: () => interrupts++ });
  const fe = new Recorder().attachTo(chr);
  await chr.open();
  t.same(tty.modes, [true]);
  t.equal(chr.rawMode, true);
  tty.write('ab\x03cd');
  await waitFor(() => interrupts === 1, 'interrupt');
  t.equal(fe.text, 'ab', 'bytes before Ctrl-C delivered, the rest dropped with it');
  await chr.close();
  t.same(tty.modes, [true, false]);

  const tty2 = fakeTty();
  const chr2 = new StdioChardev('s2', { signal: false }, { input: tty2, output: new PassThrough(), onInterrupt: () => interrupts++ });
  const fe2 = new Recorder().attachTo(chr2);
  await chr2.open();
  tty2.write('ab\x03cd');
  await waitFor(() => fe2.text === 'ab\x03cd', 'Ctrl-C passed to the guest');
  t.equal(interrupts, 1);
  await chr2.close();
  t.same(tty2.modes, [true, false]);
});

// The real process stdio, in a child so the test runner's own stdio is left alone.
const here = path.dirname(fileURLToPath(import.meta.url));
const indexUrl = pathToFileURL(path.join(here, '../../src/hw/chardev/index.ts')).href;
const childScript = path.join(dir, 'child.mts');
fs.writeFileSync(childScript, `
import { createChardev } from ${JSON.stringify(indexUrl)};
const chr = createChardev('serial0', { type: 'stdio', data: { signal: process.argv[2] !== 'nosignal' } });
await chr.open();
try {
  await createChardev('other', { type: 'stdio' }).open();
} catch (e) {
  process.stderr.write('second: ' + (e as Error).message + '\\n');
}
process.stderr.write('raw=' + String((process.stdin as { isRaw?: boolean }).isRaw === true) + '\\n');
const link = chr.attach({
  receive(data) {
    const s = Buffer.from(data).toString('latin1');
    if (s.includes('q')) {
      void chr.close().then(() => {
        process.stderr.write('raw-after-close=' + String((process.stdin as { isRaw?: boolean }).isRaw === true) + '\\n');
      });
      return;
    }
    link.write(s.toUpperCase() + '|' + [...data].join(',') + ';');
  },
});
`);

function runChild(args: string[], viaPty: boolean): { child: ChildProcess; out: () => string; err: () => string } {
  const node = [process.execPath, '--import', 'tsx', childScript, ...args];
  const child = viaPty
    // util-linux script(1) gives the child a pseudo-terminal as stdin/stdout.
    ? spawn('script', ['-qfec', node.map((a) => `'${a}'`).join(' '), '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(node[0], node.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d.toString('latin1'); });
  child.stderr!.on('data', (d) => { err += d.toString('latin1'); });
  return { child, out: () => out, err: () => err };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

t.test('process stdio over pipes: one user only, bytes pass unchanged, close lets the process end', async (t) => {
  const { child, out, err } = runChild([], false);
  await withTimeout(waitFor(() => err().includes('raw='), 'child ready', 15000), 'child ready', 16000);
  t.match(err(), 'second: cannot use stdio by multiple character devices');
  t.match(err(), 'raw=false', 'a pipe is not put in raw mode');
  child.stdin!.write('ab\x03');
  await waitFor(() => out().includes(';'), 'echo', 10000);
  t.equal(out(), 'AB\x03|97,98,3;', 'Ctrl-C on a pipe is only a byte');
  child.stdin!.write('q');
  const { code } = await withTimeout(exited(child), 'child exit', 10000);
  t.equal(code, 0, 'nothing keeps the process alive after close');
});

t.test('process stdio on a terminal: raw mode, restored; Ctrl-C ends the process', { skip: !hasScript() && 'no script(1)' }, async (t) => {
  const a = runChild([], true);
  await waitFor(() => a.out().includes('raw='), 'child ready', 15000);
  t.match(a.out(), 'raw=true');
  a.child.stdin!.write('x');
  await waitFor(() => a.out().includes('X|120;'), 'echo through the pty', 10000);
  t.notMatch(a.out(), /x\r?\n?X/, 'no terminal echo in raw mode');
  a.child.stdin!.write('q');
  await waitFor(() => a.out().includes('raw-after-close='), 'closed', 10000);
  t.match(a.out(), 'raw-after-close=false');
  await withTimeout(exited(a.child), 'exit', 10000);

  const b = runChild([], true);
  await waitFor(() => b.out().includes('raw='), 'child ready', 15000);
  b.child.stdin!.write('\x03');
  const r = await withTimeout(exited(b.child), 'exit on Ctrl-C', 10000);
  t.not(r.code, 0, 'Ctrl-C ended it');

  const c = runChild(['nosignal'], true);
  await waitFor(() => c.out().includes('raw='), 'child ready', 15000);
  c.child.stdin!.write('\x03');
  await waitFor(() => c.out().includes('|3;'), 'Ctrl-C reached the frontend', 10000);
  c.child.stdin!.write('q');
  await withTimeout(exited(c.child), 'exit', 10000);
});

function hasScript(): boolean {
  return ['/usr/bin/script', '/bin/script'].some((p) => fs.existsSync(p));
}

t.test('closing twice and writing after close are harmless', async (t) => {
  const chr = new StdioChardev('z', {}, { input: new PassThrough(), output: new PassThrough() });
  await chr.open();
  await chr.close();
  await chr.close();
  chr.write('nothing');
  await t.rejects(chr.open(), new QmpError("Chardev 'z' is closed"));
});
