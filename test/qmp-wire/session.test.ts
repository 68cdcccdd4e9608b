// Sessions over real unix sockets (and TCP, WebSocket), against the texts QEMU 7.2 sends.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { WebSocket } from 'ws';
import { listenUnix, listenTcp, listenWebSocket, type QmpListener } from '../../src/qmp/server/transports.ts';
import { QmpClient, QmpCommandError } from '../../src/qmp/client.ts';
import { createTestEngine } from './test-engine.ts';
import { RawConn, tmpDir } from './helpers.ts';

const GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "emu test-engine"}, "capabilities": ["oob"]}}';

async function setup(t: Test, opts: { suspended?: boolean } = {}): Promise<{ sock: string; engine: ReturnType<typeof createTestEngine>; listener: QmpListener; dir: string }> {
  const { dir, cleanup } = tmpDir();
  const engine = createTestEngine();
  const sock = path.join(dir, 'qmp.sock');
  // QEMU's member order, so expectations are QEMU's bytes exactly.
  const listener = await listenUnix(engine, sock, { memberOrder: 'qemu', ...opts });
  t.teardown(async () => { await listener.close(); cleanup(); });
  return { sock, engine, listener, dir };
}

t.test('greeting shape, CRLF, and negotiation errors', async (t) => {
  const { sock } = await setup(t);
  const c = await RawConn.connect(sock);
  t.teardown(() => c.close());
  t.equal(await c.line(), GREETING);
  t.match(c.raw, /^\{"QMP".*\}\r\n$/, 'one line ending CRLF');

  const expect = async (send: string, line: string, what: string): Promise<void> => {
    c.send(send);
    t.equal(await c.line(), line, what);
  };
  await expect('{"execute":"query-status","id":1}',
    `{"id": 1, "error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}}`, 'command before negotiation');
  await expect('{"execute":"nonexistent","id":1}',
    `{"id": 1, "error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}}`, 'unknown command before negotiation');
  await expect('{"execute":"qmp_capabilities","id":"x","exec-oob":"y"}',
    `{"id": "x", "error": {"class": "GenericError", "desc": "QMP input member 'exec-oob' is unexpected"}}`, 'exec-oob before negotiation');
  await expect('{"execute":"qmp_capabilities","arguments":{"enable":["bogus"]},"id":3}',
    `{"id": 3, "error": {"class": "GenericError", "desc": "Parameter 'null' does not accept value 'bogus'"}}`, 'bogus capability');
  await expect('{"execute":"qmp_capabilities","arguments":{"enable":"oob"},"id":4}',
    `{"id": 4, "error": {"class": "GenericError", "desc": "Invalid parameter type for 'enable', expected: array"}}`, 'enable not an array');
  await expect('{"execute":"qmp_capabilities","arguments":[],"id":4}',
    `{"id": 4, "error": {"class": "GenericError", "desc": "QMP input member 'arguments' must be an object"}}`, 'arguments not an object');
  await expect('{"execute":"qmp_capabilities","foo":1,"id":4}',
    `{"id": 4, "error": {"class": "GenericError", "desc": "QMP input member 'foo' is unexpected"}}`, 'unexpected member');
  await expect('{"execute":42,"id":10}',
    `{"id": 10, "error": {"class": "GenericError", "desc": "QMP input member 'execute' must be a string"}}`, 'execute not a string');
  await expect('{"id":11}', `{"id": 11, "error": {"class": "GenericError", "desc": "QMP input lacks member 'execute'"}}`, 'no execute');
  await expect('{"foo":1,"arguments":[],"id":12}',
    `{"id": 12, "error": {"class": "GenericError", "desc": "QMP input member 'arguments' must be an object"}}`, 'arguments checked before unknown members');
  await expect('[1,2]', '{"error": {"class": "GenericError", "desc": "QMP input must be a JSON object"}}', 'not an object: no id');
  // Which problem is reported first when there are several (observed on 7.2).
  await expect('{"foo":1,"execute":3,"id":1}',
    `{"id": 1, "error": {"class": "GenericError", "desc": "QMP input member 'execute' must be a string"}}`, 'execute first');
  await expect('{"arguments":[],"execute":5,"id":3}',
    `{"id": 3, "error": {"class": "GenericError", "desc": "QMP input member 'execute' must be a string"}}`, 'execute before arguments');
  await expect('{"foo":1,"bar":2,"execute":"x","id":2}',
    `{"id": 2, "error": {"class": "GenericError", "desc": "QMP input member 'bar' is unexpected"}}`, 'unknown members in sorted order');
  await expect('{"zzz":1,"aaa":2,"execute":"x","id":2}',
    `{"id": 2, "error": {"class": "GenericError", "desc": "QMP input member 'aaa' is unexpected"}}`, 'unknown members in sorted order');
  await expect('{"foo":1,"exec-oob":"x","id":4}',
    `{"id": 4, "error": {"class": "GenericError", "desc": "QMP input member 'exec-oob' is unexpected"}}`, 'exec-oob before other members');
  await expect('{"arguments":{},"id":5}', `{"id": 5, "error": {"class": "GenericError", "desc": "QMP input lacks member 'execute'"}}`, 'arguments alone');
  await expect('{"execute":"qmp_capabilities","arguments":{"enable":[1]},"id":6}',
    `{"id": 6, "error": {"class": "GenericError", "desc": "Invalid parameter type for 'enable[0]', expected: string"}}`, 'capability not a string');
  await expect('{"execute":"qmp_capabilities","arguments":{"enable":["oob"],"x":1},"id":6}',
    `{"id": 6, "error": {"class": "GenericError", "desc": "Parameter 'x' is unexpected"}}`, 'unexpected argument');
  await expect('{"execute":"qmp_capabilities","arguments":{"x":1,"enable":"oob"},"id":6}',
    `{"id": 6, "error": {"class": "GenericError", "desc": "Invalid parameter type for 'enable', expected: array"}}`, 'declared members before leftovers');
  await expect('{"execute":"qmp_capabilities","id":5}', '{"return": {}, "id": 5}', 'negotiated');
  await expect('{"execute":"qmp_capabilities","id":6}',
    '{"id": 6, "error": {"class": "CommandNotFound", "desc": "Capabilities negotiation is already complete, command ignored"}}', 'second negotiation refused');
  await expect('{"exec-oob":"query-status","id":8}',
    `{"id": 8, "error": {"class": "GenericError", "desc": "QMP input member 'exec-oob' is unexpected"}}`, 'exec-oob without the oob capability');
  await expect('{"execute":"Query-Status","id":1}',
    '{"id": 1, "error": {"class": "CommandNotFound", "desc": "The command Query-Status has not been found"}}', 'commands are case-sensitive');
  await expect('{"execute":"query-status","id":7}',
    '{"return": {"status": "prelaunch", "singlestep": false, "running": false}, "id": 7}', 'command mode');
  await expect('{"execute":"query-status"}',
    '{"return": {"status": "prelaunch", "singlestep": false, "running": false}}', 'no id, none echoed');
  await expect('{"execute":"fail","arguments":{"desc":"Device \'nope\' not found","class":"DeviceNotFound"},"id":"f"}',
    `{"id": "f", "error": {"class": "DeviceNotFound", "desc": "Device 'nope' not found"}}`, 'engine errors keep their class');
});

