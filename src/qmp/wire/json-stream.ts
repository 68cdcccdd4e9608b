// QMP input as QEMU 7.2 reads it (qobject/json-lexer.c, json-streamer.c, json-parser.c — the
// behaviour, re-derived and checked against the real binary; no code taken).
//
// Two layers, so the common case stays cheap:
//  1. A byte-level lexer state machine runs over every input byte. It finds token boundaries, keeps
//     QEMU's brace/bracket counts, limits and error recovery, and so decides where each message
//     ends — by structure, never by lines. It also notes whether the message uses anything plain
//     JSON.parse would treat differently from QEMU (single quotes, \u escapes, non-ASCII bytes,
//     numbers that are not small integers).
//  2. A complete message is handed to JSON.parse when it is plain; duplicate keys are detected by
//     comparing the number of ':' tokens with the number of keys JSON.parse produced. Anything else —
//     including every message JSON.parse rejects — goes to a small recursive-descent parser that
//     reproduces QEMU's values and error texts.
//
// JSON in a command-line argument (-device '{...}') is read by src/shared/json-arg.ts: one value,
// with qobject_from_json's texts for what follows it ("Expecting at most one JSON value").

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

/** QEMU's limits (json-streamer.c). */
export const MAX_TOKEN_SIZE = 64 * 1024 * 1024;
export const MAX_TOKEN_COUNT = 2 * 1024 * 1024;
export const MAX_NESTING = 1024;

export interface JsonStreamerOptions {
  /** Test hooks; QEMU's values are the defaults. */
  maxTokenSize?: number;
  maxTokenCount?: number;
  maxNesting?: number;
}

// Lexer states.
const START = 0, RECOVERY = 1, DQ = 2, DQ_ESC = 3, SQ = 4, SQ_ESC = 5, ZERO = 6, SIGN = 7, DIGITS = 8,
  MANT = 9, MANT_DIGITS = 10, EXP_E = 11, EXP_SIGN = 12, EXP_DIGITS = 13, KEYWORD = 14;

// Token kinds as the streamer sees them.
const T_LCURLY = 1, T_RCURLY = 2, T_LSQUARE = 3, T_RSQUARE = 4, T_OTHER = 5, T_COLON = 6, T_INT = 7,
  T_FLOAT = 8, T_STRING = 9, T_KEYWORD = 10;

const EMPTY: Buffer[] = [];
const latin1 = (b: Uint8Array, s: number, e: number): string => Buffer.prototype.toString.call(b, 'latin1', s, e);

export class JsonStreamer {
  private readonly maxSize: number;
  private readonly maxCount: number;
  private readonly maxNesting: number;

