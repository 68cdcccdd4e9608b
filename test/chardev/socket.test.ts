import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import t from 'tap';
import { QmpError } from '../../src/shared/errors.ts';
import { createChardev, openChardev, SocketChardev } from '../../src/hw/chardev/index.ts';
import { Recorder, tick, tmpdir, waitFor, withTimeout } from './helpers.ts';

const dir = tmpdir('emu-chs-');
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A plain client socket that records what it receives. */
async function dial(opts: net.NetConnectOpts): Promise<{ sock: net.Socket; got: () => string; closed: () => boolean }> {
  const sock = net.connect(opts);
  let data = '';
  let closed = false;
  sock.on('data', (d) => { data += d.toString('latin1'); });
  sock.on('close', () => { closed = true; });
  sock.on('error', () => undefined);
  await withTimeout(new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  }), 'connect');
  return { sock, got: () => data, closed: () => closed };
}

/** A plain listening socket standing in for a peer program. */
async function listen(opts: net.ListenOptions): Promise<{ server: net.Server; conns: net.Socket[]; got: () => string }> {
  const conns: net.Socket[] = [];
  let data = '';
  const server = net.createServer((s) => {
    conns.push(s);
    s.on('data', (d) => { data += d.toString('latin1'); });
    s.on('error', () => undefined);
  });
  await withTimeout(new Promise<void>((resolve) => server.listen(opts, () => resolve())), 'listen');
  return { server, conns, got: () => data };
}

async function closeServer(server: net.Server, conns: net.Socket[]): Promise<void> {
  for (const c of conns) c.destroy();
  await withTimeout(new Promise<void>((r) => server.close(() => r())), 'server close');
}

const unixServer = (p: string) => ({
  type: 'socket' as const, data: { addr: { type: 'unix' as const, data: { path: p } }, server: true, wait: false },
});
const tcpServer = (host: string, port: string) => ({
  type: 'socket' as const, data: { addr: { type: 'inet' as const, data: { host, port } }, server: true, wait: false },
});

t.test('unix server: describe, both directions, one client at a time', async (t) => {
  const p = path.join(dir, 's0.sock');
  const chr = createChardev('s0', unixServer(p)) as SocketChardev;
  t.equal(chr.describe(), `disconnected:unix:${p},server=on`);
  const fe = new Recorder().attachTo(chr);
  await withTimeout(chr.open(), 'open');
  t.ok(fs.statSync(p).isSocket());
  t.equal(chr.connected, false);
  chr.write('dropped: nobody is connected');

  const a = await dial({ path: p });
  await withTimeout(chr.firstConnection, 'first connection');
  await waitFor(() => chr.connected, 'connected');
  t.equal(chr.describe(), `unix:${p},server=on`);
  t.same(fe.events, ['opened']);
  a.sock.write('from a');
  await waitFor(() => fe.text === 'from a', 'input from a');
  chr.write('to a');
  await waitFor(() => a.got() === 'to a', 'output to a');

  // A second client waits, unread, until the first leaves.
  const b = await dial({ path: p });
  b.sock.write('from b');
  await tick(50);
  t.equal(fe.text, 'from a', 'b is not read while a is connected');
  a.sock.destroy();
  await waitFor(() => fe.events.length === 3, 'closed then opened');
  t.same(fe.events, ['opened', 'closed', 'opened']);
  await waitFor(() => fe.text === 'from afrom b', 'b served after a left');
  chr.write('to b');
  await waitFor(() => b.got() === 'to b', 'output to b');
  t.equal(a.got(), 'to a', 'a got nothing more');

  b.sock.destroy();
  await waitFor(() => !chr.connected, 'disconnected');
  t.equal(chr.describe(), `disconnected:unix:${p},server=on`);

  // Reconnect: a new client is served like the first.
  const c = await dial({ path: p });
  await waitFor(() => chr.connected, 'c connected');
  chr.write('to c');
  await waitFor(() => c.got() === 'to c', 'output to c');
  chr.disconnect();
  await waitFor(() => c.closed(), 'c disconnected by the chardev');

  await chr.close();
  await chr.close();
  t.notOk(fs.existsSync(p), 'socket file removed on close');
});

