// QEMU's KEY=VALUE,... syntax with dotted keys (util/keyval.c, QEMU 7.2): what -M, -smp, -boot,
// -object, -blockdev and -audiodev parse with. Values stay strings; typing happens later, against the
// schema, as QEMU's keyval input visitor does.
//
// Dictionaries have a null prototype so that keys such as "constructor" are ordinary keys.

export type KeyvalValue = string | KeyvalDict | KeyvalValue[];
export interface KeyvalDict {
  [key: string]: KeyvalValue;
}

/** A malformed keyval string; the message is QEMU's text. */
export class KeyvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyvalError';
  }
}

export interface KeyvalParseOptions {
  /** Key assumed for a first parameter written without `key=` (`type` for -M, `cpus` for -smp). */
  impliedKey?: string;
  /** Whether `help` / `?` is accepted as a request for help (else QEMU's "not available" error). */
  allowHelp?: boolean;
  /** Parse into this dictionary instead of a new one (QEMU's keyval_parse_into, used by repeated -M). */
  into?: KeyvalDict;
}

export interface KeyvalParseResult {
  dict: KeyvalDict;
  /** A bare `help` or `?` parameter was present; it is not stored in the dictionary. */
  help: boolean;
}

export function newDict(): KeyvalDict {
  return Object.create(null) as KeyvalDict;
}

function isDict(v: KeyvalValue | undefined): v is KeyvalDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function has(d: KeyvalDict, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(d, k);
}

const isHelp = (s: string) => s === 'help' || s === '?';

/**
 * Length of the QAPI name at the start of s (letters first, then letters, digits, '-', '_'; with
 * the optional downstream prefix `__RFQDN_`), or 0 if none.
 */
export function qapiNameLength(s: string): number {
  let p = 0;
  if (s[p] === '_') {
    p++;
    if (s[p] !== '_') return 0;
    p++;
    while (p < s.length && /[A-Za-z0-9.-]/.test(s[p])) p++;
    if (s[p] !== '_') return 0;
    p++;
  }
  if (!/[A-Za-z]/.test(s[p] ?? '')) return 0;
  p++;
  while (p < s.length && /[A-Za-z0-9_-]/.test(s[p])) p++;
  return p;
}

/** Leading decimal digits of s as a list index (capped like QEMU's INT_MAX), or undefined. */
function keyToIndex(s: string): { index: number; len: number } | undefined {
  const m = /^[0-9]+/.exec(s);
  if (!m) return undefined;
  const n = Number(m[0]);
  return { index: Math.min(n, 2147483647), len: m[0].length };
}

// Puts a string (value) or ensures a dict (value undefined) at cur[k]; QEMU reports a clash using
// the key typed so far.
function put(cur: KeyvalDict, k: string, value: string | undefined, keySoFar: string): KeyvalValue {
  if (has(cur, k)) {
    const old = cur[k];
    const wantDict = value === undefined;
    if (wantDict ? !isDict(old) : typeof old !== 'string') {
      throw new KeyvalError(`Parameters '${keySoFar}.*' used inconsistently`);
    }
    if (wantDict) return old;
  }
  const v = value === undefined ? newDict() : value;
  cur[k] = v;
  return v;
}

// Parses one parameter starting at pos; returns the position after it.
function parseOne(dict: KeyvalDict, params: string, pos: number, impliedKey: string | undefined, state: { help: boolean }): number {
  const rest = params.slice(pos);
  let len = rest.search(/[=,]/);
  if (len < 0) len = rest.length;
  let key = rest.slice(0, len);
  let impliedValue: string | undefined;
  if (len > 0 && rest[len] !== '=') {
    if (isHelp(key)) {
      state.help = true;
      return pos + len + (rest[len] === ',' ? 1 : 0);
    }
    if (impliedKey !== undefined) {
      impliedValue = key;
      key = impliedKey;
    }
  }

  // Walk the key fragments; each but the last names a nested dictionary.
  let cur = dict;
  let s = 0;
  let frag = '';
  for (;;) {
    let flen: number;
    const idx = s !== 0 ? keyToIndex(key.slice(s)) : undefined;
    if (idx) flen = idx.len;
    else flen = qapiNameLength(key.slice(s));
    if (flen === 0 || (s + flen < key.length && key[s + flen] !== '.')) {
      throw new KeyvalError(`Invalid parameter '${key}'`);
    }
    if (flen >= 128) {
      const fragment = s !== 0 || s + flen !== key.length;
      throw new KeyvalError(`Parameter${fragment ? ' fragment' : ''} '${key.slice(s, s + flen)}' is too long`);
    }
    if (s !== 0) cur = put(cur, frag, undefined, key.slice(0, s - 1)) as KeyvalDict;
    frag = key.slice(s, s + flen);
    s += flen;
    if (key[s] !== '.') break;
    s++;
  }

  let value: string;
  let next: number;
  if (impliedValue !== undefined) {
    value = impliedValue;
    next = pos + len + (rest[len] === ',' ? 1 : 0);
  } else {
    if (rest[len] !== '=') throw new KeyvalError(`Expected '=' after parameter '${key}'`);
    let i = len + 1;
    value = '';
    while (i < rest.length) {
      if (rest[i] === ',') {
        if (rest[i + 1] !== ',') {
          i++;
          break;
        }
        i++;
      }
      value += rest[i++];
    }
    next = pos + i;
  }
  put(cur, frag, value, key);
  return next;
}

