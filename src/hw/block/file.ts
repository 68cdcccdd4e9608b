// The `file` protocol driver: a host file, read and written with synchronous fs calls.
//
// Reads past the end of the host file return zeros, and writes past it extend the file: that is what
// format drivers (qcow2 appends clusters) and sparse raw images rely on. The guest-visible size of a
// `file` node is the host file's size rounded up to 512 bytes (QEMU counts sectors), tracked across
// extending writes.
//
// Of the cache mode only `no-flush` (cache=unsafe) concerns a protocol node; write-through is a
// property of the top of the graph (QEMU's BlockBackend), applied by openImage.

import * as fs from 'node:fs';
import type { BlockDriver, CacheMode } from './driver.ts';
import { cachePolicy, type CachePolicy } from './cache.ts';
import { QmpError } from '../../shared/errors.ts';
import { strerror } from '../../shared/errno.ts';

export interface FileOptions {
  filename: string;
  readOnly?: boolean;
  /**
   * If opening for writing fails because of permissions or a read-only filesystem, fall back to
   * read-only instead of failing (QEMU's auto-read-only=on, which -drive sets). Default false, as
   * for QEMU's -blockdev.
   */
  autoReadOnly?: boolean;
  cache?: CacheMode;
}

/** QEMU's wording for a failed open: `Could not open 'x': <strerror>`. */
export function openError(filename: string, e: unknown): QmpError {
  return new QmpError(`Could not open '${filename}': ${strerror(e)}`);
}

const FALLBACK_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);

export class FileDriver implements BlockDriver {
  readonly format = 'file';
  readonly filename: string;
  readonly readOnly: boolean;
  readonly cache: CacheMode;
  private readonly policy: CachePolicy;
  private fd: number | null;
  private length: number;
  /** Writes since the last fdatasync: as in QEMU (write_gen vs flushed_gen), a flush with nothing
   *  new to sync is skipped, so layered drivers can flush defensively without paying for it. */
  private unsynced = false;

  constructor(opts: FileOptions) {
    this.filename = opts.filename;
    this.cache = opts.cache ?? 'writeback';
    this.policy = cachePolicy(this.cache);
    let readOnly = opts.readOnly ?? false;
    let fd: number;
    try {
      fd = fs.openSync(opts.filename, readOnly ? 'r' : 'r+');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (readOnly || !opts.autoReadOnly || !FALLBACK_CODES.has(code)) throw openError(opts.filename, e);
      try {
        fd = fs.openSync(opts.filename, 'r');
      } catch (e2) {
        throw openError(opts.filename, e2);
      }
      readOnly = true;
    }
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) {
      fs.closeSync(fd);
      throw new QmpError(`Could not open '${opts.filename}': Is a directory`);
    }
    this.fd = fd;
    this.readOnly = readOnly;
    this.length = st.size;
  }

  /** Rounded up to whole 512-byte sectors, as QEMU's block layer sees every file. */
  get size(): number {
    return Math.ceil(this.length / 512) * 512;
  }

  /** The host file's exact length in bytes. */
  get byteLength(): number {
    return this.length;
  }

  private handle(): number {
    if (this.fd === null) throw new QmpError(`'${this.filename}' is closed`);
    return this.fd;
  }

  read(offset: number, buf: Uint8Array): void {
    const fd = this.handle();
    let done = 0;
    while (done < buf.length) {
      const n = this.io(() => fs.readSync(fd, buf, done, buf.length - done, offset + done), 'read');
      if (n === 0) {
        buf.fill(0, done);
        return;
      }
      done += n;
    }
  }

  write(offset: number, data: Uint8Array): void {
    if (this.readOnly) throw new QmpError(`Cannot write to '${this.filename}': the node is read-only`);
    const fd = this.handle();
    let done = 0;
    while (done < data.length) {
      done += this.io(() => fs.writeSync(fd, data, done, data.length - done, offset + done), 'write');
    }
    if (offset + data.length > this.length) this.length = offset + data.length;
    this.unsynced = true;
  }

  /** Set the host file's length (used by format drivers that create or preallocate images). */
  truncate(length: number): void {
    if (this.readOnly) throw new QmpError(`Cannot resize '${this.filename}': the node is read-only`);
    const fd = this.handle();
    this.io(() => fs.ftruncateSync(fd, length), 'truncate');
    this.length = length;
    this.unsynced = true;
  }

  flush(): void {
    if (this.policy.noFlush || this.readOnly || !this.unsynced) return;
    const fd = this.handle();
    this.io(() => fs.fdatasyncSync(fd), 'flush');
    this.unsynced = false;
  }

  /** Space the host file really occupies, as `disk size` in emu-img info. */
  allocatedBytes(): number {
    return fs.fstatSync(this.handle()).blocks * 512;
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    fs.closeSync(fd);
  }

  private io<T>(op: () => T, what: string): T {
    try {
      return op();
    } catch (e) {
      throw new QmpError(`Failed to ${what} '${this.filename}': ${strerror(e)}`);
    }
  }
}