t.test('unix server replaces a stale socket file, like QEMU', async (t) => {
  const p = path.join(dir, 'stale.sock');
  const first = await openChardev('a', unixServer(p));
  const second = await openChardev('b', unixServer(p));
  t.equal(second.describe(), `disconnected:unix:${p},server=on`);
  const s = await dial({ path: p });
  await waitFor(() => second.connected, 'the newer listener serves');
  t.equal(first.connected, false);
  s.sock.destroy();
  await first.close();
  await second.close();
});

t.test('tcp server: bound address in describe, connected form with both ends', async (t) => {
  const chr = await openChardev('t0', tcpServer('127.0.0.1', '0')) as SocketChardev;
  const port = chr.port!;
  t.ok(port > 0);
  t.equal(chr.describe(), `disconnected:tcp:127.0.0.1:${port},server=on`);
  const fe = new Recorder().attachTo(chr);
  const a = await dial({ host: '127.0.0.1', port });
  await waitFor(() => chr.connected, 'connected');
  t.equal(chr.describe(), `tcp:127.0.0.1:${port},server=on <-> 127.0.0.1:${a.sock.localPort}`);
  a.sock.write('ping');
  await waitFor(() => fe.text === 'ping', 'input');
  chr.write('pong');
  await waitFor(() => a.got() === 'pong', 'output');
  a.sock.end();
  await waitFor(() => !chr.connected, 'disconnected');
  t.equal(chr.describe(), `disconnected:tcp:127.0.0.1:${port},server=on`);
  await chr.close();
  // The port is free again.
  const again = await openChardev('t1', tcpServer('127.0.0.1', String(port)));
  await again.close();
});

t.test('tcp server: localhost is shown resolved; a port in use fails as in QEMU', async (t) => {
  const chr = await openChardev('t2', tcpServer('localhost', '0')) as SocketChardev;
  t.match(chr.describe(), /^disconnected:tcp:(127\.0\.0\.1|::1):\d+,server=on$/);
  const busy = chr.port!;
  const host = chr.describe().includes('::1') ? '::1' : '127.0.0.1';
  await t.rejects(openChardev('t3', tcpServer(host, String(busy))),
    new QmpError('Failed to find an available port: Address already in use'));
  // A port range moves on to the next free port.
  const ranged = await openChardev('t4', {
    type: 'socket', data: { addr: { type: 'inet', data: { host, port: String(busy), to: busy + 20 } }, server: true, wait: false },
  }) as SocketChardev;
  t.ok(ranged.port! > busy && ranged.port! <= busy + 20);
  await ranged.close();
  await chr.close();
});

t.test('tcp server on ::1 (when the host has IPv6)', async (t) => {
  let chr: SocketChardev;
  try {
    chr = await openChardev('t6', tcpServer('::1', '0')) as SocketChardev;
  } catch {
    t.pass('no IPv6 loopback on this host');
    return;
  }
  const port = chr.port!;
  t.equal(chr.describe(), `disconnected:tcp:::1:${port},server=on`);
  const a = await dial({ host: '::1', port });
  await waitFor(() => chr.connected, 'connected');
  t.equal(chr.describe(), `tcp:[::1]:${port},server=on <-> [::1]:${a.sock.localPort}`);
  a.sock.destroy();
  await chr.close();
});

t.test('tcp client: describe, data, failure texts', async (t) => {
  const peer = await listen({ host: '127.0.0.1', port: 0 });
  const port = (peer.server.address() as net.AddressInfo).port;
  const chr = createChardev('c0', {
    type: 'socket', data: { addr: { type: 'inet', data: { host: '127.0.0.1', port: String(port) } }, server: false },
  }) as SocketChardev;
  t.equal(chr.describe(), `disconnected:tcp:127.0.0.1:${port}`);
  const fe = new Recorder().attachTo(chr);
  await withTimeout(chr.open(), 'open');
  t.ok(chr.connected, 'connected when open() resolves');
  await waitFor(() => peer.conns.length === 1, 'accepted');
  const local = peer.conns[0].remotePort;
  t.equal(chr.describe(), `tcp:127.0.0.1:${local} <-> 127.0.0.1:${port}`);
  await waitFor(() => fe.events.length === 1, 'opened');
  t.same(fe.events, ['opened']);
  chr.write('hello');
  await waitFor(() => peer.got() === 'hello', 'output');
  peer.conns[0].write('back');
  await waitFor(() => fe.text === 'back', 'input');
  // Without reconnect a lost connection stays lost.
  peer.conns[0].destroy();
  await waitFor(() => !chr.connected, 'disconnected');
  t.equal(chr.describe(), `disconnected:tcp:127.0.0.1:${port}`);
  t.same(fe.events, ['opened', 'closed']);
  await closeServer(peer.server, peer.conns);
  await chr.close();

  // A port nobody listens on (the one just released).
  await t.rejects(openChardev('c1', {
    type: 'socket', data: { addr: { type: 'inet', data: { host: '127.0.0.1', port: String(port) } }, server: false },
  }), new QmpError(`Failed to connect to '127.0.0.1:${port}': Connection refused`));
});

