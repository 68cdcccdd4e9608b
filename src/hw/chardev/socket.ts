// The socket chardev: a stream socket (unix or TCP), listening (server) or connecting (client).
//
// As in QEMU a socket chardev talks to one peer at a time. QEMU stops accepting while a client is
// connected, so a second client waits in the listen backlog and is served when the first leaves;
// Node cannot stop accepting without closing the listener, so emu accepts the second client and
// holds it, unread, in a queue — the same behaviour as seen from the second client.
//
// wait=on is recorded (waitRequested) but not acted on here: whether the machine waits for the
// first client is the front end's decision, and `firstConnection` is what it waits on.
//
// A client with reconnect=N retries every N seconds while disconnected; its first failure is
// reported once (QEMU: "Unable to connect character device c0: …") and open() succeeds anyway.
// Without reconnect, a failed connect fails open() and a lost connection is not re-established.

import * as dns from 'node:dns/promises';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { dirname } from 'node:path';
import { QmpError } from '../../shared/errors.ts';
import { Chardev, type ChardevSocketOptions, type InetSocketAddress, type UnixSocketAddress } from './chardev.ts';
import { gaiStrerror, strerror } from '../../shared/errno.ts';

export interface SocketHost {
  /** Where connection failures of a reconnecting client are reported (default: stderr). */
  report?: (message: string) => void;
}

/** Output queued for a peer that does not read beyond this is dropped, as a full UART line drops. */
const MAX_QUEUED_OUTPUT = 1 << 20;

const UNIX_PATH_MAX = 108;

const IAC = 0xff;
const IAC_BREAK = 0xf3;
/** What QEMU 7.2 sends a telnet client first: WILL ECHO, WILL SUPPRESS-GO-AHEAD, WILL/DO BINARY. */
const TELNET_INIT = Uint8Array.of(0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03, 0xff, 0xfb, 0x00, 0xff, 0xfd, 0x00);

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function closeSocket(s: net.Socket): Promise<void> {
  if (s.closed) return Promise.resolve();
  return new Promise((resolve) => {
    s.once('close', () => resolve());
    s.destroy();
  });
}

/** libuv reports every failed unix bind() as EACCES (for Windows' sake); recover the usual case. */
function bindErrno(path: string, e: unknown): unknown {
  if ((e as NodeJS.ErrnoException).code !== 'EACCES') return e;
  try {
    fs.statSync(dirname(path));
  } catch (se) {
    return se;
  }
  return e;
}

function listenOn(server: net.Server, opts: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(opts);
  });
}

function connectTo(opts: net.NetConnectOpts): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(opts);
    s.pause();
    const onError = (e: Error): void => {
      s.destroy();
      reject(e);
    };
    s.once('error', onError);
    s.once('connect', () => {
      s.off('error', onError);
      resolve(s);
    });
  });
}

export class SocketChardev extends Chardev {
  readonly kind = 'socket' as const;
  readonly opts: ChardevSocketOptions;
  readonly isServer: boolean;
  /** wait=on: the front end should hold the machine until firstConnection settles. */
  readonly waitRequested: boolean;
  /** Settles when the first peer connects; rejects if the chardev is closed before that. */
  readonly firstConnection: Promise<void>;
  private resolveFirst!: () => void;
  private rejectFirst!: (e: Error) => void;
  private readonly host: SocketHost;
  private readonly reconnectSeconds: number;
  private server: net.Server | undefined;
  private conn: net.Socket | undefined;
  private readonly backlog: net.Socket[] = [];
  /** The address the server actually listens on (localhost resolved, port 0 chosen). */
  private bound: { host: string; port: number } | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connectErrorReported = false;
  private attempt: Promise<void> | undefined;
  private readonly telnet: boolean;
  /** Where the telnet filter is within an IAC sequence: 0 data, 1 after IAC, 2 option byte next. */
  private iacState = 0;

  constructor(id: string, opts: ChardevSocketOptions, host: SocketHost = {}) {
    super(id, opts);
    this.opts = opts;
    this.host = host;
    const addr = opts.addr as unknown as { type: string; data: Record<string, unknown> } | undefined;
    if (addr?.type === 'fd') {
      throw new QmpError(`File descriptor named '${String(addr.data?.str)}' has not been found`);
    }
    if (addr?.type !== 'unix' && addr?.type !== 'inet') {
      throw new QmpError(`emu's socket chardev has no address type '${String(addr?.type)}'; use 'unix' or 'inet'`);
    }
    this.isServer = opts.server ?? true;
    if (this.isServer) {
      if (opts.reconnect !== undefined) {
        throw new QmpError("'reconnect' option is incompatible with socket in server listen mode");
      }
    } else if (opts.wait !== undefined) {
      throw new QmpError("'wait' option is incompatible with socket in client connect mode");
    }
    this.telnet = opts.telnet ?? false;
    this.waitRequested = this.isServer && (opts.wait ?? false);
    this.reconnectSeconds = opts.reconnect ?? 0;
    if (this.reconnectSeconds < 0) throw new QmpError("Parameter 'reconnect' expects a non-negative number");
    if (opts.addr.type === 'unix') {
      const { path, abstract } = opts.addr.data;
      if (Buffer.byteLength(path) > UNIX_PATH_MAX - (abstract ? 1 : 0)) {
        throw new QmpError(`UNIX socket path '${path}' is too long`);
      }
      if (abstract && opts.addr.data.tight === false) {
        throw new QmpError("emu supports abstract unix sockets only with tight=on");
      }
    } else {
      const { host: h, port } = opts.addr.data;
      if (!/^\d+$/.test(port) || Number(port) > 65535) {
        throw new QmpError(`address resolution failed for ${h}:${port}: Servname not supported for ai_socktype`);
      }
    }
    this.firstConnection = new Promise<void>((resolve, reject) => {
      this.resolveFirst = resolve;
      this.rejectFirst = reject;
    });
    // Nobody may be waiting (wait=off); a rejection on close must not be reported as unhandled.
    this.firstConnection.catch(() => undefined);
  }

