// The file chardev: output to a host file (truncated, or appended to with append=on), input
// optionally read from another file. Like QEMU the output file is opened first, so a bad input path
// leaves the output file created; input end-of-file is reported to the frontend as 'closed', as
// QEMU's fd chardev does.

import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Readable } from 'node:stream';
import { QmpError } from '../../shared/errors.ts';
import { Chardev, type ChardevFileOptions } from './chardev.ts';
import { strerror } from '../../shared/errno.ts';

export function openError(path: string, e: unknown): QmpError {
  return new QmpError(`Could not open '${path}': ${strerror(e)}`);
}

/** Writes all of `data` to a blocking fd; errors (a full disk) drop the rest, as a UART would. */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) {
    try {
      off += fs.writeSync(fd, data, off, data.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return;
    }
  }
}

/**
 * A paused reader that owns an input fd (destroying it closes the fd, after any read in flight).
 * FIFOs and sockets go through net.Socket so a read never parks a libuv pool thread waiting for a
 * writer; regular files and devices use a file stream.
 */
export function fdReader(fd: number): Readable {
  const st = fs.fstatSync(fd);
  const r: Readable = st.isFIFO() || st.isSocket()
    ? new net.Socket({ fd, readable: true, writable: false })
    : fs.createReadStream('', { fd, autoClose: true });
  r.pause();
  return r;
}

/** Destroys a reader from fdReader and waits until its fd is closed. */
export function destroyReader(r: Readable): Promise<void> {
  r.removeAllListeners('data');
  r.removeAllListeners('end');
  if (r.closed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    r.once('close', () => resolve());
    r.destroy();
  });
}

export class FileChardev extends Chardev {
  readonly kind = 'file' as const;
  readonly opts: ChardevFileOptions;
  private outFd: number | undefined;
  private reader: Readable | undefined;

  constructor(id: string, opts: ChardevFileOptions) {
    super(id, opts);
    if (typeof opts.out !== 'string') throw new QmpError("Parameter 'out' is missing");
    this.opts = opts;
  }

  describe(): string {
    return 'file';
  }

  protected doOpen(): void {
    const { out, append } = this.opts;
    try {
      this.outFd = fs.openSync(out, append ? 'a' : 'w', 0o666);
    } catch (e) {
      throw openError(out, e);
    }
    if (this.opts.in === undefined) return;
    let inFd: number;
    try {
      inFd = fs.openSync(this.opts.in, 'r');
    } catch (e) {
      fs.closeSync(this.outFd);
      this.outFd = undefined;
      throw openError(this.opts.in, e);
    }
    const reader = fdReader(inFd);
    reader.on('data', (chunk: Buffer) => this.deliver(new Uint8Array(chunk)));
    reader.on('end', () => this.emitEvent('closed'));
    reader.on('error', () => undefined);
    this.reader = reader;
  }

  protected override pauseInput(): void {
    this.reader?.pause();
  }

  protected override resumeInput(): void {
    this.reader?.resume();
  }

  protected writeBytes(data: Uint8Array): void {
    if (this.outFd !== undefined) writeAllSync(this.outFd, data);
  }

  protected async doClose(): Promise<void> {
    if (this.reader) await destroyReader(this.reader);
    this.reader = undefined;
    if (this.outFd !== undefined) {
      fs.closeSync(this.outFd);
      this.outFd = undefined;
    }
  }
}