t.test('unix client: describe is "unix:" when connected', async (t) => {
  const p = path.join(dir, 'peer.sock');
  const peer = await listen({ path: p });
  const chr = await openChardev('u0', {
    type: 'socket', data: { addr: { type: 'unix', data: { path: p } }, server: false },
  });
  t.equal(chr.describe(), 'unix:');
  await waitFor(() => peer.conns.length === 1, 'accepted');
  peer.conns[0].destroy();
  await waitFor(() => !chr.connected, 'disconnected');
  t.equal(chr.describe(), `disconnected:unix:${p}`);
  await chr.close();
  await closeServer(peer.server, peer.conns);
  await t.rejects(openChardev('u1', {
    type: 'socket', data: { addr: { type: 'unix', data: { path: path.join(dir, 'none.sock') } }, server: false },
  }), new QmpError(`Failed to connect to '${path.join(dir, 'none.sock')}': No such file or directory`));
});

t.test('client reconnect', async (t) => {
  const p = path.join(dir, 'later.sock');
  const reports: string[] = [];
  const chr = await openChardev('r0', {
    type: 'socket', data: { addr: { type: 'unix', data: { path: p } }, server: false, reconnect: 1 },
  }, { report: (m) => reports.push(m) }) as SocketChardev;
  t.equal(chr.connected, false, 'open() succeeds while the peer is missing');
  t.same(reports, [`Unable to connect character device r0: Failed to connect to '${p}': No such file or directory`]);
  const fe = new Recorder().attachTo(chr);
  const peer = await listen({ path: p });
  await withTimeout(chr.firstConnection, 'reconnected', 4000);
  t.equal(chr.describe(), 'unix:');
  await waitFor(() => peer.conns.length === 1, 'accepted');
  peer.conns[0].write('1');
  await waitFor(() => fe.text === '1', 'input 1');
  peer.conns[0].destroy();
  await waitFor(() => peer.conns.length === 2, 'connected again after the peer hung up', 4000);
  peer.conns[1].write('2');
  await waitFor(() => fe.text === '12', 'input 2');
  t.same(fe.events, ['opened', 'closed', 'opened']);
  t.equal(reports.length, 1, 'a failure is reported once');
  await chr.close();
  await closeServer(peer.server, peer.conns);
});

t.test('input waits while the frontend has no room, and without a frontend', async (t) => {
  const p = path.join(dir, 'flow.sock');
  const chr = await openChardev('f0', unixServer(p));
  const a = await dial({ path: p });
  await waitFor(() => chr.connected, 'connected');
  a.sock.write('before any frontend');
  await tick(30);
  const fe = new Recorder(5).attachTo(chr);
  await waitFor(() => fe.text === 'befor', 'first 5 bytes');
  fe.grant(100);
  await waitFor(() => fe.text === 'before any frontend', 'the rest');
  t.pass('all input delivered in order');
  a.sock.destroy();
  await chr.close();
});

t.test('wait=on: firstConnection; close before a client rejects it', async (t) => {
  const p = path.join(dir, 'wait.sock');
  const chr = await openChardev('w0', { ...unixServer(p), data: { ...unixServer(p).data, wait: true } }) as SocketChardev;
  t.equal(chr.waitRequested, true);
  let settled = false;
  void chr.firstConnection.then(() => { settled = true; });
  await tick(20);
  t.equal(settled, false);
  const a = await dial({ path: p });
  await withTimeout(chr.firstConnection, 'first client');
  a.sock.destroy();
  await chr.close();

  const lonely = await openChardev('w1', unixServer(path.join(dir, 'w1.sock'))) as SocketChardev;
  await lonely.close();
  await t.rejects(lonely.firstConnection, new QmpError("Chardev 'w1' was closed before a peer connected"));
});

