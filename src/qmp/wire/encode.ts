// QMP output exactly as QEMU 7.2 writes it: compact JSON with ", " and ": " separators, ASCII only
// (non-ASCII and DEL as upper-case \uXXXX, astral characters as surrogate pairs), one object per line
// ending CRLF. Numbers follow QEMU's QNum: integers print exactly, doubles print as C's "%.17g" — so
// 0.1 goes out as 0.10000000000000001 and 1e400 as inf, which is what QEMU sends.

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

export function encodeJson(v: unknown): string {
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
          out += item === undefined || typeof item === 'function' || typeof item === 'symbol' ? 'null' : encodeJson(item);
        }
        return out + ']';
      }
      const maybe = v as { toJSON?: () => unknown };
      if (typeof maybe.toJSON === 'function') return encodeJson(maybe.toJSON());
      let out = '{';
      let first = true;
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        const item = (v as Record<string, unknown>)[k];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        out += (first ? '' : ', ') + encodeKey(k) + ': ' + encodeJson(item);
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