t.test('exec-oob after enabling oob', async (t) => {
  const { sock } = await setup(t);
  const c = await RawConn.connect(sock);
  t.teardown(() => c.close());
  await c.line();
  c.send('{"execute":"qmp_capabilities","arguments":{"enable":["oob"]}}');
  t.equal(await c.line(), '{"return": {}}');
  c.send('{"exec-oob":"query-status","id":8}');
  t.equal(await c.line(), '{"id": 8, "error": {"class": "GenericError", "desc": "The command query-status does not support OOB"}}');
  c.send('{"exec-oob":"nonexistent","id":9}');
  t.equal(await c.line(), '{"id": 9, "error": {"class": "CommandNotFound", "desc": "The command nonexistent has not been found"}}');
  c.send('{"exec-oob":3,"execute":"query-status","id":7}');
  t.equal(await c.line(), `{"id": 7, "error": {"class": "GenericError", "desc": "QMP input member 'exec-oob' must be a string"}}`);
  c.send('{"exec-oob":"qmp_capabilities","id":8}');
  t.equal(await c.line(), '{"id": 8, "error": {"class": "GenericError", "desc": "The command qmp_capabilities does not support OOB"}}');
  c.send('{"execute":"query-status","exec-oob":"oob-ping","id":10}');
  t.equal(await c.line(), `{"id": 10, "error": {"class": "GenericError", "desc": "QMP input member 'execute' clashes with 'exec-oob'"}}`);
  // An OOB command overtakes a slow in-band one.
  c.send('{"execute":"sleep","arguments":{"ms":200},"id":"slow"}{"exec-oob":"oob-ping","id":"fast"}');
  t.equal(await c.line(), '{"return": {"pong": true}, "id": "fast"}');
  t.equal(await c.line(), '{"return": {}, "id": "slow"}');
});

