// `emu-img create`: a new raw or qcow2 image, optionally over a backing file, with qemu-img's
// options, checks, messages and "Formatting ..." line.

import * as fs from 'node:fs';
import { createQcow2 } from '../hw/block/qcow2-create.ts';
import { resolveBacking } from '../hw/block/qcow2.ts';
import { openImage, probeFile, type ImageFormat } from '../hw/block/open.ts';
import { FileDriver } from '../hw/block/file.ts';
import { strerror } from '../shared/errno.ts';
import { parseSizeBig, SizeError } from '../shared/size.ts';
import { QmpError } from '../shared/errors.ts';
import { parseOnOff, parseOptionList } from './options.ts';

export interface CreateArgs {
  filename: string;
  format: string;
  size?: string;
  backing?: string;
  backingFormat?: string;
  /** -u: do not open the backing file (its size and format are not checked). */
  unsafe?: boolean;
  /** Each -o argument, in order; later ones win. */
  options?: string[];
  /** Receives the "Formatting ..." line, which qemu-img prints before the image is written. */
  print?: (line: string) => void;
}

/**
 * An error as qemu-img prints it: the first line after the program prefix, the rest bare (hints) or,
 * with prefixAll, each prefixed (several error_report calls). Some QEMU hints lack a final newline.
 */
export class ImgError extends Error {
  constructor(
    readonly lines: string[],
    readonly style: { prefixAll?: boolean; noFinalNewline?: boolean } = {},
  ) {
    super(lines.join('\n'));
  }
}

const SIZE_ERROR = [
  'Invalid image size specified. You may use k, M, G, T, P or E suffixes for',
  'kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.',
];

const QCOW2_OPTIONS = new Set([
  'size', 'compat', 'backing_file', 'backing_fmt', 'cluster_size', 'refcount_bits', 'lazy_refcounts',
  'preallocation', 'extended_l2', 'compression_type', 'encryption', 'encrypt.format', 'data_file', 'data_file_raw',
]);
const RAW_OPTIONS = new Set(['size', 'preallocation']);

/**
 * A size as qemu-img reads it. Above 2^53 the number is inexact, which only matters for printing
 * (such sizes are refused later as too large for the format), so the exact text travels with it.
 */
export function parseImageSize(text: string): { n: number; exact: string } {
  let v: bigint;
  try {
    v = parseSizeBig(text);
  } catch (e) {
    if (e instanceof SizeError && e.kind === 'invalid') throw new ImgError(SIZE_ERROR, { prefixAll: true });
    if (e instanceof SizeError) throw new ImgError(['Image size must be less than 8 EiB!']);
    throw e;
  }
  if (v >= 1n << 63n) throw new ImgError(['Image size must be less than 8 EiB!']);
  return { n: Number(v), exact: v.toString() };
}