// Turns dictionaries whose keys are all list indexes into arrays, recursively (keyval_listify).
function listify(cur: KeyvalDict, path: string[]): KeyvalValue {
  let hasIndex = false;
  let hasMember = false;
  for (const k of Object.keys(cur)) {
    if (/^[0-9]/.test(k)) hasIndex = true;
    else hasMember = true;
    const v = cur[k];
    if (isDict(v)) cur[k] = listify(v, [...path, k]);
  }
  const prefix = path.map((p) => p + '.').join('');
  if (hasIndex && hasMember) throw new KeyvalError(`Parameters '${prefix}*' used inconsistently`);
  if (!hasIndex) return cur;
  const keys = Object.keys(cur);
  const elt: (KeyvalValue | undefined)[] = new Array(keys.length).fill(undefined);
  let maxIndex = -1;
  for (const k of keys) {
    const index = keyToIndex(k)!.index;
    if (index > maxIndex) maxIndex = index;
    if (index < keys.length) elt[index] = cur[k];
  }
  const list: KeyvalValue[] = [];
  for (let i = 0; i < Math.min(keys.length + 1, maxIndex + 1); i++) {
    const v = elt[i];
    if (v === undefined) throw new KeyvalError(`Parameter '${prefix}${i}' missing`);
    list.push(v);
  }
  return list;
}

/** keyval_parse / keyval_parse_into. Throws KeyvalError with QEMU's message. */
export function keyvalParse(params: string, opts: KeyvalParseOptions = {}): KeyvalParseResult {
  const dict = opts.into ?? newDict();
  const state = { help: false };
  let implied = opts.impliedKey;
  let pos = 0;
  while (pos < params.length) {
    pos = parseOne(dict, params, pos, implied, state);
    implied = undefined;
  }
  if (state.help && !opts.allowHelp) throw new KeyvalError('Help is not available for this option');
  listify(dict, []);
  return { dict, help: state.help };
}

/**
 * keyval_merge: merges src into dest, recursively for dictionaries; lists are appended, strings
 * replaced. Throws KeyvalError on a type clash.
 */
export function keyvalMerge(dest: KeyvalDict, src: KeyvalDict, prefix = ''): void {
  for (const k of Object.keys(src)) {
    const nv = src[k];
    if (has(dest, k)) {
      const ov = dest[k];
      const kind = (v: KeyvalValue) => (typeof v === 'string' ? 's' : Array.isArray(v) ? 'l' : 'd');
      if (kind(ov) !== kind(nv)) throw new KeyvalError(`Parameter '${prefix}${k}' used inconsistently`);
      if (isDict(ov) && isDict(nv)) {
        keyvalMerge(ov, nv, `${prefix}${k}.`);
        continue;
      }
      if (Array.isArray(ov) && Array.isArray(nv)) {
        ov.push(...nv.map(clone));
        continue;
      }
    }
    dest[k] = clone(nv);
  }
}

/** A deep copy that keeps null-prototype dictionaries. */
export function clone(v: KeyvalValue): KeyvalValue {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(clone);
  const d = newDict();
  for (const k of Object.keys(v)) d[k] = clone(v[k]);
  return d;
}

/** Looks a dotted path up in a keyval dictionary (e.g. `smp.cpus`); undefined when absent. */
export function keyvalGet(d: KeyvalDict, path: string): KeyvalValue | undefined {
  let cur: KeyvalValue | undefined = d;
  for (const part of path.split('.')) {
    if (!isDict(cur) || !has(cur, part)) return undefined;
    cur = cur[part];
  }
  return cur;
}