t.test('framing by structure', async (t) => {
  const { sock } = await setup(t);
  const c = await RawConn.connect(sock);
  t.teardown(() => c.close());
  await c.line();
  c.send('{"execute":"qmp_capabilities"}');
  t.equal(await c.line(), '{"return": {}}', 'no newline needed');
  c.send('{"execute":"echo","arguments":{"n":1},"id":1}{"execute":"echo","arguments":{"n":2},"id":2}\n');
  t.same(await c.lines_(2), ['{"return": {"n": 1}, "id": 1}', '{"return": {"n": 2}, "id": 2}'], 'two messages on one line');
  c.send('{"execute":"ec');
  await new Promise((r) => setTimeout(r, 50));
  c.send('ho","arguments":{"s":"a b');
  await new Promise((r) => setTimeout(r, 50));
  c.send('"},"id":3}');
  t.equal(await c.line(), '{"return": {"s": "a b"}, "id": 3}', 'one message split across writes');
  c.send("{'execute':'echo','arguments':{'q':'it\\'s \"x\"'},'id':'sq'}");
  t.equal(await c.line(), '{"return": {"q": "it\'s \\"x\\""}, "id": "sq"}', 'single quotes in, double quotes out');
  c.send('{"execute":"echo","arguments":{"u":"\\u00e9\\ud83d\\ude00\\u001b"},"id":4}');
  t.equal(await c.line(), '{"return": {"u": "\\u00E9\\uD83D\\uDE00\\u001B"}, "id": 4}', 'ASCII output with upper-case escapes');
  c.send(Buffer.from('{"execute":"echo","arguments":{"u":"\u00e9"},"id":5}', 'utf8'));
  t.equal(await c.line(), '{"return": {"u": "\\u00E9"}, "id": 5}', 'UTF-8 input');
  t.notMatch(c.raw, /[^\x00-\x7f]/, 'output is ASCII');
});

t.test('ids are echoed verbatim whatever their type', async (t) => {
  const { sock } = await setup(t);
  const c = await RawConn.connect(sock);
  t.teardown(() => c.close());
  await c.negotiate();
  const ids = ['{"a": [1, null, {"b": true}]}', 'null', 'true', 'false', '1.5', '-3', '"s"', '[]', '{}',
    '12345678901234567890123', '18446744073709551615', '9007199254740993', '0.10000000000000001'];
  for (const id of ids) {
    c.send(`{"execute":"query-status","id":${id}}`);
    t.equal(await c.line(), `{"return": {"status": "prelaunch", "singlestep": false, "running": false}, "id": ${id === '12345678901234567890123' ? '1.2345678901234568e+22' : id}}`, id);
  }
  c.send('{"execute":"nonexistent","id":{"x":[2]}}');
  t.equal(await c.line(), '{"id": {"x": [2]}, "error": {"class": "CommandNotFound", "desc": "The command nonexistent has not been found"}}');
});