  private state = START;
  /** Absolute stream offset of the first byte of the chunk being scanned. */
  private base = 0;
  private tokStart = 0;
  // Current message.
  private brace = 0;
  private bracket = 0;
  private count = 0;
  private size = 0;
  private msgStart = 0;
  private colons = 0;
  private plain = true;
  // Bytes of earlier chunks still needed (from the current message's or token's start).
  private carry: Buffer[] = EMPTY;
  private carryStart = 0;
  private chunk: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onValue: (value: JsonValue) => void,
    private readonly onError: (desc: string) => void,
    opts: JsonStreamerOptions = {},
  ) {
    this.maxSize = opts.maxTokenSize ?? MAX_TOKEN_SIZE;
    this.maxCount = opts.maxTokenCount ?? MAX_TOKEN_COUNT;
    this.maxNesting = opts.maxNesting ?? MAX_NESTING;
  }

  /** Forgets any partial input, as after a lexical error (used when a transport restarts). */
  reset(): void {
    this.state = START;
    this.resetMessage();
    this.carry = EMPTY;
  }

  feed(data: Buffer | Uint8Array): void {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.chunk = buf;
    const n = buf.length;
    const base = this.base;
    let st = this.state;
    let i = 0;
    while (i < n) {
      const c = buf[i];
      switch (st) {
        case START: {
          if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) { i++; continue; }
          this.tokStart = base + i;
          i++;
          switch (c) {
            case 0x7b: this.token(T_LCURLY, base + i); continue;
            case 0x7d: this.token(T_RCURLY, base + i); continue;
            case 0x5b: this.token(T_LSQUARE, base + i); continue;
            case 0x5d: this.token(T_RSQUARE, base + i); continue;
            case 0x2c: this.token(T_OTHER, base + i); continue;
            case 0x3a: this.colons++; this.token(T_COLON, base + i); continue;
            case 0x22: st = DQ; continue;
            case 0x27: st = SQ; this.plain = false; continue;
            case 0x30: st = ZERO; continue;
            case 0x2d: st = SIGN; continue;
            default:
              if (c >= 0x31 && c <= 0x39) { st = DIGITS; continue; }
              if (c >= 0x61 && c <= 0x7a) { st = KEYWORD; continue; }
              this.lexError(base + i);
              st = RECOVERY;
              continue;
          }
        }
        case RECOVERY: {
          // Skip to a promising resynchronisation point: a structural character, a control
          // character other than TAB, or a byte that is never UTF-8.
          while (i < n) {
            const d = buf[i];
            if ((d < 0x20 && d !== 0x09) || d >= 0xfe || d === 0x5b || d === 0x5d || d === 0x7b || d === 0x7d ||
              d === 0x3a || d === 0x2c) break;
            i++;
          }
          if (i < n) st = START;
          continue;
        }
        case DQ:
        case SQ: {
          const quote = st === DQ ? 0x22 : 0x27;
          // The scan stops before the byte that would make the token longer than QEMU allows, so an
          // over-long token is cut exactly where QEMU cuts it.
          const cap = this.tokStart + this.maxSize - base;
          const stop = cap < n ? cap : n;
          let plain = this.plain;
          while (i < stop) {
            const d = buf[i];
            if (d === quote || d === 0x5c || d < 0x20 || d > 0xfd) break;
            if (d >= 0x80) plain = false;
            i++;
          }
          this.plain = plain;
          if (i === n) continue;
          const d = buf[i++];
          if (d === quote) { this.token(T_STRING, base + i); st = START; continue; }
          if (d === 0x5c) st = st === DQ ? DQ_ESC : SQ_ESC;
          else if (d < 0x20 || d > 0xfd) { this.lexError(base + i); st = RECOVERY; continue; }
          else if (d >= 0x80) this.plain = false;
          if (this.overlong(base + i)) st = START;
          continue;
        }
        case DQ_ESC:
        case SQ_ESC:
          i++;
          if (c < 0x20 || c > 0xfd) { this.lexError(base + i); st = RECOVERY; continue; }
          if (c === 0x75 || c === 0x27) this.plain = false;
          st = st === DQ_ESC ? DQ : SQ;
          if (this.overlong(base + i)) st = START;
          continue;
        case ZERO:
          if (c === 0x2e) { i++; st = MANT; break; }
          if (c >= 0x30 && c <= 0x39) { i++; this.lexError(base + i); st = RECOVERY; continue; }
          this.numberToken(T_INT, base + i);
          st = START;
          continue;
        case SIGN:
          i++;
          if (c === 0x30) { st = ZERO; break; }
          if (c >= 0x31 && c <= 0x39) { st = DIGITS; break; }
          this.lexError(base + i);
          st = RECOVERY;
          continue;
        case DIGITS:
          if (c >= 0x30 && c <= 0x39) { i++; break; }
          if (c === 0x2e) { i++; st = MANT; break; }
          if (c === 0x65 || c === 0x45) { i++; st = EXP_E; break; }
          this.numberToken(T_INT, base + i);
          st = START;
          continue;
        case MANT:
          i++;
          if (c >= 0x30 && c <= 0x39) { st = MANT_DIGITS; break; }
          this.lexError(base + i);
          st = RECOVERY;
          continue;
        case MANT_DIGITS:
          if (c >= 0x30 && c <= 0x39) { i++; break; }
          if (c === 0x65 || c === 0x45) { i++; st = EXP_E; break; }
          this.numberToken(T_FLOAT, base + i);
          st = START;
          continue;
        case EXP_E:
          i++;
          if (c === 0x2b || c === 0x2d) { st = EXP_SIGN; break; }
          if (c >= 0x30 && c <= 0x39) { st = EXP_DIGITS; break; }
          this.lexError(base + i);
          st = RECOVERY;
          continue;
        case EXP_SIGN:
          i++;
          if (c >= 0x30 && c <= 0x39) { st = EXP_DIGITS; break; }
          this.lexError(base + i);
          st = RECOVERY;
          continue;
        case EXP_DIGITS:
          if (c >= 0x30 && c <= 0x39) { i++; break; }
          this.numberToken(T_FLOAT, base + i);
          st = START;
          continue;
        case KEYWORD:
          if (c >= 0x61 && c <= 0x7a) { i++; break; }
          this.token(T_KEYWORD, base + i);
          st = START;
          continue;
      }
      // Reached only by states that consumed a byte of a number or keyword.
      if (base + i - this.tokStart > this.maxSize && this.overlong(base + i)) st = START;
    }
    this.state = st;
    this.keepTail(buf, st);
    this.base = base + n;
  }

  /**
   * End of input (used for one-shot parsing, e.g. JSON on a command line): finishes a pending
   * number or keyword, reports an unterminated string, then reports an incomplete message.
   */
  flush(): void {
    const st = this.state;
    const end = this.base;
    this.state = START;
    if (st === ZERO || st === DIGITS) this.numberToken(T_INT, end);
    else if (st === MANT_DIGITS || st === EXP_DIGITS) this.numberToken(T_FLOAT, end);
    else if (st === KEYWORD) this.token(T_KEYWORD, end);
    else if (st !== START && st !== RECOVERY) this.lexError(end);
    if (this.count > 0) {
      const bytes = this.bytes(this.msgStart, end);
      this.resetMessage();
      this.carry = EMPTY;
      const r = parseMessageBytes(bytes, true);
      if ('error' in r) this.onError(r.error);
      else this.onValue(r.value);
    }
    this.carry = EMPTY;
  }

  private keepTail(buf: Buffer, st: number): void {
    let keepFrom = -1;
    if (this.count > 0) keepFrom = this.msgStart;
    else if (st !== START && st !== RECOVERY) keepFrom = this.tokStart;
    if (keepFrom < 0) { this.carry = EMPTY; return; }
    if (this.carry.length > 0 && this.carryStart <= keepFrom) {
      this.carry.push(buf);
    } else {
      this.carry = [buf.subarray(keepFrom - this.base)];
      this.carryStart = keepFrom;
    }
  }

  /** Bytes [start, end) of the stream, from the carry and the current chunk. */
  private bytes(start: number, end: number): Buffer {
    const chunk = this.chunk;
    if (this.carry.length === 0 || start >= this.base) return chunk.subarray(start - this.base, end - this.base);
    const parts = this.carry.slice();
    if (end > this.base) parts.push(chunk.subarray(0, end - this.base));
    const all = Buffer.concat(parts);
    return all.subarray(start - this.carryStart, end - this.carryStart);
  }

  private resetMessage(): void {
    this.brace = 0;
    this.bracket = 0;
    this.count = 0;
    this.size = 0;
    this.colons = 0;
    this.plain = true;
  }

  private fail(desc: string): void {
    this.resetMessage();
    this.carry = EMPTY;
    this.onError(desc);
  }

  /** A lexical error: the token so far, including the offending byte, is quoted back. */
  private lexError(end: number): void {
    let tok = this.bytes(this.tokStart, end);
    // QEMU formats the token with %s, so it stops at a NUL byte.
    const nul = tok.indexOf(0);
    if (nul >= 0) tok = tok.subarray(0, nul);
    this.fail(`JSON parse error, stray '${decodeLossy(tok)}'`);
  }

  /** QEMU cuts a single token longer than the size limit and starts lexing afresh after it. */
  private overlong(end: number): boolean {
    if (end - this.tokStart <= this.maxSize) return false;
    this.token(T_OTHER, end);
    return true;
  }

  private numberToken(type: number, end: number): void {
    const len = end - this.tokStart;
    // Small plain integers are what JSON.parse reproduces exactly; the rest keeps QEMU's int64/
    // uint64/double distinction only through the slow parser.
    if (type === T_FLOAT || len >= 16 || (len === 2 && this.byteAt(this.tokStart) === 0x2d && this.byteAt(this.tokStart + 1) === 0x30)) {
      this.plain = false;
    }
    this.token(type, end);
  }

  private byteAt(abs: number): number {
    if (abs >= this.base) return this.chunk[abs - this.base];
    return this.bytes(abs, abs + 1)[0];
  }

  private token(type: number, end: number): void {
    switch (type) {
      case T_LCURLY: this.brace++; break;
      case T_RCURLY: this.brace--; break;
      case T_LSQUARE: this.bracket++; break;
      case T_RSQUARE: this.bracket--; break;
    }
    const len = end - this.tokStart;
    if (this.size + len + 1 > this.maxSize) return this.fail('JSON token size limit exceeded');
    if (this.count + 1 > this.maxCount) return this.fail('JSON token count limit exceeded');
    if (this.brace + this.bracket > this.maxNesting) return this.fail('JSON nesting depth limit exceeded');
    if (this.count === 0) this.msgStart = this.tokStart;
    this.count++;
    this.size += len;
    if ((this.brace > 0 || this.bracket > 0) && this.brace >= 0 && this.bracket >= 0) return;
    const bytes = this.bytes(this.msgStart, end);
    const plain = this.plain;
    const colons = this.colons;
    this.resetMessage();
    this.carry = EMPTY;
    const r = plain ? parseFast(bytes, colons) : parseMessageBytes(bytes, false);
    if (r === undefined) {
      const s = parseMessageBytes(bytes, false);
      if ('error' in s) this.onError(s.error);
      else this.onValue(s.value);
    } else if ('error' in r) {
      this.onError(r.error);
    } else {
      this.onValue(r.value);
    }
  }
}

