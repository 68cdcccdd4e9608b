// snapshot=on: the image is opened read-only under a temporary qcow2 overlay that takes every write.
//
// The overlay lives where QEMU puts it ($TMPDIR, else /var/tmp) and is unlinked as soon as it is
// open, so it disappears with the process however that ends — QEMU removes it only at a clean close.
// Its flushes are no-ops (cache=unsafe): its contents are discarded at exit, so durability buys
// nothing, and the base image is never written at all.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openImage, type OpenImageOptions, type OpenedImage } from './open.ts';
import { createQcow2 } from './qcow2-create.ts';
import { FileDriver } from './file.ts';
import { Qcow2Driver } from './qcow2.ts';
import type { BlockDriver } from './driver.ts';

export function snapshotDir(): string {
  return process.env.TMPDIR || '/var/tmp';
}

/**
 * A temporary qcow2 overlay over an open image: it takes every write, the image below is only read.
 * `backingFile`/`backingFormat` name the image in the overlay's header (for tools that inspect it).
 */
export function temporaryOverlay(base: BlockDriver, backingFile: string, backingFormat: string): { driver: Qcow2Driver; filename: string } {
  const tmp = path.join(snapshotDir(), `emu-snapshot-${randomBytes(6).toString('hex')}.qcow2`);
  createQcow2(tmp, { size: base.size, backingFile: path.resolve(backingFile), backingFormat });
  let file: FileDriver;
  try {
    file = new FileDriver({ filename: tmp, cache: 'unsafe' });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return { driver: new Qcow2Driver(file, { filename: tmp, backing: base }), filename: tmp };
}

export function openSnapshot(opts: OpenImageOptions): OpenedImage {
  const base = openImage({ ...opts, snapshot: false, readOnly: true });
  try {
    const { driver: overlay, filename: tmp } = temporaryOverlay(base.driver, opts.filename, base.format);
    return {
      driver: overlay,
      format: base.format,
      probedRaw: base.probedRaw,
      warnings: base.warnings,
      chain: [{ filename: tmp, format: 'qcow2', readOnly: false }, ...base.chain],
    };
  } catch (e) {
    base.driver.close();
    throw e;
  }
}