t.test('option and address errors carry QEMU 7.2 texts', async (t) => {
  const unix = { type: 'unix' as const, data: { path: path.join(dir, 'x.sock') } };
  t.throws(() => createChardev('e', { type: 'socket', data: { addr: unix, server: true, reconnect: 1 } }),
    new QmpError("'reconnect' option is incompatible with socket in server listen mode"));
  t.throws(() => createChardev('e', { type: 'socket', data: { addr: unix, server: false, wait: false } }),
    new QmpError("'wait' option is incompatible with socket in client connect mode"));
  const long = `/tmp/${'x'.repeat(200)}`;
  t.throws(() => createChardev('e', { type: 'socket', data: { addr: { type: 'unix', data: { path: long } } } }),
    new QmpError(`UNIX socket path '${long}' is too long`));
  t.throws(() => createChardev('e', tcpServer('127.0.0.1', 'bogus')),
    new QmpError('address resolution failed for 127.0.0.1:bogus: Servname not supported for ai_socktype'));
  t.throws(() => createChardev('e', { type: 'socket', data: { addr: { type: 'fd', data: { str: '99' } } } } as never),
    new QmpError("File descriptor named '99' has not been found"));
  await t.rejects(openChardev('e', unixServer('/nonexistent-dir/a.sock')),
    new QmpError('Failed to bind socket to /nonexistent-dir/a.sock: No such file or directory'));
  await t.rejects(openChardev('e', {
    type: 'socket', data: { addr: { type: 'inet', data: { host: 'nonexistent.invalid', port: '45690' } }, server: false },
  }), new QmpError('address resolution failed for nonexistent.invalid:45690: Name or service not known'));
  // QMP's defaults: server on, wait off.
  const d = createChardev('d', { type: 'socket', data: { addr: unix } }) as SocketChardev;
  t.equal(d.isServer, true);
  t.equal(d.waitRequested, false);
  await d.close();
});

t.test('abstract unix sockets', async (t) => {
  const name = `emu-test-${process.pid}`;
  const chr = await openChardev('ab', {
    type: 'socket', data: { addr: { type: 'unix', data: { path: name, abstract: true } }, server: true, wait: false },
  });
  t.equal(chr.describe(), `disconnected:unix:${name},abstract=on,tight=on,server=on`);
  const a = await dial({ path: `\0${name}` });
  await waitFor(() => chr.connected, 'connected');
  t.equal(chr.describe(), 'unix:,server=on');
  a.sock.destroy();
  await chr.close();
});

t.test('telnet server: QEMU 7.2 negotiation bytes, IAC filtering, describe', async (t) => {
  const chr = await openChardev('tn', {
    type: 'socket', data: { addr: { type: 'inet', data: { host: '127.0.0.1', port: '0' } }, server: true, wait: false, telnet: true },
  }) as SocketChardev;
  const port = chr.port!;
  t.equal(chr.describe(), `disconnected:telnet:127.0.0.1:${port},server=on`);
  const fe = new Recorder().attachTo(chr);
  const a = await dial({ host: '127.0.0.1', port });
  await waitFor(() => a.got().length >= 12, 'negotiation');
  t.same([...Buffer.from(a.got(), 'latin1')], [0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03, 0xff, 0xfb, 0x00, 0xff, 0xfd, 0x00]);
  t.equal(chr.describe(), `telnet:127.0.0.1:${port},server=on <-> 127.0.0.1:${a.sock.localPort}`);
  // As observed through QEMU's monitor: "in" IAC IAC "o" IAC NOP "fo" arrives as "in\xffoo".
  a.sock.write(Buffer.from([0xff, 0xfd, 0x01, 0xff, 0xfb, 0x03, 0x69, 0x6e, 0xff, 0xff, 0x6f, 0xff, 0xf1, 0x66, 0x6f]));
  await waitFor(() => fe.text === 'in\xffo' + 'o', 'filtered input');
  a.sock.write(Buffer.from([0xff]));
  await tick(20);
  a.sock.write(Buffer.from([0xf3, 0x21]));
  await waitFor(() => fe.text.endsWith('!'), 'after break');
  t.same(fe.events, ['opened', 'break']);
  a.sock.destroy();
  await chr.close();
});