type ParseResult = { value: JsonValue } | { error: string };

/** JSON.parse when it gives QEMU's answer; undefined when the careful parser must decide. */
function parseFast(bytes: Buffer, colons: number): ParseResult | undefined {
  let value: JsonValue;
  try {
    value = JSON.parse(latin1(bytes, 0, bytes.length)) as JsonValue;
  } catch {
    return undefined;
  }
  if (colons > 1 && countKeys(value) !== colons) return undefined;
  return { value };
}

function countKeys(v: JsonValue): number {
  if (typeof v !== 'object' || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) if (typeof x === 'object' && x !== null) n += countKeys(x);
    return n;
  }
  for (const k in v) {
    n++;
    const x = v[k];
    if (typeof x === 'object' && x !== null) n += countKeys(x);
  }
  return n;
}

// ---- The careful parser: QEMU's grammar, values and messages. ----

class ParseError extends Error {}

interface Tok { type: number; start: number; end: number }

/** Splits one message into tokens. The lexer already validated it, so this can be simple. */
function tokenize(b: Buffer): Tok[] {
  const toks: Tok[] = [];
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) { i++; continue; }
    const start = i;
    switch (c) {
      case 0x7b: toks.push({ type: T_LCURLY, start, end: ++i }); continue;
      case 0x7d: toks.push({ type: T_RCURLY, start, end: ++i }); continue;
      case 0x5b: toks.push({ type: T_LSQUARE, start, end: ++i }); continue;
      case 0x5d: toks.push({ type: T_RSQUARE, start, end: ++i }); continue;
      case 0x2c: toks.push({ type: T_OTHER, start, end: ++i }); continue;
      case 0x3a: toks.push({ type: T_COLON, start, end: ++i }); continue;
      case 0x22: case 0x27: {
        i++;
        while (i < n && b[i] !== c) i += b[i] === 0x5c ? 2 : 1;
        toks.push({ type: T_STRING, start, end: ++i });
        continue;
      }
      default: {
        if (c >= 0x61 && c <= 0x7a) {
          while (i < n && b[i] >= 0x61 && b[i] <= 0x7a) i++;
          toks.push({ type: T_KEYWORD, start, end: i });
          continue;
        }
        let float = false;
        i++;
        while (i < n) {
          const d = b[i];
          if (d >= 0x30 && d <= 0x39) { i++; continue; }
          if (d === 0x2e || d === 0x65 || d === 0x45) { float = true; i++; continue; }
          if ((d === 0x2b || d === 0x2d) && (b[i - 1] === 0x65 || b[i - 1] === 0x45)) { i++; continue; }
          break;
        }
        toks.push({ type: float ? T_FLOAT : T_INT, start, end: i });
      }
    }
  }
  return toks;
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

