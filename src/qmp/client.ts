// A typed QMP client for emu and QEMU alike (unix socket or TCP). Used by emu's tests, compat
// tests and benchmarks, and exported for library users as dist/qmp-client.js.
//
// Events can arrive before the reply of the command that caused them (QEMU sends RESUME before
// cont's return), so received events are kept in a backlog that waitEvent() searches first.

import net from 'node:net';
import { QmpError, type QmpErrorClass } from '../shared/errors.ts';
import type { QmpEvent } from './engine.ts';
import { encodeJson } from './wire/encode.ts';

export type { QmpEvent };

export type QmpTarget = string | { path: string } | { host?: string; port: number };

export interface QmpGreeting {
  QMP: { version: { qemu: { major: number; minor: number; micro: number }; package: string }; capabilities: string[] };
}

export interface QmpClientOptions {
  /** Limit for every wait (connect, greeting, each reply, close). Default 10 s. */
  timeoutMs?: number;
  /** Send qmp_capabilities after the greeting (default true). */
  negotiate?: boolean;
  /** Capabilities to enable when negotiating, e.g. ['oob']. */
  enable?: string[];
  /** Events kept for waitEvent() before the oldest are dropped (default 10000). */
  backlog?: number;
}

/** A command failed: the server's error class and text. */
export class QmpCommandError extends QmpError {
  constructor(readonly command: string, desc: string, errorClass: QmpErrorClass) {
    super(desc, errorClass);
    this.name = 'QmpCommandError';
  }
}

/** No answer in time, or the connection went away. */
export class QmpClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QmpClientError';
  }
}

interface Pending {
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

type Message = Record<string, unknown>;

export class QmpClient {
  greeting: QmpGreeting | undefined;
  private readonly sock: net.Socket;
  private readonly timeoutMs: number;
  private readonly backlogMax: number;
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly backlog: QmpEvent[] = [];
  private readonly eventListeners = new Set<(e: QmpEvent) => void>();
  private readonly messageListeners = new Set<(m: Message, line: string) => void>();
  private readonly eventWaiters = new Set<{ match: (e: QmpEvent) => boolean; resolve: (e: QmpEvent) => void }>();
  private greetingWaiter: ((g: QmpGreeting) => void) | undefined;
  private closedErr: Error | undefined;
  private readonly closedPromise: Promise<void>;

  private constructor(sock: net.Socket, opts: QmpClientOptions) {
    this.sock = sock;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.backlogMax = opts.backlog ?? 10_000;
    sock.setNoDelay?.(true);
    sock.on('data', (d: Buffer) => this.onData(d));
    this.closedPromise = new Promise((resolve) => {
      sock.on('close', () => {
        this.shutdown(new QmpClientError('QMP connection closed'));
        resolve();
      });
    });
    sock.on('error', (e) => this.shutdown(new QmpClientError(`QMP connection error: ${e.message}`)));
  }