t.test('parse errors carry no id and the parser resynchronises', async (t) => {
  const { sock } = await setup(t);
  const c = await RawConn.connect(sock);
  t.teardown(() => c.close());
  await c.negotiate();
  const E = (d: string): string => `{"error": {"class": "GenericError", "desc": "JSON parse error, ${d}"}}`;
  c.send('{ "execute": }');
  t.equal(await c.line(), E('expecting value'));
  c.send('{"execute":"query-status" "id":7}');
  t.equal(await c.line(), E('expected separator in dict'));
  c.send('{"execute":"echo","id":1} garbage\n');
  t.same(await c.lines_(2), ['{"return": {}, "id": 1}', E("invalid keyword 'garbage'")]);
  c.send('\x01');
  t.equal(await c.line(), E("stray '\\u0001'"));
  c.send('{"id":NaN}');
  t.same(await c.lines_(2), [E("stray 'N'"), E('expecting value')]);
  c.send('{"execute":"echo","id":"a\\qb"}');
  t.equal(await c.line(), E('invalid escape sequence in string'));
  c.send(Buffer.from('{"execute":"echo","id":"\xc3\x28"}', 'latin1'));
  t.equal(await c.line(), E('invalid UTF-8 sequence in string'));
  c.send('{"execute":"echo","id":4,"id":5}');
  t.equal(await c.line(), E('duplicate key'));
  c.send('{"execute":"echo","id":"abc\n"}');
  t.same(await c.lines_(2), [E("stray '\\\"abc\\n'"), E('expecting value')]);
  c.send('\x01{"execute":"query-status","id":"after"}');
  t.same(await c.lines_(2), [E("stray '\\u0001'"), '{"return": {"status": "prelaunch", "singlestep": false, "running": false}, "id": "after"}'],
    'usable after errors');
});

t.test('the nesting limit', async (t) => {
  const { sock } = await setup(t);
  const c = await RawConn.connect(sock);
  t.teardown(() => c.close());
  await c.negotiate();
  c.send('{"execute":"query-status","id":' + '['.repeat(1000) + '1' + ']'.repeat(1000) + '}');
  const ok = await c.json();
  t.ok('return' in ok, 'depth 1000 accepted');
  c.send('{"execute":"query-status","id":' + '['.repeat(1100) + '1' + ']'.repeat(1100) + '}');
  const lines = await c.lines_(1027);
  t.equal(lines[0], '{"error": {"class": "GenericError", "desc": "JSON nesting depth limit exceeded"}}');
  t.equal(lines[1], '{"error": {"class": "GenericError", "desc": "QMP input must be a JSON object"}}');
  t.ok(lines.slice(2).every((l) => l === '{"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}'));
  t.ok(await c.quiet(100), 'exactly as many errors as QEMU sends');
  c.send('{"execute":"query-status","id":2}');
  t.match(await c.line(), /"id": 2\}$/, 'still usable');
});

t.test('16 concurrent clients x 1000 commands, nothing lost or misrouted', async (t) => {
  const { sock, engine } = await setup(t);
  const clients = await Promise.all(Array.from({ length: 16 }, () => QmpClient.connect(sock, { timeoutMs: 20000 })));
  t.teardown(() => Promise.all(clients.map((c) => c.close())));
  let bad = 0;
  await Promise.all(clients.map(async (c, ci) => {
    // Windows of 50 in flight per client, so sessions interleave on the engine.
    for (let base = 0; base < 1000; base += 50) {
      const batch = Array.from({ length: 50 }, (_, k) => c.execute<{ c: number; i: number }>('echo', { c: ci, i: base + k }));
      const rs = await Promise.all(batch);
      rs.forEach((r, k) => { if (r.c !== ci || r.i !== base + k) bad++; });
    }
  }));
  t.equal(bad, 0);
  t.equal(engine.log.filter((e) => e.name === 'echo').length, 16000);
});