function isValidCodepoint(cp: number): boolean {
  if (cp < 0 || cp > 0x10ffff) return false;
  if ((cp & 0xfffff800) === 0xd800) return false;
  if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return false;
  return true;
}

function hex4(b: Buffer, i: number, end: number): number {
  let cp = 0;
  for (let k = 0; k < 4; k++) {
    if (i + k >= end) return -1;
    const c = b[i + k];
    let v: number;
    if (c >= 0x30 && c <= 0x39) v = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) v = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) v = c - 0x37;
    else return -1;
    cp = (cp << 4) | v;
  }
  return cp;
}

const MIN_CP = [0x80, 0x800, 0x10000, 0x200000, 0x4000000];

/**
 * One character of QEMU's modified UTF-8 at b[i]: [code point or -1, bytes it spans]. An invalid
 * sequence spans its lead byte and the continuation bytes present, as in QEMU's decoder.
 */
function modUtf8At(b: Uint8Array, i: number, end: number): [number, number] {
  const c = b[i];
  if (c < 0x80) return [c, 1];
  if (c >= 0xfe || (c & 0x40) === 0) return [-1, 1];
  const len = c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf8 ? 3 : c < 0xfc ? 4 : 5;
  let cp = c & (0x3f >> len);
  for (let k = 1; k <= len; k++) {
    const d = i + k < end ? b[i + k] : 0;
    if ((d & 0xc0) !== 0x80) return [-1, k];
    cp = cp * 64 + (d & 0x3f);
  }
  if (!isValidCodepoint(cp) || (cp < MIN_CP[len - 1] && !(cp === 0 && len === 1))) return [-1, len + 1];
  return [cp, len + 1];
}

