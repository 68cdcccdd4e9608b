// QMP output exactly as QEMU 7.2 writes it: compact JSON with ", " and ": " separators, ASCII only
// (non-ASCII and DEL as upper-case \uXXXX, astral characters as surrogate pairs), one object per line
// ending CRLF. Numbers follow QEMU's QNum: integers print exactly, doubles print as C's "%.17g" — so
// 0.1 goes out as 0.10000000000000001 and 1e400 as inf, which is what QEMU sends.
//
// Member order: QEMU keeps objects in a QDict, a 512-bucket hash table, and prints them in bucket
// order (within a bucket, the member added last comes first). That is why QEMU writes
// {"return": ..., "id": ...} but {"id": ..., "error": ...}, and {"status", "singlestep", "running"}
// for query-status. encodeQmp() reproduces that order for any value, so emu's output is
// byte-identical to QEMU's whatever order the value was built in; encodeJson() keeps the order given.

const NEEDS_ESCAPE = /[\x00-\x1f\x7f-\uffff]/;
const HEX = '0123456789ABCDEF';

function u4(c: number): string {
  return '\\u' + HEX[(c >> 12) & 15] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
}

export function encodeString(s: string): string {
  // JSON.stringify is native and right for the common printable-ASCII case; only strings with
  // characters QEMU spells differently take the slow loop.
  if (!NEEDS_ESCAPE.test(s)) return JSON.stringify(s);
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += '\\\\';
      else out += s[i];
      continue;
    }
    switch (c) {
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      default: out += u4(c);
    }
  }
  return out + '"';
}

/** C's printf("%.17g", x), which is how QEMU prints every double. */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const e = x.toExponential(16);
  const ePos = e.indexOf('e');
  const exp = Number(e.slice(ePos + 1));
  if (exp < -4 || exp >= 17) {
    let mant = e.slice(0, ePos);
    if (mant.includes('.')) mant = mant.replace(/\.?0+$/, '');
    const a = Math.abs(exp);
    return mant + 'e' + (exp < 0 ? '-' : '+') + (a < 10 ? '0' + a : String(a));
  }
  let f = x.toFixed(16 - exp);
  if (f.includes('.')) f = f.replace(/\.?0+$/, '');
  return f;
}

/**
 * Safe integers print as integers (QEMU's int64 QNum); anything else is a double to QEMU. Integers
 * beyond 2^53 that must survive exactly (uint64 values, echoed ids) travel as bigint.
 */
export function formatNumber(n: number): string {
  if (Number.isSafeInteger(n) && !Object.is(n, -0)) return String(n);
  return formatDouble(n);
}

// Member names repeat endlessly (every reply has "return", every status "running"...): keep their
// encodings.
const keyCache = new Map<string, string>();
function encodeKey(k: string): string {
  let e = keyCache.get(k);
  if (e === undefined) {
    e = encodeString(k);
    if (keyCache.size < 4096) keyCache.set(k, e);
  }
  return e;
}

/** The QDict bucket of a member name: tdb_hash of its bytes, modulo 512. */
const bucketCache = new Map<string, number>();
export function qdictBucket(key: string): number {
  let b = bucketCache.get(key);
  if (b !== undefined) return b;
  const bytes = Buffer.from(key, 'utf8');
  let v = Math.imul(0x238f13af, bytes.length) >>> 0;
  for (let i = 0; i < bytes.length; i++) v = (v + ((bytes[i] << ((i * 5) % 24)) >>> 0)) >>> 0;
  b = ((Math.imul(1103515243, v) + 12345) >>> 0) % 512;
  if (bucketCache.size < 8192) bucketCache.set(key, b);
  return b;
}

/** Member names of `o` in QEMU's QDict iteration order (insertion order taken as given). */
export function qdictKeys(o: object): string[] {
  const keys = Object.keys(o);
  if (keys.length < 2) return keys;
  const idx = keys.map((k, i) => i);
  const bk = keys.map(qdictBucket);
  idx.sort((a, b) => (bk[a] - bk[b]) || (b - a));
  return idx.map((i) => keys[i]);
}

export function encodeJson(v: unknown): string {
  return encode(v, false);
}

/** encodeJson with members in QEMU's order (see above): what QMP output uses. */
export function encodeQmp(v: unknown): string {
  return encode(v, true);
}

function encode(v: unknown, qdict: boolean): string {
  switch (typeof v) {
    case 'string': return encodeString(v);
    case 'number': return formatNumber(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return v.toString();
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        if (v.length === 0) return '[]';
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          if (i) out += ', ';
          const item = v[i];
          out += item === undefined || typeof item === 'function' || typeof item === 'symbol' ? 'null' : encode(item, qdict);
        }
        return out + ']';
      }
      const maybe = v as { toJSON?: () => unknown };
      if (typeof maybe.toJSON === 'function') return encode(maybe.toJSON(), qdict);
      let out = '{';
      let first = true;
      const keys = qdict ? qdictKeys(v) : Object.keys(v);
      for (const k of keys) {
        const item = (v as Record<string, unknown>)[k];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        out += (first ? '' : ', ') + encodeKey(k) + ': ' + encode(item, qdict);
        first = false;
      }
      return out + '}';
    }
    default:
      return 'null';
  }
}

/** One complete QMP output line, CRLF included. */
export function encodeLine(v: unknown): string {
  return encodeJson(v) + '\r\n';
}
