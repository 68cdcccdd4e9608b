// QMP listeners: unix socket, TCP, stdio, WebSocket. Each accepted connection gets its own
// QmpSession (own negotiation state); all share one engine, so events reach every negotiated
// client. Unlike QEMU's -qmp chardev (one client at a time, backlog 1), one listener serves any
// number of clients at once.

import net from 'node:net';
import fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
// ws is loaded only when a WebSocket listener is opened: it costs start-up time otherwise.
import type { WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { QmpEngine, QmpSessionInfo } from '../engine.ts';
import { QmpError } from '../../shared/errors.ts';
import { QmpSession, type SessionSink } from './session.ts';

export interface QmpListenOptions {
  /**
   * Accept connections but send nothing until resume() — monitors given on the command line wait
   * until the whole command line has been processed.
   */
  suspended?: boolean;
  /** Requests a session reads ahead before it stops reading (default 512). */
  maxInFlight?: number;
  /** See QmpSessionOptions.memberOrder (default 'given'; 'qemu' is byte-identical to QEMU). */
  memberOrder?: 'qemu' | 'given';
}

/** The sessions of one listener, and its suspended state. */
export class QmpSessions {
  private readonly sessions = new Set<QmpSession>();
  private suspendedFlag: boolean;

  constructor(private readonly engine: QmpEngine, private readonly opts: QmpListenOptions = {}) {
    this.suspendedFlag = opts.suspended ?? false;
  }

  get suspended(): boolean { return this.suspendedFlag; }
  get size(): number { return this.sessions.size; }
  [Symbol.iterator](): IterableIterator<QmpSession> { return this.sessions.values(); }

  /** Creates and starts a session writing to `sink`; the caller feeds it input and closes it. */
  open(transport: QmpSessionInfo['transport'], sink: SessionSink): QmpSession {
    const s = new QmpSession(this.engine, sink, {
      transport, suspended: this.suspendedFlag, maxInFlight: this.opts.maxInFlight, memberOrder: this.opts.memberOrder,
    });
    this.sessions.add(s);
    s.start();
    return s;
  }

  /** Serves one byte stream (a socket, or stdin/stdout) until it ends. */
  serveStream(transport: QmpSessionInfo['transport'], input: Readable, output: Writable): QmpSession {
    const pauses = new Set<string>();
    const setPause = (why: string, on: boolean): void => {
      const before = pauses.size;
      if (on) pauses.add(why); else pauses.delete(why);
      if (before === 0 && pauses.size > 0) input.pause();
      else if (before > 0 && pauses.size === 0) input.resume();
    };
    const sink: SessionSink = {
      send(messages) {
        if (output.destroyed || !output.writable) return;
        // The encoder emits ASCII only, so latin1 is exact and skips UTF-8 encoding.
        const ok = output.write(messages.length === 1 ? messages[0] + '\r\n' : messages.join('\r\n') + '\r\n', 'latin1');
        if (!ok) {
          setPause('drain', true);
          output.once('drain', () => setPause('drain', false));
        }
      },
      pauseInput: () => setPause('window', true),
      resumeInput: () => setPause('window', false),
      // A socket whose peer stopped sending is closed once the last reply is out; stdout stays open.
      finished: () => { if (output === (input as unknown)) output.end(); },
    };
    const session = this.open(transport, sink);
    const end = (): void => {
      session.close();
      this.sessions.delete(session);
    };
    input.on('data', (chunk: Buffer | string) => session.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    input.on('end', () => session.endInput());
    input.on('close', end);
    input.on('error', end);
    if (output !== (input as unknown)) {
      output.on('error', end);
      output.on('close', end);
    }
    return session;
  }

  /** Ends the suspended state: every waiting session greets now, later ones at once. */
  resume(): void {
    if (!this.suspendedFlag) return;
    this.suspendedFlag = false;
    for (const s of this.sessions) s.resume();
  }

  forget(s: QmpSession): void {
    s.close();
    this.sessions.delete(s);
  }

  closeAll(): void {
    for (const s of this.sessions) s.close();
    this.sessions.clear();
  }
}

export interface QmpListener {
  readonly kind: 'unix' | 'tcp' | 'websocket' | 'stdio';
  /** Socket path, `host:port`, `ws://host:port/`, or `stdio`. */
  readonly address: string;
  /** The bound port (tcp, websocket). */
  readonly port?: number;
  readonly sessions: QmpSessions;
  /** See QmpListenOptions.suspended. */
  resume(): void;
  /** Stops listening, drops every client, removes the unix socket file. */
  close(): Promise<void>;
}

function wireSocket(sessions: QmpSessions, transport: QmpSessionInfo['transport'], sock: net.Socket): void {
  sock.setNoDelay?.(true);
  sock.on('error', () => { /* a vanished client is routine; the session closes on 'close' */ });
  sessions.serveStream(transport, sock, sock);
}

async function listenServer(server: net.Server, listen: () => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolve();
    });
    listen();
  });
}

/**
 * Stops accepting, then ends every connection once what was written to it (such as the reply to
 * `quit`) has been handed to the kernel; a peer that does not read gets a short grace period.
 */
async function closeServer(server: net.Server, sockets: Set<net.Socket>, graceMs = 200): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all([...sockets].map((s) => new Promise<void>((resolve) => {
    if (s.destroyed) return resolve();
    const done = (): void => { clearTimeout(timer); s.destroy(); resolve(); };
    const timer = setTimeout(done, graceMs);
    timer.unref();
    s.once('finish', done);
    s.once('close', done);
    s.end();
  })));
  await closed;
}

