// The real binary (`emu --machine virt --qmp-socket PATH -S`, bin/emu as built by npm install)
// driven over its unix socket: the wire contract end to end with the real dispatcher.
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { WebSocket } from 'ws';
import { nodeCommand } from '../helpers/child-env.ts';
import { EMU } from '../helpers/emu.ts';
import { QmpClient, type QmpCommandError } from '../../src/qmp/client.ts';
import { RawConn, tmpDir } from './helpers.ts';

const { dir, cleanup } = tmpDir();
const sock = path.join(dir, 'qmp.sock');
let child: ChildProcess | undefined;
let wsPort = 0;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function connectRetry(timeoutMs = 20000): Promise<RawConn> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await RawConn.connect(sock, 2000);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

t.before(async () => {
  wsPort = await freePort();
  const [command, argv] = nodeCommand(EMU, ['--machine', 'virt', '--qmp-socket', sock, '--qmp-ws', `127.0.0.1:${wsPort}`, '-S']);
  child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  const c = await connectRetry();
  await c.line(20000);
  c.close();
});

t.teardown(() => {
  if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  cleanup();
});

t.test('greeting and negotiation', async (t) => {
  const c = await RawConn.connect(sock);
  t.teardown(() => c.close());
  const g = await c.line();
  t.match(g, /^\{"QMP": \{"version": \{"qemu": \{"micro": \d+, "minor": \d+, "major": \d+\}, "package": "emu [^"]+"\}, "capabilities": \["oob"\]\}\}$/);
  c.send('{"execute":"query-status","id":1}');
  t.equal(await c.line(), `{"id": 1, "error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}}`);
  c.send('{"execute":"qmp_capabilities","arguments":{"enable":["bogus"]},"id":2}');
  t.equal(await c.line(), `{"id": 2, "error": {"class": "GenericError", "desc": "Parameter 'null' does not accept value 'bogus'"}}`);
  c.send('{"execute":"qmp_capabilities"}');
  t.equal(await c.line(), '{"return": {}}', 'no newline needed');
  c.send('{"execute":"qmp_capabilities","id":3}');
  t.equal(await c.line(), '{"id": 3, "error": {"class": "CommandNotFound", "desc": "Capabilities negotiation is already complete, command ignored"}}');
});

t.test('framing, ids, error classes, parse errors, nesting', async (t) => {
  const c = await RawConn.connect(sock);
  t.teardown(() => c.close());
  await c.negotiate();
  c.send('{"execute":"query-status","id":1}{"execute":"query-status","id":2}\n');
  const two = await c.lines_(2);
  t.match(two[0], /"id": 1\}$/);
  t.match(two[1], /"id": 2\}$/);
  c.send('{"execute":"query-st');
  await new Promise((r) => setTimeout(r, 30));
  c.send('atus","id":"split"}');
  t.match(await c.line(), /"id": "split"\}$/);
  for (const id of ['{"a": [1, null]}', 'null', 'true', '1.5', '[]']) {
    c.send(`{"execute":"query-status","id":${id}}`);
    t.match(await c.line(), new RegExp(`"id": ${id.replace(/[[\]{}.]/g, '\\$&')}\\}$`), `id ${id}`);
  }
  c.send('{"execute":"nonexistent","id":1}');
  t.equal(await c.line(), '{"id": 1, "error": {"class": "CommandNotFound", "desc": "The command nonexistent has not been found"}}');
  c.send('{"execute":"device_del","arguments":{"id":"nope"},"id":2}');
  t.match(await c.line(), /^\{"id": 2, "error": \{"class": "GenericError", "desc": "The command 'device_del' is permitted only/, 'phase gate');
  c.send('{"execute":"query-status","arguments":{"bogus":1},"id":3}');
  t.equal(await c.line(), `{"id": 3, "error": {"class": "GenericError", "desc": "Parameter 'bogus' is unexpected"}}`);
  c.send('{ "execute": }{"execute":"query-status","id":4}');
  t.equal(await c.line(), '{"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}');
  t.match(await c.line(), /"id": 4\}$/, 'resynchronised');
  c.send('{"execute":"query-status","id":' + '['.repeat(1100) + '1' + ']'.repeat(1100) + '}');
  const lines = await c.lines_(1027);
  t.equal(lines[0], '{"error": {"class": "GenericError", "desc": "JSON nesting depth limit exceeded"}}');
  c.send('{"execute":"query-status","id":5}');
  t.match(await c.line(), /"id": 5\}$/, 'usable after the nesting error');
});

t.test('16 concurrent clients x 1000 commands', async (t) => {
  const conns = await Promise.all(Array.from({ length: 16 }, () => RawConn.connect(sock)));
  t.teardown(() => conns.forEach((c) => c.close()));
  await Promise.all(conns.map((c) => c.negotiate()));
  let bad = 0;
  await Promise.all(conns.map(async (c, ci) => {
    for (let base = 0; base < 1000; base += 100) {
      let batch = '';
      for (let k = 0; k < 100; k++) batch += `{"execute":"query-status","id":"c${ci}-${base + k}"}`;
      c.send(batch);
      const got = await c.lines_(100, 20000);
      got.forEach((l, k) => { if (!l.endsWith(`"id": "c${ci}-${base + k}"}`)) bad++; });
    }
  }));
  t.equal(bad, 0, 'every reply on its own connection, in order');
});

t.test('events reach every client; a departed client disturbs nobody', async (t) => {
  const a = await QmpClient.connect(sock);
  const b = await QmpClient.connect(sock);
  t.teardown(async () => { await a.close(); await b.close(); });
  const gone = await RawConn.connect(sock);
  await gone.negotiate();
  // cont sent, connection dropped before the reply: the command still runs, its reply is dropped.
  gone.send('{"execute":"cont","id":"gone"}');
  gone.close();
  const ra = await a.waitEvent('RESUME');
  const rb = await b.waitEvent('RESUME');
  t.equal(ra.event, 'RESUME');
  t.equal(rb.event, 'RESUME');
  t.match(await a.execute('query-status'), { running: true, status: 'running' });
  const err = await a.execute('device_del', { id: 'nope' }).then(() => undefined, (e: QmpCommandError) => e);
  t.equal(err?.errorClass, 'DeviceNotFound');
  t.equal(err?.desc, "Device 'nope' not found");
  await b.execute('stop');
  t.equal((await a.waitEvent('STOP')).event, 'STOP');
  t.match(await b.execute('query-status'), { running: false });
});

t.test('WebSocket round trip', async (t) => {
  const ws = new WebSocket(`ws://127.0.0.1:${wsPort}/`);
  const frames: string[] = [];
  ws.on('message', (d) => frames.push(d.toString()));
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const next = async (): Promise<string> => {
    const deadline = Date.now() + 5000;
    while (frames.length === 0) {
      if (Date.now() > deadline) throw new Error('timeout');
      await new Promise((r) => setTimeout(r, 10));
    }
    return frames.shift() as string;
  };
  t.match(await next(), /^\{"QMP": /);
  ws.send('{"execute":"qmp_capabilities"}');
  t.equal(await next(), '{"return": {}}');
  ws.send('{"execute":"query-machine-phase","id":1}');
  t.match(await next(), /^\{"return": \{"phase": "[a-z-]+"\}, "id": 1\}$/);
  ws.close();
});

t.test('socat - UNIX-CONNECT:PATH with piped input gets every reply', { skip: spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0 ? false : 'socat not installed' }, async (t) => {
  // socat shuts its sending side down at the end of its input; the replies still come.
  const r = spawnSync('socat', ['-t', '5', '-', `UNIX-CONNECT:${sock}`], {
    input: '{"execute":"qmp_capabilities"}\n{"execute":"query-status","id":1}\n{"execute":"query-machine-phase","id":2}\n',
    timeout: 15000,
    encoding: 'latin1',
  });
  const lines = r.stdout.split('\r\n');
  t.match(lines[0], /^\{"QMP": /);
  t.equal(lines[1], '{"return": {}}');
  t.match(lines[2], /"id": 1\}$/);
  t.match(lines[3], /"id": 2\}$/);
  t.ok(r.status === 0, 'socat ended by itself: the server closed after the last reply');
});

t.test('quit: the reply arrives, then the process exits', async (t) => {
  const c = await RawConn.connect(sock);
  await c.negotiate();
  const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
  c.send('{"execute":"quit","id":"q"}');
  const lines: string[] = [];
  for (;;) {
    const l = await c.line(10000);
    lines.push(l);
    if (l.includes('"id": "q"')) break;
  }
  t.equal(lines.at(-1), '{"return": {}, "id": "q"}');
  t.ok(lines.some((l) => l.includes('"event": "SHUTDOWN"')), 'SHUTDOWN announced');
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 10000))]);
  t.equal(code, 0);
  c.close();
});