  /** Connects, waits for the greeting and (by default) negotiates capabilities. */
  static async connect(target: QmpTarget, opts: QmpClientOptions = {}): Promise<QmpClient> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const sock = typeof target === 'string' ? net.connect(target)
      : 'path' in target ? net.connect(target.path)
        : net.connect(target.port, target.host ?? '127.0.0.1');
    await withTimeout(new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    }), timeoutMs, 'connect').catch((e: Error) => {
      sock.destroy();
      throw e instanceof QmpClientError ? e : new QmpClientError(`QMP connect failed: ${e.message}`);
    });
    return QmpClient.attach(sock, opts);
  }

  /** Takes over an already connected socket. */
  static async attach(sock: net.Socket, opts: QmpClientOptions = {}): Promise<QmpClient> {
    const c = new QmpClient(sock, opts);
    try {
      await c.waitGreeting();
      if (opts.negotiate ?? true) {
        await c.execute('qmp_capabilities', opts.enable ? { enable: opts.enable } : undefined);
      }
    } catch (e) {
      sock.destroy();
      throw e;
    }
    return c;
  }

  private waitGreeting(): Promise<QmpGreeting> {
    if (this.greeting) return Promise.resolve(this.greeting);
    return withTimeout(new Promise<QmpGreeting>((resolve, reject) => {
      if (this.closedErr) return reject(this.closedErr);
      this.greetingWaiter = resolve;
      this.closedPromise.then(() => reject(this.closedErr ?? new QmpClientError('QMP connection closed')));
    }), this.timeoutMs, 'greeting');
  }

  /** Runs a command; resolves with its `return`, rejects with QmpCommandError or QmpClientError. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts: { timeoutMs?: number; oob?: boolean } = {}): Promise<T> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    const id = this.nextId++;
    const msg: Message = { [opts.oob ? 'exec-oob' : 'execute']: command };
    if (args !== undefined) msg.arguments = args;
    msg.id = id;
    return new Promise<T>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
      const p: Pending = { command, resolve: resolve as (v: unknown) => void, reject, timer: undefined };
      p.timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QmpClientError(`QMP command '${command}' got no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, p);
      let text: string;
      try {
        text = JSON.stringify(msg);
      } catch {
        // bigint arguments (exact 64-bit values) are beyond JSON.stringify.
        text = encodeJson(msg);
      }
      this.sock.write(text);
    });
  }

  /** Sends bytes as they are (tests of the wire protocol). */
  sendRaw(data: string | Buffer): void {
    this.sock.write(data);
  }

  /** Every message received, parsed, with its line (replies of sendRaw, parse errors...). */
  onMessage(listener: (m: Message, line: string) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  onEvent(listener: (e: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /**
   * The first event matching `what` (a name or a predicate), taken from the backlog if it already
   * arrived — even before the reply of the command that caused it.
   */
  waitEvent(what: string | ((e: QmpEvent) => boolean), opts: { timeoutMs?: number } = {}): Promise<QmpEvent> {
    const match = typeof what === 'string' ? (e: QmpEvent) => e.event === what : what;
    const i = this.backlog.findIndex(match);
    if (i >= 0) return Promise.resolve(this.backlog.splice(i, 1)[0]);
    if (this.closedErr) return Promise.reject(this.closedErr);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    let waiter: { match: (e: QmpEvent) => boolean; resolve: (e: QmpEvent) => void } | undefined;
    const p = new Promise<QmpEvent>((resolve, reject) => {
      waiter = { match, resolve };
      this.eventWaiters.add(waiter);
      this.closedPromise.then(() => reject(this.closedErr));
    });
    return withTimeout(p, timeoutMs, `event ${typeof what === 'string' ? what : '(predicate)'}`)
      .finally(() => { if (waiter) this.eventWaiters.delete(waiter); });
  }

  /** Events received and not yet taken by waitEvent(). */
  get pendingEvents(): readonly QmpEvent[] {
    return this.backlog;
  }

  clearEvents(): void {
    this.backlog.length = 0;
  }

  /** Events from now on, as an async iterator (each `next()` bounded by the client timeout). */
  events(opts: { timeoutMs?: number } = {}): AsyncIterableIterator<QmpEvent> {
    const queue: QmpEvent[] = [];
    let wake: (() => void) | undefined;
    const off = this.onEvent((e) => { queue.push(e); wake?.(); });
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const it: AsyncIterableIterator<QmpEvent> = {
      next: async () => {
        if (queue.length === 0) {
          if (this.closedErr) { off(); return { done: true, value: undefined }; }
          await withTimeout(new Promise<void>((resolve) => {
            wake = resolve;
            this.closedPromise.then(() => resolve());
          }), timeoutMs, 'next event').finally(() => { wake = undefined; });
        }
        const e = queue.shift();
        if (e === undefined) { off(); return { done: true, value: undefined }; }
        return { done: false, value: e };
      },
      return: async () => { off(); return { done: true, value: undefined }; },
      [Symbol.asyncIterator]() { return it; },
    };
    return it;
  }

  /** Resolves when the connection has closed (for any reason). */
  get closed(): Promise<void> {
    return this.closedPromise;
  }

  /** Closes the connection; pending commands are rejected. */
  async close(): Promise<void> {
    if (!this.sock.destroyed) this.sock.end();
    const t = setTimeout(() => this.sock.destroy(), this.timeoutMs);
    await this.closedPromise;
    clearTimeout(t);
  }

  private shutdown(err: Error): void {
    if (this.closedErr) return;
    this.closedErr = err;
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    if (!this.sock.destroyed) this.sock.destroy();
  }

  private onData(d: Buffer): void {
    this.buf += d.toString('latin1');
    let start = 0;
    for (;;) {
      const nl = this.buf.indexOf('\n', start);
      if (nl < 0) break;
      const line = this.buf.slice(start, this.buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
      start = nl + 1;
      if (line.length > 0) this.onLine(line);
    }
    this.buf = start === this.buf.length ? '' : this.buf.slice(start);
  }

  private onLine(line: string): void {
    let m: Message;
    try {
      m = JSON.parse(line) as Message;
    } catch {
      this.shutdown(new QmpClientError(`QMP server sent something that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    for (const l of this.messageListeners) l(m, line);
    if (typeof m.event === 'string') {
      const ev = m as unknown as QmpEvent;
      for (const w of this.eventWaiters) {
        if (w.match(ev)) {
          this.eventWaiters.delete(w);
          w.resolve(ev);
          for (const l of this.eventListeners) l(ev);
          return;
        }
      }
      this.backlog.push(ev);
      if (this.backlog.length > this.backlogMax) this.backlog.shift();
      for (const l of this.eventListeners) l(ev);
      return;
    }
    if (m.QMP !== undefined && this.greeting === undefined) {
      this.greeting = m as unknown as QmpGreeting;
      this.greetingWaiter?.(this.greeting);
      this.greetingWaiter = undefined;
      return;
    }
    if (typeof m.id !== 'number') return; // not ours (raw traffic); listeners have seen it
    const p = this.pending.get(m.id);
    if (!p) return; // spec: drop replies with unknown ids
    this.pending.delete(m.id);
    if (p.timer) clearTimeout(p.timer);
    if ('return' in m) {
      p.resolve(m.return);
    } else {
      const err = (m.error ?? {}) as { class?: string; desc?: string };
      p.reject(new QmpCommandError(p.command, String(err.desc ?? 'malformed error reply'), (err.class ?? 'GenericError') as QmpErrorClass));
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QmpClientError(`QMP ${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