/** Creates the image; qemu-img's "Formatting ..." line goes to a.print once the options are valid. */
export function runCreate(a: CreateArgs): void {
  const f = a.filename;
  const failHere = (msg: string, ...more: string[]) => new ImgError([`${f}: ${msg}`, ...more]);
  const say = (line: string) => a.print?.(line);
  if (a.format !== 'raw' && a.format !== 'qcow2') throw new ImgError([`${f}: Unknown file format '${a.format}'`]);
  const format: ImageFormat = a.format;
  const opts = new Map<string, string>();
  for (const o of a.options ?? []) for (const [k, v] of parseOptionList(o)) opts.set(k, v);
  const allowed = format === 'qcow2' ? QCOW2_OPTIONS : RAW_OPTIONS;
  for (const k of opts.keys()) if (!allowed.has(k)) throw failHere(`Invalid parameter '${k}'`);

  const sizeArg = a.size !== undefined ? parseImageSize(a.size) : opts.has('size') ? parseImageSize(opts.get('size')!) : undefined;
  let size = sizeArg?.n;
  const sizeText = () => sizeArg?.exact ?? String(size);
  const prealloc = opts.get('preallocation');

  if (format === 'raw') {
    if (size === undefined) throw failHere('Image creation needs a size parameter');
    if (prealloc !== undefined && !['off', 'full', 'falloc'].includes(prealloc)) throw failHere(`Invalid parameter '${prealloc}'`);
    say(`Formatting '${f}', fmt=raw size=${sizeText()}${prealloc !== undefined ? ` preallocation=${prealloc}` : ''}`);
    createRaw(f, size, prealloc === 'full' || prealloc === 'falloc');
    return;
  }

  const backing = a.backing ?? opts.get('backing_file');
  let backingFormat = a.backingFormat ?? opts.get('backing_fmt');
  if (prealloc !== undefined && prealloc !== 'off') throw failHere(`emu-img does not support preallocation=${prealloc} for qcow2 images`);
  if (opts.has('extended_l2') && parseOnOff('extended_l2', opts.get('extended_l2')!)) throw failHere('emu-img does not support extended L2 entries (extended_l2=on)');
  if ((opts.get('compression_type') ?? 'zlib') !== 'zlib') throw failHere(`emu-img does not support compression_type=${opts.get('compression_type')}`);
  if (opts.has('encryption') || opts.has('encrypt.format')) throw failHere('emu-img cannot create encrypted images');
  if (opts.has('data_file') || opts.has('data_file_raw')) throw failHere('emu-img does not support external data files');
  if (backingFormat !== undefined && backingFormat !== 'raw' && backingFormat !== 'qcow2') {
    throw failHere(`Unknown driver '${backingFormat}'`);
  }

  if (backing !== undefined) {
    const full = resolveBacking(f, backing);
    if (backingFormat === undefined) {
      let detected: string | undefined;
      try {
        const bf = new FileDriver({ filename: full, readOnly: true });
        detected = probeFile(bf);
        bf.close();
      } catch {
        // Nothing to report beyond the missing format.
      }
      throw new ImgError([`${f}: Backing file specified without backing format`, ...(detected ? [`Detected format of ${detected}.`] : [])], { noFinalNewline: !!detected });
    }
    if (!a.unsafe) {
      try {
        const b = openImage({ filename: full, format: backingFormat as ImageFormat, readOnly: true });
        size ??= b.driver.size;
        b.driver.close();
      } catch (e) {
        throw failHere((e as Error).message, 'Could not open backing image.');
      }
    }
  }
  if (size === undefined) throw failHere('Image creation needs a size parameter');

  const compatText = opts.get('compat');
  const clusterText = opts.get('cluster_size');
  const clusterSize = clusterText !== undefined ? parseImageSize(clusterText).n : 65536;
  const refcountBits = opts.has('refcount_bits') ? Number(opts.get('refcount_bits')) : 16;
  const lazy = opts.has('lazy_refcounts') ? parseOnOff('lazy_refcounts', opts.get('lazy_refcounts')!) : false;
  say(`Formatting '${f}', fmt=qcow2 cluster_size=${clusterSize} extended_l2=off` +
    (prealloc !== undefined ? ` preallocation=${prealloc}` : '') +
    ` compression_type=zlib size=${sizeText()}` +
    (compatText !== undefined ? ` compat=${compatText}` : '') +
    (backing !== undefined ? ` backing_file=${backing} backing_fmt=${backingFormat}` : '') +
    ` lazy_refcounts=${lazy ? 'on' : 'off'} refcount_bits=${refcountBits}`);
  let compat: '0.10' | '1.1' = '1.1';
  if (compatText !== undefined) {
    if (compatText === '0.10' || compatText === 'v2') compat = '0.10';
    else if (compatText === '1.1' || compatText === 'v3') compat = '1.1';
    else throw failHere(`Invalid parameter value for 'compat': '${compatText}'`);
  }
  try {
    createQcow2(f, { size, clusterSize, compat, backingFile: backing, backingFormat, refcountBits, lazyRefcounts: lazy });
  } catch (e) {
    throw failHere((e as Error).message);
  }
}

function createRaw(filename: string, size: number, full: boolean): void {
  const length = Math.ceil(size / 512) * 512;
  let fd: number;
  try {
    fd = fs.openSync(filename, 'w');
  } catch (e) {
    throw new QmpError(`${filename}: Could not create '${filename}': ${strerror(e)}`);
  }
  try {
    if (full) {
      const chunk = new Uint8Array(Math.min(length, 1 << 20));
      for (let o = 0; o < length; o += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, length - o), o);
    } else {
      fs.ftruncateSync(fd, length);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
