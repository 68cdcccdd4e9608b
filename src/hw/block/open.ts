// openImage: the one call the block layer makes to turn a filename into a usable disk.
//
//   openImage({ filename, format?, readOnly?, autoReadOnly?, cache?, snapshot?, backing?, offset?, size? })
//     → { driver, format, probedRaw, warnings, chain }
//
// - format: 'raw' | 'qcow2'; omitted → probed as QEMU does (qcow2 by magic, else raw). A probed raw
//   image gets QEMU's three-line warning in `warnings` (the caller prints it, to stderr) and its
//   sector 0 is guarded (see probe.ts).
// - readOnly: open every layer read-only. autoReadOnly (default true, as QEMU's -drive): if the file
//   cannot be opened for writing, open it read-only instead of failing; `driver.readOnly` tells.
// - cache: QEMU's cache mode (default writeback). writethrough/directsync flush after every write;
//   unsafe turns every flush into a no-op; otherwise flush() reaches the disk with fdatasync.
// - snapshot: writes go to a temporary qcow2 overlay deleted at close (and never left behind, even on
//   SIGKILL: it is unlinked once open); the image itself is opened read-only.
// - backing: for qcow2, override the backing file named in the header: a driver to read through, or
//   null for none. Omitted → opened from the header (relative names resolve against the image's
//   folder; backing_fmt honoured, else probed), read-only.
// - offset/size: raw only, a window of the file.
//
// `chain` lists the layers from the top down (overlay if any, the image, its backing files), for
// query-block style output. Errors are QmpError with QEMU's wording where QEMU has one.

import type { BlockDriver, CacheMode } from './driver.ts';
import { FileDriver } from './file.ts';
import { RawDriver } from './raw.ts';
import { probeFormat, probedRawWarning, PROBE_BYTES } from './probe.ts';
import { cachePolicy } from './cache.ts';
import { WriteThrough } from './writethrough.ts';
import { QmpError } from '../../shared/errors.ts';

export type ImageFormat = 'raw' | 'qcow2';

export interface OpenImageOptions {
  filename: string;
  format?: ImageFormat;
  readOnly?: boolean;
  autoReadOnly?: boolean;
  cache?: CacheMode;
  snapshot?: boolean;
  backing?: BlockDriver | null;
  offset?: number;
  size?: number;
}

export interface ChainLayer {
  filename: string;
  format: ImageFormat;
  readOnly: boolean;
}

export interface OpenedImage {
  driver: BlockDriver;
  format: ImageFormat;
  probedRaw: boolean;
  warnings: string[];
  chain: ChainLayer[];
}

/** Format drivers other than raw register here (qcow2.ts), so this module stays free of them. */
export interface FormatOpener {
  open(file: FileDriver, opts: OpenImageOptions, chain: ChainLayer[], warnings: string[]): BlockDriver;
}
const formats = new Map<ImageFormat, FormatOpener>();
export function registerFormat(name: ImageFormat, opener: FormatOpener): void {
  formats.set(name, opener);
}

/** Reads the first bytes of an open file to choose its format. */
export function probeFile(file: BlockDriver): ImageFormat {
  const head = new Uint8Array(Math.min(PROBE_BYTES, file.size));
  file.read(0, head);
  return probeFormat(head);
}

export function openImage(opts: OpenImageOptions): OpenedImage {
  if (opts.snapshot) {
    if (!snapshotOpener) throw new QmpError('snapshot=on is not available: the qcow2 driver is not loaded');
    return snapshotOpener(opts);
  }
  const warnings: string[] = [];
  const chain: ChainLayer[] = [];
  const file = new FileDriver({
    filename: opts.filename,
    readOnly: opts.readOnly ?? false,
    autoReadOnly: opts.autoReadOnly ?? true,
    cache: opts.cache ?? 'writeback',
  });
  try {
    const format = opts.format ?? probeFile(file);
    const probedRaw = opts.format === undefined && format === 'raw';
    if (probedRaw) warnings.push(probedRawWarning(opts.filename));
    if (format !== 'raw' && (opts.offset !== undefined || opts.size !== undefined)) {
      throw new QmpError(`Block format '${format}' does not support the option 'offset'`);
    }
    chain.push({ filename: opts.filename, format, readOnly: file.readOnly });
    let driver: BlockDriver;
    if (format === 'raw') {
      driver = new RawDriver(file, { offset: opts.offset, size: opts.size, probed: probedRaw }, opts.filename);
    } else {
      const opener = formats.get(format);
      if (!opener) throw new QmpError(`Unknown driver '${format}'`);
      driver = opener.open(file, opts, chain, warnings);
    }
    if (cachePolicy(opts.cache ?? 'writeback').writeThrough && !driver.readOnly) driver = new WriteThrough(driver);
    return { driver, format, probedRaw, warnings, chain };
  } catch (e) {
    file.close();
    throw e;
  }
}

type SnapshotOpener = (opts: OpenImageOptions) => OpenedImage;
let snapshotOpener: SnapshotOpener | null = null;
export function registerSnapshot(opener: SnapshotOpener): void {
  snapshotOpener = opener;
}