  private get protocol(): string {
    return this.telnet ? 'telnet' : 'tcp';
  }

  override get connected(): boolean {
    return this.conn !== undefined;
  }

  /** The port a TCP server listens on (useful with port 0). */
  get port(): number | undefined {
    if (this.bound) return this.bound.port;
    return this.opts.addr.type === 'inet' ? Number(this.opts.addr.data.port) : undefined;
  }

  describe(): string {
    const server = this.isServer ? ',server=on' : '';
    const c = this.conn;
    if (c) {
      if (this.opts.addr.type === 'unix') {
        // QEMU prints the local sun_path as a C string: a client's is unnamed, an abstract one
        // starts with NUL; both come out empty.
        const local = this.isServer && !this.opts.addr.data.abstract ? this.opts.addr.data.path : '';
        return `unix:${local}${server}`;
      }
      return `${this.protocol}:${bracket(c.localAddress ?? '')}:${c.localPort ?? ''}${server} <-> `
        + `${bracket(c.remoteAddress ?? '')}:${c.remotePort ?? ''}`;
    }
    if (this.opts.addr.type === 'unix') {
      const a = this.opts.addr.data;
      const abs = a.abstract ? `,abstract=on${a.tight ?? true ? ',tight=on' : ''}` : '';
      return `disconnected:unix:${a.path}${abs}${server}`;
    }
    const host = this.bound?.host ?? this.opts.addr.data.host;
    const port = this.bound?.port ?? this.opts.addr.data.port;
    return `disconnected:${this.protocol}:${host}:${port}${server}`;
  }

  // ---- opening ----

  protected async doOpen(): Promise<void> {
    if (this.isServer) {
      if (this.opts.addr.type === 'unix') await this.listenUnix(this.opts.addr.data);
      else await this.listenInet(this.opts.addr.data);
      return;
    }
    try {
      await this.connectOnce();
    } catch (e) {
      if (this.reconnectSeconds <= 0) throw e;
      this.reportConnectError(e);
      this.scheduleReconnect();
    }
  }

  private newServer(): net.Server {
    const server = net.createServer({ pauseOnConnect: true }, (s) => this.incoming(s));
    return server;
  }

  private async listenUnix(a: UnixSocketAddress): Promise<void> {
    const server = this.newServer();
    if (a.abstract) {
      try {
        await listenOn(server, { path: `\0${a.path}` });
      } catch (e) {
        throw new QmpError(`Failed to bind socket to ${a.path}: ${strerror(e)}`);
      }
    } else {
      // QEMU removes whatever is at the path first, so a stale socket from a crashed run is no obstacle.
      try {
        fs.unlinkSync(a.path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') {
          throw new QmpError(`Failed to unlink socket ${a.path}: ${strerror(e)}`);
        }
      }
      try {
        await listenOn(server, { path: a.path });
      } catch (e) {
        throw new QmpError(`Failed to bind socket to ${a.path}: ${strerror(bindErrno(a.path, e))}`);
      }
    }
    this.server = server;
  }

  private async resolve(a: InetSocketAddress, passive: boolean): Promise<string[]> {
    const family = a.ipv4 && !a.ipv6 ? 4 : a.ipv6 && !a.ipv4 ? 6 : 0;
    if (a.host === '' && passive) return [family === 6 ? '::' : '0.0.0.0'];
    const host = a.host === '' ? 'localhost' : a.host;
    try {
      const found = await dns.lookup(host, { all: true, family, verbatim: true });
      return found.map((f) => f.address);
    } catch (e) {
      throw new QmpError(`address resolution failed for ${a.host}:${a.port}: ${gaiStrerror(e)}`);
    }
  }

  private async listenInet(a: InetSocketAddress): Promise<void> {
    const addrs = await this.resolve(a, true);
    const first = Number(a.port);
    const last = a.to !== undefined && a.to > first ? a.to : first;
    let lastError: unknown;
    for (let port = first; port <= last; port++) {
      for (const host of addrs) {
        const server = this.newServer();
        try {
          await listenOn(server, { host, port, ipv6Only: host.includes(':') && a.ipv6 === true && a.ipv4 === false });
        } catch (e) {
          lastError = e;
          continue;
        }
        const where = server.address() as net.AddressInfo;
        this.bound = { host: where.address, port: where.port };
        this.server = server;
        return;
      }
    }
    throw new QmpError(`Failed to find an available port: ${strerror(lastError)}`);
  }

