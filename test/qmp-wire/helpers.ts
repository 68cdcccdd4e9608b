// Raw-socket helpers for wire tests: every wait is bounded.
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tmpDir(prefix = 'emu-qmp-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A connection that collects CRLF-terminated lines. */
export class RawConn {
  readonly sock: net.Socket;
  private buf = '';
  private lines: string[] = [];
  private waiters: Array<() => void> = [];
  ended = false;
  /** Every byte received, to check terminators and encoding. */
  raw = '';

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (d: Buffer) => {
      const s = d.toString('latin1');
      this.raw += s;
      this.buf += s;
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 2);
      }
      this.wake();
    });
    sock.on('close', () => { this.ended = true; this.wake(); });
    sock.on('error', () => { /* reported through 'close' */ });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(target: string | { port: number; host?: string }, timeoutMs = 5000): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const sock = typeof target === 'string' ? net.connect(target) : net.connect(target.port, target.host ?? '127.0.0.1');
      const timer = setTimeout(() => { sock.destroy(); reject(new Error('connect timeout')); }, timeoutMs);
      sock.once('connect', () => { clearTimeout(timer); resolve(new RawConn(sock)); });
      sock.once('error', (e) => { clearTimeout(timer); reject(e); });
    });
  }

  send(data: string | Buffer): void {
    this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** The next line, or throws after timeoutMs. */
  async line(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.ended) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timeout waiting for a line');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
    return this.lines.shift() as string;
  }

  async json(timeoutMs = 5000): Promise<Record<string, unknown>> {
    return JSON.parse(await this.line(timeoutMs)) as Record<string, unknown>;
  }

  async lines_(n: number, timeoutMs = 5000): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await this.line(timeoutMs));
    return out;
  }

  /** Resolves true if nothing arrives for ms. */
  async quiet(ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.lines.length === 0;
  }

  async negotiate(): Promise<void> {
    await this.line();
    this.send('{"execute":"qmp_capabilities"}');
    const r = await this.line();
    if (r !== '{"return": {}}') throw new Error(`negotiation failed: ${r}`);
  }

  close(): void {
    this.sock.destroy();
  }
}