t.test('events go to every negotiated client, never before negotiation', async (t) => {
  const { sock, engine } = await setup(t);
  const a = await QmpClient.connect(sock);
  const b = await QmpClient.connect(sock);
  const raw = await RawConn.connect(sock);
  t.teardown(async () => { raw.close(); await a.close(); await b.close(); });
  t.equal(await raw.line(), GREETING);
  engine.emit('POWERDOWN');
  t.ok(await raw.quiet(100), 'no event before negotiation');
  // An event caused by a command may come before that command's reply.
  await a.execute('cont');
  const ea = await a.waitEvent('RESUME');
  const eb = await b.waitEvent('RESUME');
  t.equal(ea.event, 'RESUME');
  t.same(Object.keys(eb), ['timestamp', 'event']);
  t.same(Object.keys(eb.timestamp), ['seconds', 'microseconds']);
  await a.execute('emit-event', { event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' } });
  const sd = await b.waitEvent('SHUTDOWN');
  t.same(sd.data, { guest: false, reason: 'host-qmp-quit' });
  raw.send('{"execute":"qmp_capabilities"}');
  t.equal(await raw.line(), '{"return": {}}');
  engine.emit('STOP');
  t.match(await raw.line(), /^\{"timestamp": \{"seconds": \d+, "microseconds": \d+\}, "event": "STOP"\}$/);
});

t.test('nothing between the greeting and the qmp_capabilities reply', async (t) => {
  const { sock, engine } = await setup(t);
  const timer = setInterval(() => engine.emit('NOISE'), 1);
  t.teardown(() => clearInterval(timer));
  for (let i = 0; i < 10; i++) {
    const c = await RawConn.connect(sock);
    t.equal(await c.line(), GREETING);
    c.send('{"execute":"qmp_capabilities","arguments":{}}');
    t.equal(await c.line(), '{"return": {}}');
    t.match(await c.line(), /"event": "NOISE"/, 'events flow after the reply');
    c.close();
  }
});

t.test('a client disconnecting mid-command disturbs neither others nor the engine', async (t) => {
  const { sock, engine } = await setup(t);
  const other = await QmpClient.connect(sock);
  t.teardown(() => other.close());
  const c = await RawConn.connect(sock);
  await c.negotiate();
  c.send('{"execute":"sleep","arguments":{"ms":150},"id":1}{"execute":"echo","arguments":{"after":"sleep"},"id":2}');
  await new Promise((r) => setTimeout(r, 20));
  c.close();
  const r = await other.execute('echo', { still: 'here' });
  t.same(r, { still: 'here' });
  t.same(engine.log.slice(-3).map((e) => e.name), ['sleep', 'echo', 'echo'], "the departed client's commands completed in order");
  t.same(await other.execute('query-status'), { status: 'prelaunch', singlestep: false, running: false });
});

t.test('suspended start: connections accepted, greeting only after resume', async (t) => {
  const { sock, listener } = await setup(t, { suspended: true });
  const c = await RawConn.connect(sock);
  t.teardown(() => c.close());
  c.send('{"execute":"qmp_capabilities"}');
  t.ok(await c.quiet(200), 'nothing while suspended');
  listener.resume();
  t.equal(await c.line(), GREETING, 'greeting first');
  t.equal(await c.line(), '{"return": {}}', 'then the reply to input sent while suspended');
  const late = await QmpClient.connect(sock);
  t.teardown(() => late.close());
  t.same(await late.execute('query-status'), { status: 'prelaunch', singlestep: false, running: false }, 'later clients are greeted at once');
});

t.test('unix socket file: mode 0600, stale socket replaced, other files refused', async (t) => {
  const { dir, cleanup } = tmpDir();
  t.teardown(cleanup);
  const engine = createTestEngine();
  const p = path.join(dir, 'a.sock');
  const l1 = await listenUnix(engine, p);
  t.equal(fs.statSync(p).mode & 0o777, 0o600);
  await t.rejects(listenUnix(engine, p), { message: new RegExp(`'${p}'.*listening`) }, 'a live socket is not stolen');
  await l1.close();
  t.notOk(fs.existsSync(p), 'removed on close');
  // A stale socket: its owner died without unlinking it.
  const r = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(p)}, () => process.kill(process.pid, 'SIGKILL'))`], { timeout: 10000 });
  t.equal(r.signal, 'SIGKILL');
  t.ok(fs.lstatSync(p).isSocket(), 'stale socket present');
  const l2 = await listenUnix(engine, p);
  const c = await QmpClient.connect(p);
  t.ok(c.greeting, 'the stale socket was replaced');
  await c.close();
  await l2.close();
  const f = path.join(dir, 'regular');
  fs.writeFileSync(f, 'x');
  await t.rejects(listenUnix(engine, f), { message: new RegExp(`'${f}'.*not a socket`) });
  t.equal(fs.readFileSync(f, 'utf8'), 'x', 'the file is left alone');
});

t.test('TCP on loopback', async (t) => {
  const engine = createTestEngine();
  const l = await listenTcp(engine, { port: 0 });
  t.teardown(() => l.close());
  t.match(l.address, /^127\.0\.0\.1:\d+$/);
  const c = await QmpClient.connect({ port: l.port as number });
  t.same(await c.execute('echo', { x: 1 }), { x: 1 });
  await c.close();
});

t.test('WebSocket round trip, one message per frame, Origin checked', async (t) => {
  const engine = createTestEngine();
  const l = await listenWebSocket(engine, { port: 0 }, { memberOrder: 'qemu' });
  t.teardown(() => l.close());
  t.match(l.address, /^ws:\/\/127\.0\.0\.1:\d+\/$/);
  const ws = new WebSocket(l.address);
  const frames: string[] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (d) => { frames.push(d.toString()); wake?.(); });
  const next = async (): Promise<string> => {
    const deadline = Date.now() + 5000;
    while (frames.length === 0) {
      if (Date.now() > deadline) throw new Error('timeout');
      await new Promise<void>((r) => { const tm = setTimeout(r, 100); wake = () => { clearTimeout(tm); r(); }; });
    }
    return frames.shift() as string;
  };
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  t.equal(await next(), GREETING, 'greeting frame, no CRLF');
  ws.send('{"execute":"qmp_capabilities"}');
  t.equal(await next(), '{"return": {}}');
  ws.send('{"execute":"echo","arguments":{"w":"s"},"id":1}');
  t.equal(await next(), '{"return": {"w": "s"}, "id": 1}');
  ws.close();

  const evil = new WebSocket(l.address, { origin: 'https://evil.example' });
  const status = await new Promise<number | string>((resolve) => {
    evil.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    evil.once('error', (e) => resolve(e.message));
    evil.once('open', () => resolve('opened'));
  });
  t.not(status, 'opened', `a foreign Origin is refused (${status})`);
  const local = new WebSocket(l.address, { origin: 'http://localhost:8080' });
  await new Promise<void>((resolve, reject) => { local.once('open', () => resolve()); local.once('error', reject); });
  local.close();
  t.pass('a loopback Origin is accepted');
});

t.test('client: errors, timeouts, events before replies', async (t) => {
  const { sock } = await setup(t);
  const c = await QmpClient.connect(sock, { timeoutMs: 2000 });
  t.teardown(() => c.close());
  await t.rejects(c.execute('fail', { desc: 'nope', class: 'DeviceNotFound' }), QmpCommandError);
  await c.execute('fail', { desc: 'nope', class: 'DeviceNotFound' }).catch((e: QmpCommandError) => {
    t.equal(e.errorClass, 'DeviceNotFound');
    t.equal(e.desc, 'nope');
  });
  await t.rejects(c.execute('sleep', { ms: 500 }, { timeoutMs: 50 }), { name: 'QmpClientError' });
  await c.execute('cont');
  t.equal((await c.waitEvent('RESUME')).event, 'RESUME', 'event that preceded the reply is found');
  await t.rejects(c.waitEvent('NEVER', { timeoutMs: 50 }), { name: 'QmpClientError' });
  const it = c.events();
  await c.execute('emit-event', { event: 'X1' });
  t.equal((await it.next()).value?.event, 'X1');
  await it.return?.();
});

t.test('stdio transport over a pair of streams', async (t) => {
  const { PassThrough } = await import('node:stream');
  const { attachStdio } = await import('../../src/qmp/server/transports.ts');
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => { text += d.toString('latin1'); });
  const l = attachStdio(createTestEngine(), { input, output }, { suspended: true, memberOrder: 'qemu' });
  t.teardown(() => l.close());
  input.write('{"execute":"qmp_capabilities"}{"execute":"echo","arguments":{"x":1},"id":1}');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(text, '', 'suspended: silent');
  l.resume();
  const deadline = Date.now() + 5000;
  while (text.split('\r\n').length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.equal(text, `${GREETING}\r\n{"return": {}}\r\n{"return": {"x": 1}, "id": 1}\r\n`);
});

t.test('a client that stops sending (half-close) still gets every reply, then the server closes', async (t) => {
  const { sock } = await setup(t);
  const s = net.connect(sock);
  let text = '';
  s.on('data', (d: Buffer) => { text += d.toString('latin1'); });
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.end('{"execute":"qmp_capabilities"}{"execute":"sleep","arguments":{"ms":50},"id":1}{"execute":"echo","arguments":{"a":1},"id":2}');
  const timeout = new Promise<string>((r) => setTimeout(() => r('timeout'), 5000));
  t.not(await Promise.race([closed.then(() => 'closed'), timeout]), 'timeout', 'the server closed the connection');
  t.equal(text, `${GREETING}\r\n{"return": {}}\r\n{"return": {}, "id": 1}\r\n{"return": {"a": 1}, "id": 2}\r\n`);
});
