// `emu-img convert`: copy the guest-visible content of an image (through its backing chain) into a
// new raw or qcow2 image, skipping all-zero chunks so the result stays sparse. The long operation
// that -p's progress bar is for.

import { openImage, type ImageFormat } from '../hw/block/open.ts';
import { runCreate, ImgError } from './create.ts';
import { Progress } from './progress.ts';

export interface ConvertArgs {
  source: string;
  target: string;
  sourceFormat?: ImageFormat;
  targetFormat: string;
  options?: string[];
  progress: boolean;
  write: (s: string) => void;
}

const CHUNK = 1 << 20;

export function runConvert(a: ConvertArgs): void {
  let src;
  try {
    src = openImage({ filename: a.source, format: a.sourceFormat, readOnly: true });
  } catch (e) {
    throw new ImgError([(e as Error).message]);
  }
  const progress = new Progress(a.progress, a.write);
  try {
    const size = src.driver.size;
    runCreate({ filename: a.target, format: a.targetFormat, size: String(size), options: a.options });
    const dst = openImage({ filename: a.target, format: a.targetFormat as ImageFormat, cache: 'unsafe' });
    try {
      const buf = new Uint8Array(CHUNK);
      for (let o = 0; o < size; o += CHUNK) {
        const piece = buf.subarray(0, Math.min(CHUNK, size - o));
        src.driver.read(o, piece);
        if (!isZero(piece)) dst.driver.write(o, piece);
        progress.update(o + piece.length, size);
      }
    } finally {
      dst.driver.close();
    }
    progress.finish();
  } finally {
    src.driver.close();
  }
}

function isZero(b: Uint8Array): boolean {
  const w = new BigUint64Array(b.buffer, b.byteOffset, b.byteLength >> 3);
  for (let i = 0; i < w.length; i++) if (w[i] !== 0n) return false;
  for (let i = w.length << 3; i < b.length; i++) if (b[i]) return false;
  return true;
}
