// The ringbuf (alias memory) chardev: the frontend's output is kept in a ring of a power-of-two
// size, the oldest bytes overwritten; QMP reads it with ringbuf-read and appends with ringbuf-write.
// Like QEMU, ringbuf-write only appends to the ring: the guest never sees those bytes.
//
// The two QMP formats reproduce QEMU 7.2 as observed, quirks included, because a management tool's
// expectations were shaped by them:
//  - base64 in: QEMU first rejects any character outside [A-Za-z0-9+/=\n] ("Base64 data contains
//    invalid characters"), then decodes as glib does: groups of four, an incomplete last group is
//    dropped, '=' counts as a zero digit that suppresses output bytes, decoding carries on after
//    padding ("YQ==YQ==" is "aa").
//  - utf8 in: the JSON string's UTF-8; QEMU's JSON parser turns U+0000 into C0 80.
//  - utf8 out: the bytes are a C string, so they end at the first NUL; each invalid UTF-8 sequence
//    becomes one U+FFFD, and C0 80 becomes U+0000.
//  - base64 out: plain base64 of the bytes read.

import { QmpError } from '../../shared/errors.ts';
import { Chardev, type ChardevRingbufOptions } from './chardev.ts';

export const RINGBUF_DEFAULT_SIZE = 65536;

export type DataFormat = 'utf8' | 'base64';

export class RingbufChardev extends Chardev {
  readonly kind: 'ringbuf' | 'memory';
  readonly size: number;
  private readonly buf: Uint8Array;
  /** Total bytes ever written and read; the ring index is the count modulo size. */
  private prod = 0;
  private cons = 0;

  constructor(id: string, opts: ChardevRingbufOptions = {}, kind: 'ringbuf' | 'memory' = 'ringbuf') {
    super(id, opts);
    this.kind = kind;
    const size = opts.size ?? RINGBUF_DEFAULT_SIZE;
    // QEMU accepts size 0 (0 & -1 is 0) and then indexes an empty buffer; emu refuses it.
    if (!Number.isSafeInteger(size) || size <= 0 || (size & (size - 1)) !== 0 || size > 2 ** 30) {
      throw new QmpError('size of ringbuf chardev must be power of two');
    }
    this.size = size;
    this.buf = new Uint8Array(size);
  }

  describe(): string {
    return this.kind;
  }

  /** Bytes waiting to be read. */
  get count(): number {
    return this.prod - this.cons;
  }

  protected doOpen(): void {}
  protected doClose(): void {}

  protected writeBytes(data: Uint8Array): void {
    this.ringbufWrite(data);
  }

  // The ring works whether or not the chardev was opened: it holds no host resource, and QEMU's
  // ringbuf commands never fail for that reason.

  ringbufWrite(data: Uint8Array): void {
    const mask = this.size - 1;
    // Only the last `size` bytes can survive; skipping the rest keeps huge writes cheap.
    const skip = Math.max(0, data.length - this.size);
    this.prod += skip;
    for (let i = skip; i < data.length; i++) this.buf[this.prod++ & mask] = data[i];
    if (this.prod - this.cons > this.size) this.cons = this.prod - this.size;
  }

  ringbufRead(size: number): Uint8Array {
    const n = Math.max(0, Math.min(size, this.count));
    const out = new Uint8Array(n);
    const mask = this.size - 1;
    for (let i = 0; i < n; i++) out[i] = this.buf[this.cons++ & mask];
    return out;
  }

  /** QMP ringbuf-write. */
  qmpWrite(data: string, format: DataFormat = 'utf8'): void {
    this.ringbufWrite(format === 'base64' ? qbase64Decode(data) : qmpStringBytes(data));
  }

  /** QMP ringbuf-read. */
  qmpRead(size: number, format: DataFormat = 'utf8'): string {
    if (!(size > 0)) throw new QmpError('size must be greater than zero');
    const bytes = this.ringbufRead(size);
    return format === 'base64' ? Buffer.from(bytes).toString('base64') : cStringToJson(bytes);
  }
}

// ---- formats ----

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_RANK = new Int16Array(256).fill(-1);
for (let i = 0; i < B64_ALPHABET.length; i++) B64_RANK[B64_ALPHABET.charCodeAt(i)] = i;
B64_RANK[0x3d] = 0; // '='

/** QEMU's qbase64_decode: strict character check, then glib's lenient decoder. */
export function qbase64Decode(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/=\n]*$/.test(text)) throw new QmpError('Base64 data contains invalid characters');
  const out: number[] = [];
  let v = 0;
  let n = 0;
  let last0 = 0;
  let last1 = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const rank = B64_RANK[c];
    if (rank < 0) continue; // the newlines QEMU lets through
    last1 = last0;
    last0 = c;
    v = ((v << 6) | rank) & 0xffffff;
    if (++n === 4) {
      out.push(v >> 16);
      if (last1 !== 0x3d) out.push((v >> 8) & 0xff);
      if (last0 !== 0x3d) out.push(v & 0xff);
      n = 0;
    }
  }
  return Uint8Array.from(out);
}

/** The bytes QEMU's JSON parser makes of a string: UTF-8, with U+0000 as C0 80. */
export function qmpStringBytes(text: string): Uint8Array {
  const utf8 = Buffer.from(text, 'utf8');
  if (!utf8.includes(0)) return utf8;
  const out: number[] = [];
  for (const b of utf8) {
    if (b === 0) out.push(0xc0, 0x80);
    else out.push(b);
  }
  return Uint8Array.from(out);
}

function validCodepoint(cp: number): boolean {
  if (cp > 0x10ffff) return false;
  if ((cp & 0xfffff800) === 0xd800) return false; // surrogates
  if (cp >= 0xfdd0 && cp <= 0xfdef) return false; // noncharacters
  if ((cp & 0xfffe) === 0xfffe) return false;
  return true;
}

const MIN_CP = [0x80, 0x800, 0x10000, 0x200000, 0x4000000];

/** The string QEMU returns for raw bytes: a C string, read as (modified) UTF-8, U+FFFD for junk. */
export function cStringToJson(bytes: Uint8Array): string {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  let s = '';
  let i = 0;
  while (i < end) {
    const lead = bytes[i++];
    let cp: number;
    if (lead < 0x80) {
      cp = lead;
    } else if (lead >= 0xfe || (lead & 0x40) === 0) {
      cp = -1; // impossible byte or stray continuation byte
    } else {
      let len = 0;
      let mask = 0x80;
      while (lead & mask) {
        len++;
        mask >>= 1;
      }
      cp = lead & (mask - 1);
      for (let k = 1; k < len; k++) {
        const b = i < end ? bytes[i] : 0;
        if ((b & 0xc0) !== 0x80) {
          cp = -1; // the sequence stops early; the byte that stopped it starts the next one
          break;
        }
        i++;
        cp = (cp * 64) + (b & 0x3f);
      }
      if (cp >= 0) {
        if (!validCodepoint(cp)) cp = -1;
        else if (cp < MIN_CP[len - 2] && !(cp === 0 && len === 2)) cp = -1; // overlong, except C0 80
      }
    }
    s += cp < 0 ? '\ufffd' : String.fromCodePoint(cp);
  }
  return s;
}
