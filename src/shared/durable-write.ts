// Durable atomic file replacement: after a crash at any instant the target holds either its old or
// its new content, never a mix. The state file depends on this.
//
// Steps: create a uniquely named temp file in the target's folder (same filesystem, so rename is
// atomic), write it fully, fsync it, rename it over the target, fsync the folder so the rename itself
// is on disk. A failure removes the temp file; the target is never written in place.

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync, constants as fsc } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** The step at which a write can be made to fail, for crash-consistency tests. */
export type DurableWriteFault = 'before-fsync' | 'before-rename' | 'before-dir-fsync';

export interface DurableWriteOptions {
  /** File mode of the new file (default 0o666 before umask, like writeFile). */
  mode?: number;
  /** Fail the write with DurableWriteFaultError just before this step. */
  fault?: DurableWriteFault;
  /**
   * With `fault`: stop dead as a crash would, leaving the temp file in place, instead of cleaning up.
   * Lets a test check that readers and the next writer cope with a crashed writer's leftovers.
   */
  simulateCrash?: boolean;
}

export class DurableWriteFaultError extends Error {
  readonly step: DurableWriteFault;
  constructor(step: DurableWriteFault) {
    super(`injected failure ${step}`);
    this.name = 'DurableWriteFaultError';
    this.step = step;
  }
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

const toBytes = (data: string | Uint8Array) => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

// Some filesystems refuse fsync on a directory; the rename is then as durable as that filesystem
// can make it, which is not a reason to fail the write.
const dirFsyncUnsupported = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EINVAL' || code === 'EISDIR' || code === 'ENOTSUP' || code === 'EPERM';
};

/** Durably and atomically replaces (or creates) path with data. */
export function writeFileDurableSync(path: string, data: string | Uint8Array, opts: DurableWriteOptions = {}): void {
  const tmp = tempPathFor(path);
  const bytes = toBytes(data);
  let tmpExists = false;
  let crashed = false;
  const inject = (step: DurableWriteFault) => {
    if (opts.fault === step) {
      crashed = opts.simulateCrash === true;
      throw new DurableWriteFaultError(step);
    }
  };
  try {
    const fd = openSync(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, opts.mode ?? 0o666);
    tmpExists = true;
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      inject('before-fsync');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    inject('before-rename');
    renameSync(tmp, path);
    tmpExists = false;
    inject('before-dir-fsync');
    const dfd = openSync(dirname(path), fsc.O_RDONLY);
    try {
      fsyncSync(dfd);
    } catch (e) {
      if (!dirFsyncUnsupported(e)) throw e;
    } finally {
      closeSync(dfd);
    }
  } catch (e) {
    if (tmpExists && !crashed) {
      try {
        unlinkSync(tmp);
      } catch {
        // The original error is what matters; a leftover temp file is harmless and uniquely named.
      }
    }
    throw e;
  }
}

/** Async variant of writeFileDurableSync. */
export async function writeFileDurable(path: string, data: string | Uint8Array, opts: DurableWriteOptions = {}): Promise<void> {
  const tmp = tempPathFor(path);
  const bytes = toBytes(data);
  let tmpExists = false;
  let crashed = false;
  const inject = (step: DurableWriteFault) => {
    if (opts.fault === step) {
      crashed = opts.simulateCrash === true;
      throw new DurableWriteFaultError(step);
    }
  };
  try {
    const fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, opts.mode ?? 0o666);
    tmpExists = true;
    try {
      await fh.writeFile(bytes);
      inject('before-fsync');
      await fh.sync();
    } finally {
      await fh.close();
    }
    inject('before-rename');
    await rename(tmp, path);
    tmpExists = false;
    inject('before-dir-fsync');
    const dh = await open(dirname(path), fsc.O_RDONLY);
    try {
      await dh.sync();
    } catch (e) {
      if (!dirFsyncUnsupported(e)) throw e;
    } finally {
      await dh.close();
    }
  } catch (e) {
    if (tmpExists && !crashed) await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
