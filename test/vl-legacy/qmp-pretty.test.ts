// -qmp-pretty and -mon ...,pretty=on through the real binary: the same requests as a recorded QEMU 7.2
// session (fixtures/qmp-pretty.*) give the same bytes — greeting, replies, errors, events, nested and
// empty objects and arrays, CRLF line ends — and, when qemu-system-riscv64 is installed, the same
// bytes as a live QEMU. Only what must differ is normalised: QEMU's micro version and package name,
// and event timestamps.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMU_LEGACY, runBinary, spawnBinary, tempDir, waitFor } from '../helpers/emu.ts';
import { RawConn } from '../qmp-wire/helpers.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const INPUT = readFileSync(join(FIXTURES, 'qmp-pretty.in'), 'latin1');
const RECORDED = readFileSync(join(FIXTURES, 'qmp-pretty.qemu-7.2.out'), 'latin1');
const haveQemu = spawnSync('qemu-system-riscv64', ['--version'], { stdio: 'ignore', timeout: 10000 }).status === 0;

const normalise = (s: string) => s
  .replace(/"micro": \d+/g, '"micro": N')
  .replace(/"package": "[^"]*"/g, '"package": "P"')
  .replace(/"(seconds|microseconds)": \d+/g, '"$1": N');

/** A pretty message ends with a "}" alone at the start of a line. */
const messages = (raw: string) => raw.split('\r\n}\r\n').length - 1;

/** The socket file appears at bind(), a moment before listen(): a refused connection is retried. */
async function connect(socket: string): Promise<RawConn> {
  const end = Date.now() + 10_000;
  for (;;) {
    try {
      return await RawConn.connect(socket, 10_000);
    } catch (e) {
      if (!/ECONNREFUSED/.test((e as Error).message) || Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Starts `binary args… MONITOR-ARGS(socket)`, sends the fixture's requests, returns the bytes read. */
async function transcript(t: Test, binary: string, monitor: (socket: string) => string[], expectMessages: number): Promise<string> {
  const socket = join(tempDir('emu-qmp-pretty-'), 'qmp.sock');
  const p = spawnBinary(t, binary, ['-M', 'virt', '-S', '-display', 'none', '-nodefaults', ...monitor(socket)]);
  let died = false;
  void p.exited.then(() => { died = true; });
  await waitFor(() => existsSync(socket) || died, `QMP socket of ${binary}`, 30_000);
  t.notOk(died, `${binary} started: ${p.stderr()}`);
  const c = await connect(socket);
  c.send(INPUT);
  try {
    await waitFor(() => messages(c.raw) >= expectMessages || c.ended, `${expectMessages} messages from ${binary}`, 20_000);
  } finally {
    c.sock.destroy();
    p.proc.kill('SIGKILL');
  }
  return c.raw;
}

t.test('the recorded QEMU 7.2 session is what the fixture says', async (t) => {
  t.equal(messages(RECORDED), 15, 'greeting, 12 replies, 2 events');
  t.notOk(/[^\r]\n/.test(RECORDED), 'QEMU ends every line with CRLF');
});

t.test('-qmp-pretty: byte for byte the recorded QEMU session', async (t) => {
  const raw = await transcript(t, EMU_LEGACY, (s) => ['-qmp-pretty', `unix:${s},server=on,wait=off`], messages(RECORDED));
  t.equal(normalise(raw), normalise(RECORDED));
});

t.test('-mon pretty=on on a chardev is the same monitor', async (t) => {
  const raw = await transcript(t, EMU_LEGACY, (s) => ['-chardev', `socket,id=m0,path=${s},server=on,wait=off`, '-mon', 'chardev=m0,mode=control,pretty=on'], messages(RECORDED));
  t.equal(normalise(raw), normalise(RECORDED));
});

t.test('-qmp stays compact, one message a line, in QEMU\'s member order', async (t) => {
  const socket = join(tempDir('emu-qmp-compact-'), 'qmp.sock');
  const p = spawnBinary(t, EMU_LEGACY, ['-M', 'virt', '-S', '-display', 'none', '-nodefaults', '-qmp', `unix:${socket},server=on,wait=off`]);
  await waitFor(() => existsSync(socket), 'QMP socket', 30_000);
  const c = await connect(socket);
  t.match(await c.line(10_000), /^\{"QMP": \{"version": \{"qemu": \{"micro": \d+, "minor": 2, "major": 7\}, "package": "emu [^"]+"\}, "capabilities": \["oob"\]\}\}$/);
  c.send('{"execute":"qmp_capabilities"}\n{"execute":"query-status","id":1}\n');
  t.equal(await c.line(10_000), '{"return": {}}');
  t.equal(await c.line(10_000), '{"return": {"status": "prelaunch", "singlestep": false, "running": false}, "id": 1}');
  c.sock.destroy();
  p.proc.kill('SIGKILL');
});

t.test('pretty=on on a human monitor is refused as QEMU refuses it', async (t) => {
  const r = await runBinary(t, EMU_LEGACY, ['-nodefaults', '-chardev', 'null,id=m', '-mon', 'chardev=m,pretty=on', '--print-config']);
  t.equal(r.stderr, "emu-legacy: -mon chardev=m,pretty=on: 'pretty' is not compatible with HMP monitors\n");
  t.equal(r.code, 1);
});

t.test('live QEMU 7.2 gives the same bytes', { skip: haveQemu ? false : 'qemu-system-riscv64 not installed' }, async (t) => {
  const monitor = (s: string) => ['-qmp-pretty', `unix:${s},server=on,wait=off`];
  const [qemu, emu] = await Promise.all([
    transcript(t, 'qemu-system-riscv64', monitor, messages(RECORDED)),
    transcript(t, EMU_LEGACY, monitor, messages(RECORDED)),
  ]);
  t.equal(normalise(emu), normalise(qemu));
});
