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
import { Qcow2Driver } from './qcow2.ts';
import { openSnapshot } from './snapshot.ts';
import { QmpError } from '../../shared/errors.ts';

/** Deeper chains are almost certainly loops through differently spelled names. */
const MAX_CHAIN = 64;

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

/** Reads the first bytes of an open file to choose its format. */
export function probeFile(file: BlockDriver): ImageFormat {
  const head = new Uint8Array(Math.min(PROBE_BYTES, file.size));
  file.read(0, head);
  return probeFormat(head);
}

export function openImage(opts: OpenImageOptions): OpenedImage {
  if (opts.snapshot) return openSnapshot(opts);
  const opened = openLayer(opts, 0);
  if (cachePolicy(opts.cache ?? 'writeback').writeThrough && !opened.driver.readOnly) {
    opened.driver = new WriteThrough(opened.driver);
  }
  return opened;
}

function openLayer(opts: OpenImageOptions, depth: number): OpenedImage {
  if (depth > MAX_CHAIN) throw new QmpError(`Could not open '${opts.filename}': backing file chain is longer than ${MAX_CHAIN} images (a loop?)`);
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
    if (format !== 'raw' && format !== 'qcow2') throw new QmpError(`Unknown driver '${format as string}'`);
    const probedRaw = opts.format === undefined && format === 'raw' && depth === 0;
    if (probedRaw) warnings.push(probedRawWarning(opts.filename));
    if (format !== 'raw' && (opts.offset !== undefined || opts.size !== undefined)) {
      throw new QmpError(`Block format '${format}' does not support the option '${opts.offset !== undefined ? 'offset' : 'size'}'`);
    }
    const layer: ChainLayer = { filename: opts.filename, format, readOnly: file.readOnly };
    chain.push(layer);
    let driver: BlockDriver;
    if (format === 'raw') {
      driver = new RawDriver(file, { offset: opts.offset, size: opts.size, probed: probedRaw }, opts.filename);
    } else {
      driver = new Qcow2Driver(file, {
        filename: opts.filename,
        readOnly: opts.readOnly,
        backing: opts.backing,
        openBacking: (name, fmt) => {
          if (fmt !== undefined && fmt !== 'raw' && fmt !== 'qcow2') {
            throw new QmpError(`Could not open backing file '${name}' of '${opts.filename}': Unknown driver '${fmt}'`);
          }
          let below: OpenedImage;
          try {
            below = openLayer({ filename: name, format: fmt, readOnly: true, cache: opts.cache }, depth + 1);
          } catch (e) {
            throw new QmpError(`Could not open backing file: ${(e as Error).message}`);
          }
          chain.push(...below.chain);
          warnings.push(...below.warnings);
          return below.driver;
        },
      });
      layer.readOnly = driver.readOnly;
    }
    return { driver, format, probedRaw, warnings, chain };
  } catch (e) {
    file.close();
    throw e;
  }
}