/** Bytes as QEMU shows them in messages: each invalid sequence becomes one U+FFFD. */
function decodeLossy(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length;) {
    const [cp, n] = modUtf8At(b, i, b.length);
    out += String.fromCodePoint(cp < 0 ? 0xfffd : cp);
    i += n;
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly b: Buffer, private readonly toks: Tok[]) {}

  static error(msg: string): never {
    throw new ParseError(`JSON parse error, ${msg}`);
  }

  private peek(): Tok | undefined { return this.toks[this.pos]; }
  private pop(): Tok | undefined { return this.toks[this.pos++]; }

  value(): JsonValue {
    const t = this.peek();
    if (!t) Parser.error('premature EOI');
    switch (t.type) {
      case T_LCURLY: return this.object();
      case T_LSQUARE: return this.array();
      case T_STRING: this.pos++; return this.string(t);
      case T_INT: this.pos++; return this.integer(t);
      case T_FLOAT: this.pos++; return Number(latin1(this.b, t.start, t.end));
      case T_KEYWORD: {
        this.pos++;
        const w = latin1(this.b, t.start, t.end);
        if (w === 'true') return true;
        if (w === 'false') return false;
        if (w === 'null') return null;
        return Parser.error(`invalid keyword '${w}'`);
      }
      default: return Parser.error('expecting value');
    }
  }

  private object(): JsonValue {
    this.pos++;
    const obj: { [k: string]: JsonValue } = {};
    const first = this.peek();
    if (!first) Parser.error('premature EOI');
    if (first.type === T_RCURLY) { this.pos++; return obj; }
    this.pair(obj);
    for (;;) {
      const t = this.pop();
      if (!t) Parser.error('premature EOI');
      if (t.type === T_RCURLY) return obj;
      if (!(t.type === T_OTHER && this.b[t.start] === 0x2c)) Parser.error('expected separator in dict');
      this.pair(obj);
    }
  }

  private pair(obj: { [k: string]: JsonValue }): void {
    if (!this.peek()) Parser.error('premature EOI');
    const key = this.value();
    if (typeof key !== 'string') Parser.error('key is not a string in object');
    const colon = this.pop();
    if (!colon) Parser.error('premature EOI');
    if (colon.type !== T_COLON) Parser.error('missing : in object pair');
    const v = this.value();
    if (Object.prototype.hasOwnProperty.call(obj, key)) Parser.error('duplicate key');
    // A "__proto__" member is data, as JSON.parse makes it, never the prototype.
    if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
    else obj[key] = v;
  }

  private array(): JsonValue {
    this.pos++;
    const list: JsonValue[] = [];
    const first = this.peek();
    if (!first) Parser.error('premature EOI');
    if (first.type === T_RSQUARE) { this.pos++; return list; }
    list.push(this.value());
    for (;;) {
      const t = this.pop();
      if (!t) Parser.error('premature EOI');
      if (t.type === T_RSQUARE) return list;
      if (!(t.type === T_OTHER && this.b[t.start] === 0x2c)) Parser.error('expected separator in list');
      list.push(this.value());
    }
  }

  /** int64 if it fits, else uint64, else a double — QEMU's QNum choice. */
  private integer(t: Tok): JsonValue {
    const text = latin1(this.b, t.start, t.end);
    if (t.end - t.start < 16) {
      const n = Number(text);
      return n === 0 ? 0 : n;
    }
    const big = BigInt(text);
    if (big >= INT64_MIN && big <= UINT64_MAX) {
      const n = Number(big);
      return Number.isSafeInteger(n) ? n : big;
    }
    return Number(text);
  }

  private string(t: Tok): string {
    const b = this.b;
    const quote = b[t.start];
    const end = t.end;
    let i = t.start + 1;
    let out = '';
    let runStart = i;
    while (b[i] !== quote) {
      const c = b[i];
      if (c < 0x80 && c !== 0x5c) { i++; continue; }
      if (i > runStart) out += latin1(b, runStart, i);
      if (c === 0x5c) {
        const beg = i;
        const e = b[i + 1];
        i += 2;
        switch (e) {
          case 0x22: out += '"'; break;
          case 0x27: out += "'"; break;
          case 0x5c: out += '\\'; break;
          case 0x2f: out += '/'; break;
          case 0x62: out += '\b'; break;
          case 0x66: out += '\f'; break;
          case 0x6e: out += '\n'; break;
          case 0x72: out += '\r'; break;
          case 0x74: out += '\t'; break;
          case 0x75: {
            let cp = hex4(b, i, end);
            i += 4;
            if (cp >= 0xd800 && cp <= 0xdbff && b[i] === 0x5c && b[i + 1] === 0x75) {
              cp = 0x10000 + ((cp & 0x3ff) << 10);
              const trail = hex4(b, i + 2, end);
              if (trail >= 0xdc00 && trail <= 0xdfff) { cp |= trail & 0x3ff; i += 6; } else cp = -1;
            }
            if (!isValidCodepoint(cp)) {
              Parser.error(`${latin1(b, beg, Math.min(i, end))} is not a valid Unicode character`);
            }
            out += String.fromCodePoint(cp);
            break;
          }
          default:
            Parser.error('invalid escape sequence in string');
        }
      } else {
        // QEMU's modified UTF-8: standard UTF-8 plus C0 80 for U+0000; no overlong forms,
        // surrogates, noncharacters or code points beyond U+10FFFF.
        const [cp, n] = modUtf8At(b, i, end);
        if (cp < 0) Parser.error('invalid UTF-8 sequence in string');
        out += String.fromCodePoint(cp);
        i += n;
      }
      runStart = i;
    }
    if (i > runStart) out += latin1(b, runStart, i);
    return out;
  }
}

/** Parses one complete message with QEMU's grammar; `eoi` allows an incomplete message (flush). */
function parseMessageBytes(bytes: Buffer, eoi: boolean): ParseResult {
  void eoi;
  try {
    const p = new Parser(bytes, tokenize(bytes));
    return { value: p.value() };
  } catch (e) {
    if (e instanceof ParseError) return { error: e.message };
    throw e;
  }
}
