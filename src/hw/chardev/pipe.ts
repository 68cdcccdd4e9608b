// The pipe chardev: a pair of FIFOs PATH.in (input) and PATH.out (output), or, when either is
// missing, the single PATH for both directions — QEMU's rule. Both are opened read-write so that
// opening never blocks waiting for the other end, and both go through non-blocking sockets so a
// FIFO nobody reads never stalls the event loop.

import * as fs from 'node:fs';
import * as net from 'node:net';
import { QmpError } from '../../shared/errors.ts';
import { Chardev, type ChardevHostdevOptions } from './chardev.ts';
import { destroyReader, openError } from './file.ts';

const MAX_QUEUED_OUTPUT = 1 << 20;

export class PipeChardev extends Chardev {
  readonly kind = 'pipe' as const;
  readonly path: string;
  private input: net.Socket | undefined;
  private output: net.Socket | undefined;

  constructor(id: string, opts: ChardevHostdevOptions) {
    super(id, opts);
    if (typeof opts.device !== 'string') throw new QmpError("Parameter 'device' is missing");
    this.path = opts.device;
  }

  describe(): string {
    return 'pipe';
  }

  private static socketFor(fd: number, path: string): net.Socket {
    const st = fs.fstatSync(fd);
    if (!st.isFIFO() && !st.isSocket()) {
      fs.closeSync(fd);
      throw new QmpError(`emu's pipe chardev needs a FIFO: '${path}' is not one`);
    }
    const s = new net.Socket({ fd, readable: true, writable: true });
    s.pause();
    s.on('error', () => undefined);
    return s;
  }

  protected doOpen(): void {
    let inFd: number | undefined;
    let outFd: number | undefined;
    try {
      inFd = fs.openSync(`${this.path}.in`, 'r+');
      outFd = fs.openSync(`${this.path}.out`, 'r+');
    } catch {
      if (inFd !== undefined) fs.closeSync(inFd);
      inFd = outFd = undefined;
    }
    if (inFd === undefined || outFd === undefined) {
      try {
        inFd = fs.openSync(this.path, 'r+');
      } catch (e) {
        throw openError(this.path, e);
      }
      this.input = this.output = PipeChardev.socketFor(inFd, this.path);
    } else {
      try {
        this.input = PipeChardev.socketFor(inFd, `${this.path}.in`);
      } catch (e) {
        fs.closeSync(outFd);
        throw e;
      }
      this.output = PipeChardev.socketFor(outFd, `${this.path}.out`);
    }
    this.input.on('data', (chunk: Buffer) => this.deliver(new Uint8Array(chunk)));
  }

  protected override pauseInput(): void {
    this.input?.pause();
  }

  protected override resumeInput(): void {
    this.input?.resume();
  }

  protected writeBytes(data: Uint8Array): void {
    const out = this.output;
    if (!out || !out.writable || out.writableLength > MAX_QUEUED_OUTPUT) return;
    out.write(data);
  }

  protected async doClose(): Promise<void> {
    const socks = new Set([this.input, this.output]);
    this.input = this.output = undefined;
    for (const s of socks) if (s) await destroyReader(s);
  }
}