/** Is somebody accepting connections on this unix socket? */
function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(path);
    const timer = setTimeout(() => { c.destroy(); resolve(true); }, 1000);
    c.once('connect', () => { clearTimeout(timer); c.destroy(); resolve(true); });
    c.once('error', () => { clearTimeout(timer); resolve(false); });
  });
}

/**
 * Listens on a unix socket created with mode 0600. A stale socket (nobody listening) at `path` is
 * replaced; a live one, or any other kind of file, is an error naming the path.
 */
export async function listenUnix(engine: QmpEngine, path: string, opts: QmpListenOptions = {}): Promise<QmpListener> {
  let st: fs.Stats | undefined;
  try { st = fs.lstatSync(path); } catch { st = undefined; }
  if (st) {
    if (!st.isSocket()) throw new QmpError(`Failed to create QMP socket '${path}': the path exists and is not a socket`);
    if (await socketAlive(path)) throw new QmpError(`Failed to create QMP socket '${path}': another process is listening on it`);
    fs.unlinkSync(path);
  }
  const sessions = new QmpSessions(engine, opts);
  const sockets = new Set<net.Socket>();
  // Half-open: a client that shuts down its sending side still gets its replies.
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    wireSocket(sessions, 'unix', sock);
  });
  // The socket file is created by bind() inside listen(); a restrictive umask around it means it
  // never exists with wider permissions, not even for an instant.
  try {
    await listenServer(server, () => {
      const old = process.umask(0o177);
      try { server.listen(path); } finally { process.umask(old); }
    });
  } catch (e) {
    throw new QmpError(`Failed to create QMP socket '${path}': ${(e as Error).message}`);
  }
  fs.chmodSync(path, 0o600);
  const ino = fs.statSync(path).ino;
  return {
    kind: 'unix',
    address: path,
    sessions,
    resume: () => sessions.resume(),
    async close() {
      sessions.closeAll();
      await closeServer(server, sockets);
      // Only remove the file if it is still ours.
      try { if (fs.lstatSync(path).ino === ino) fs.unlinkSync(path); } catch { /* already gone */ }
    },
  };
}

/** Listens on TCP; loopback unless the caller names another address. */
export async function listenTcp(engine: QmpEngine, where: { host?: string; port: number }, opts: QmpListenOptions = {}): Promise<QmpListener> {
  const host = where.host ?? '127.0.0.1';
  const sessions = new QmpSessions(engine, opts);
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    wireSocket(sessions, 'tcp', sock);
  });
  try {
    await listenServer(server, () => server.listen(where.port, host));
  } catch (e) {
    throw new QmpError(`Failed to listen for QMP on ${host}:${where.port}: ${(e as Error).message}`);
  }
  const addr = server.address() as net.AddressInfo;
  return {
    kind: 'tcp',
    address: `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`,
    port: addr.port,
    sessions,
    resume: () => sessions.resume(),
    async close() {
      sessions.closeAll();
      await closeServer(server, sockets);
    },
  };
}

/** QMP on a pair of streams (default: this process's stdin and stdout). */
export function attachStdio(engine: QmpEngine, io: { input?: Readable; output?: Writable } = {}, opts: QmpListenOptions = {}): QmpListener {
  const input = io.input ?? process.stdin;
  const output = io.output ?? process.stdout;
  const sessions = new QmpSessions(engine, opts);
  const session = sessions.serveStream('stdio', input, output);
  return {
    kind: 'stdio',
    address: 'stdio',
    sessions,
    resume: () => sessions.resume(),
    async close() {
      sessions.forget(session);
      input.pause();
    },
  };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Default Origin policy: no Origin (non-browser clients) or a page served from this machine. */
export function isLoopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined || origin === '') return true;
  try {
    const host = new URL(origin).hostname;
    return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host) || host.endsWith('.localhost');
  } catch {
    return false;
  }
}

export interface WebSocketListenOptions {
  host?: string;
  port: number;
  /** Origins allowed to connect; default: none or loopback (see isLoopbackOrigin). */
  allowedOrigins?: string[] | ((origin: string | undefined) => boolean);
}

/**
 * QMP over WebSocket: one QMP message per text frame in each direction (no CRLF inside frames).
 * Listens on loopback unless another host is named.
 */
export async function listenWebSocket(engine: QmpEngine, where: WebSocketListenOptions, opts: QmpListenOptions = {}): Promise<QmpListener> {
  const host = where.host ?? '127.0.0.1';
  const allowed = where.allowedOrigins;
  const originOk = (origin: string | undefined): boolean =>
    allowed === undefined ? isLoopbackOrigin(origin)
      : typeof allowed === 'function' ? allowed(origin)
        : origin !== undefined && allowed.includes(origin);
  const sessions = new QmpSessions(engine, opts);
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({
    host,
    port: where.port,
    verifyClient: (info: { origin: string; req: IncomingMessage }) => originOk(info.req.headers.origin),
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', (e) => reject(new QmpError(`Failed to listen for QMP WebSocket on ${host}:${where.port}: ${e.message}`)));
  });
  wss.on('connection', (ws: WebSocket) => {
    const sink: SessionSink = {
      send(messages) {
        if (ws.readyState !== ws.OPEN) return;
        for (const m of messages) ws.send(m);
      },
      pauseInput: () => ws.pause(),
      resumeInput: () => ws.resume(),
    };
    const session = sessions.open('websocket', sink);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      session.feed(buf);
    });
    ws.on('close', () => sessions.forget(session));
    ws.on('error', () => sessions.forget(session));
  });
  const addr = wss.address() as net.AddressInfo;
  return {
    kind: 'websocket',
    address: `ws://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}/`,
    port: addr.port,
    sessions,
    resume: () => sessions.resume(),
    async close() {
      sessions.closeAll();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