  private target(): string {
    const a = this.opts.addr;
    return a.type === 'unix' ? a.data.path : `${a.data.host}:${a.data.port}`;
  }

  private connectOnce(): Promise<void> {
    this.attempt ??= (async () => {
      const a = this.opts.addr;
      let sock: net.Socket | undefined;
      let lastError: unknown;
      if (a.type === 'unix') {
        try {
          sock = await connectTo({ path: a.data.abstract ? `\0${a.data.path}` : a.data.path });
        } catch (e) {
          lastError = e;
        }
      } else {
        for (const host of await this.resolve(a.data, false)) {
          try {
            sock = await connectTo({ host, port: Number(a.data.port) });
            break;
          } catch (e) {
            lastError = e;
          }
        }
      }
      if (!sock) throw new QmpError(`Failed to connect to '${this.target()}': ${strerror(lastError)}`);
      if (this.isClosed) {
        sock.destroy();
        return;
      }
      this.connectErrorReported = false;
      this.adopt(sock);
    })().finally(() => {
      this.attempt = undefined;
    });
    return this.attempt;
  }

  private reportConnectError(e: unknown): void {
    if (this.connectErrorReported) return;
    this.connectErrorReported = true;
    const msg = `Unable to connect character device ${this.id}: ${e instanceof Error ? e.message : String(e)}`;
    if (this.host.report) this.host.report(msg);
    else process.stderr.write(`${msg}\n`);
  }

  private scheduleReconnect(): void {
    if (this.reconnectSeconds <= 0 || this.isClosed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.isClosed || this.conn) return;
      this.connectOnce().catch((e: unknown) => {
        this.reportConnectError(e);
        this.scheduleReconnect();
      });
    }, this.reconnectSeconds * 1000);
  }

  // ---- the peer ----

  private incoming(s: net.Socket): void {
    if (this.isClosed) {
      s.destroy();
      return;
    }
    s.on('error', () => undefined);
    if (this.conn) {
      this.backlog.push(s);
      s.once('close', () => {
        const i = this.backlog.indexOf(s);
        if (i >= 0) this.backlog.splice(i, 1);
      });
      return;
    }
    this.adopt(s);
  }

  private adopt(s: net.Socket): void {
    this.conn = s;
    s.pause();
    if (this.opts.nodelay && this.opts.addr.type === 'inet') s.setNoDelay(true);
    s.on('error', () => undefined);
    s.on('data', (chunk: Buffer) => this.deliver(this.telnet ? this.telnetFilter(chunk) : new Uint8Array(chunk)));
    s.once('close', () => this.lost(s));
    if (this.telnet) {
      this.iacState = 0;
      s.write(TELNET_INIT);
    }
    if (!this.inputIsHeld) s.resume();
    this.resolveFirst();
    this.emitEvent('opened');
  }

  private lost(s: net.Socket): void {
    if (this.conn !== s) return;
    this.conn = undefined;
    this.discardPending();
    if (this.isClosed) return;
    this.emitEvent('closed');
    while (this.backlog.length > 0) {
      const next = this.backlog.shift()!;
      if (next.destroyed || !next.readable) continue;
      this.adopt(next);
      return;
    }
    if (!this.isServer) this.scheduleReconnect();
  }

  // QEMU's telnet input filter: IAC IAC is a literal 0xff, IAC BREAK a 'break' event, and every
  // other command is taken to be three bytes long (so IAC NOP swallows the byte after it, as it
  // does in QEMU).
  private telnetFilter(chunk: Uint8Array): Uint8Array {
    const out = new Uint8Array(chunk.length);
    let n = 0;
    for (const b of chunk) {
      if (this.iacState === 0) {
        if (b === IAC) this.iacState = 1;
        else out[n++] = b;
      } else if (this.iacState === 1) {
        if (b === IAC) {
          out[n++] = b;
          this.iacState = 0;
        } else if (b === IAC_BREAK) {
          this.emitEvent('break');
          this.iacState = 0;
        } else {
          this.iacState = 2;
        }
      } else {
        this.iacState = 0;
      }
    }
    return out.subarray(0, n);
  }

  /** Ends the current connection from this side (a server then serves the next client). */
  disconnect(): void {
    this.conn?.destroy();
  }

  protected override pauseInput(): void {
    this.conn?.pause();
  }

  protected override resumeInput(): void {
    this.conn?.resume();
  }

  protected writeBytes(data: Uint8Array): void {
    const c = this.conn;
    if (!c || !c.writable || c.writableLength > MAX_QUEUED_OUTPUT) return;
    c.write(data);
  }

  protected async doClose(): Promise<void> {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.rejectFirst(new QmpError(`Chardev '${this.id}' was closed before a peer connected`));
    if (this.attempt) await this.attempt.catch(() => undefined);
    const socks = [...this.backlog];
    this.backlog.length = 0;
    if (this.conn) socks.push(this.conn);
    await Promise.all(socks.map(closeSocket));
    this.conn = undefined;
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
