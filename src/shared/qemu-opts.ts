// QEMU's older option syntax, QemuOpts (util/qemu-option.c, QEMU 7.2): flat key=value lists used by
// -drive, -device, -chardev, -netdev, -mon, -m, -name, -accel, -global and most -readconfig groups.
// Unlike keyval, dots are ordinary characters, the implied first value may contain ",,", a bare word
// is a (deprecated) boolean flag, and instances are kept in a list with ids.

import { parseSizeBig, SizeError, sizeOptionError } from './size.ts';

export type QemuOptType = 'string' | 'bool' | 'number' | 'size';

export interface QemuOptDesc {
  name: string;
  type: QemuOptType;
  help?: string;
  /** QEMU's def_value_str: what get() returns for an unset option. */
  defValue?: string;
}

export interface QemuOptsListSpec {
  /** The group name, used in messages ("Duplicate ID 'x' for drive"). */
  name: string;
  /** Key of a first parameter written without `key=`, when the caller permits it. */
  impliedOptName?: string;
  /** All occurrences merge into one instance (-m, -name, -rtc ...); ids are refused. */
  mergeLists?: boolean;
  /** Accepted options; an empty list accepts anything (validation happens later, as in QEMU). */
  desc: readonly QemuOptDesc[];
}

export interface QemuOpt {
  name: string;
  /** The value as typed. */
  str: string;
  /** The typed value for described bool / number / size options. */
  value?: boolean | bigint;
}

/** A QEMU warning: the message (printed with the location prefix) and its hint lines. */
export interface QemuOptsWarning {
  message: string;
  hint?: string;
}

/** A QemuOpts error with QEMU's message and, where QEMU appends one, its hint (ends with "\n"). */
export class QemuOptsError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'QemuOptsError';
    this.hint = hint;
  }
}

export const ID_HINT = "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n";

/** QEMU's id_wellformed: a letter, then letters, digits, '-', '.', '_'. */
export function idWellformed(id: string): boolean {
  return /^[A-Za-z][A-Za-z0-9._-]*$/.test(id);
}

/** qapi_bool_parse: exactly on/yes/true/y or off/no/false/n, case-sensitive. */
export function parseBool(name: string, value: string): boolean {
  if (value === 'on' || value === 'yes' || value === 'true' || value === 'y') return true;
  if (value === 'off' || value === 'no' || value === 'false' || value === 'n') return false;
  throw new QemuOptsError(`Parameter '${name}' expects 'on' or 'off'`);
}

/**
 * strtoull with base 0 as qemu_strtou64 uses it: leading blanks, optional sign (a '-' wraps modulo
 * 2^64), 0x for hex, a leading 0 for octal, nothing after the digits.
 */
export function parseU64(text: string): { ok: true; value: bigint } | { ok: false; range: boolean } {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return { ok: false, range: false };
  const digits = m[2];
  let v = /^0[xX]/.test(digits) ? BigInt(digits) : digits.length > 1 && digits[0] === '0' ? BigInt('0o' + digits.slice(1)) : BigInt(digits);
  if (v >= 1n << 64n) return { ok: false, range: true };
  if (m[1] === '-') v = ((1n << 64n) - v) % (1n << 64n);
  return { ok: true, value: v };
}

function parseNumber(name: string, value: string): bigint {
  const r = parseU64(value);
  if (r.ok) return r.value;
  if (r.range) throw new QemuOptsError(`Value '${value}' is too large for parameter '${name}'`);
  throw new QemuOptsError(`Parameter '${name}' expects a number`);
}

function parseSizeOpt(name: string, value: string, onWarning?: (w: QemuOptsWarning) => void): bigint {
  try {
    return parseSizeBig(value, onWarning ? { onWarning: (message) => onWarning({ message }) } : {});
  } catch (e) {
    if (!(e instanceof SizeError)) throw e;
    const { message, hint } = sizeOptionError(name, value, e);
    throw new QemuOptsError(message, hint);
  }
}

const isHelp = (s: string) => s === 'help' || s === '?';

/** Reads a value up to the next single comma, undoubling ",,"; returns it and the index of the stop. */
function readValue(s: string, i: number): { value: string; end: number } {
  let value = '';
  while (i < s.length) {
    if (s[i] === ',') {
      if (s[i + 1] !== ',') break;
      value += ',';
      i += 2;
      continue;
    }
    value += s[i++];
  }
  return { value, end: i };
}

interface RawParam {
  name: string;
  value: string;
  /** A bare word taken as a flag (foo → foo=on, nofoo → foo=off). */
  flag?: { prefix: string; help: boolean };
}

// get_opt_name_value: one parameter at i; returns it and where the next starts.
function nextParam(s: string, i: number, firstName: string | undefined): { p: RawParam; next: number } {
  const rest = s.slice(i);
  let len = rest.search(/[=,]/);
  if (len < 0) len = rest.length;
  let p: RawParam;
  let end: number;
  if (rest[len] !== '=') {
    if (firstName !== undefined) {
      const r = readValue(s, i);
      p = { name: firstName, value: r.value };
      end = r.end;
    } else {
      const word = rest.slice(0, len);
      end = i + len;
      if (word.startsWith('no')) p = { name: word.slice(2), value: 'off', flag: { prefix: 'no', help: false } };
      else p = { name: word, value: 'on', flag: { prefix: '', help: isHelp(word) } };
    }
  } else {
    const r = readValue(s, i + len + 1);
    p = { name: rest.slice(0, len), value: r.value };
    end = r.end;
  }
  return { p, next: s[end] === ',' ? end + 1 : end };
}

export interface QemuOptsParseOptions {
  /** Allow the first parameter to omit `key=` (uses the list's impliedOptName). */
  permitAbbrev?: boolean;
  /** Warn about short-form booleans, as the command line does (qemu_opts_parse_noisily). */
  warnOnFlag?: boolean;
  onWarning?: (w: QemuOptsWarning) => void;
  /**
   * Treat a bare `help`/`?` as a help request (noisily parsing a described list); the result then
   * has helpWanted set and is not stored.
   */
  allowHelp?: boolean;
}

/** One instance of an option group: an id and the options in the order given. */
export class QemuOpts {
  readonly list: QemuOptsList;
  id: string | undefined;
  readonly opts: QemuOpt[] = [];
  /** Set on a throwaway result when a help request was parsed. */
  helpWanted = false;

  constructor(list: QemuOptsList, id: string | undefined) {
    this.list = list;
    this.id = id;
  }

  private find(name: string): QemuOpt | undefined {
    for (let i = this.opts.length - 1; i >= 0; i--) if (this.opts[i].name === name) return this.opts[i];
    return undefined;
  }

  private desc(name: string): QemuOptDesc | undefined {
    return this.list.spec.desc.find((d) => d.name === name);
  }

  /** The last value set for name, else its default, else undefined. */
  get(name: string): string | undefined {
    return this.find(name)?.str ?? this.desc(name)?.defValue;
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  getBool(name: string, def: boolean): boolean {
    const s = this.get(name);
    return s === undefined ? def : parseBool(name, s);
  }

  getNumber(name: string, def?: bigint): bigint | undefined {
    const s = this.get(name);
    return s === undefined ? def : parseNumber(name, s);
  }

  getSize(name: string, def?: bigint): bigint | undefined {
    const s = this.get(name);
    return s === undefined ? def : parseSizeOpt(name, s);
  }

  /**
   * Appends an option after validating it against the list (qemu_opt_set). onWarning receives
   * QEMU's deprecation warning for a hex size with a suffix.
   */
  set(name: string, value: string, onWarning?: (w: QemuOptsWarning) => void): void {
    const desc = this.desc(name);
    if (!desc && this.list.spec.desc.length > 0) throw new QemuOptsError(`Invalid parameter '${name}'`);
    const opt: QemuOpt = { name, str: value };
    if (desc?.type === 'bool') opt.value = parseBool(name, value);
    else if (desc?.type === 'number') opt.value = parseNumber(name, value);
    else if (desc?.type === 'size') opt.value = parseSizeOpt(name, value, onWarning);
    this.opts.push(opt);
  }

  /**
   * qemu_opts_do_parse: adds the parameters of params to this instance (first key implied by
   * firstName when given); `id` parameters are ignored. Throws QemuOptsError.
   */
  doParse(params: string, firstName?: string): void {
    let fn = firstName;
    for (let i = 0; i < params.length; ) {
      const { p, next } = nextParam(params, i, fn);
      fn = undefined;
      i = next;
      if (p.name === 'id') continue;
      this.set(p.name, p.value);
    }
  }

  /** Removes every setting of name (qemu_opt_get_del / qemu_opt_unset). */
  unset(name: string): void {
    for (let i = this.opts.length - 1; i >= 0; i--) if (this.opts[i].name === name) this.opts.splice(i, 1);
  }

  /** QEMU's qemu_opts_to_qdict: id first, then each option, the last setting winning. */
  toDict(): Record<string, string> {
    const d: Record<string, string> = Object.create(null);
    if (this.id !== undefined) d.id = this.id;
    for (const o of this.opts) d[o.name] = o.str;
    return d;
  }
}

/** A QemuOptsList: the spec of a group and its instances in creation order. */
export class QemuOptsList {
  readonly spec: QemuOptsListSpec;
  readonly instances: QemuOpts[] = [];

  constructor(spec: QemuOptsListSpec) {
    this.spec = spec;
  }

  get name(): string {
    return this.spec.name;
  }

  get acceptsAny(): boolean {
    return this.spec.desc.length === 0;
  }

  find(id: string | undefined): QemuOpts | undefined {
    return this.instances.find((o) => o.id === id);
  }

  /** qemu_opts_create: the merged instance, or a new one checked for a good and unique id. */
  create(id: string | undefined): QemuOpts {
    if (this.spec.mergeLists) {
      if (id !== undefined) throw new QemuOptsError("Invalid parameter 'id'");
      const existing = this.find(undefined);
      if (existing) return existing;
    } else if (id !== undefined) {
      if (!idWellformed(id)) throw new QemuOptsError("Parameter 'id' expects an identifier", ID_HINT);
      if (this.find(id)) throw new QemuOptsError(`Duplicate ID '${id}' for ${this.spec.name}`);
    }
    const o = new QemuOpts(this, id);
    this.instances.push(o);
    return o;
  }

  /** Removes an instance (used to undo a failed parse). */
  remove(o: QemuOpts): void {
    const i = this.instances.indexOf(o);
    if (i >= 0) this.instances.splice(i, 1);
  }

  /**
   * qemu_opts_parse(_noisily): parses params into a new instance (or the merged one). Throws
   * QemuOptsError with QEMU's message; the list is left as it was.
   */
  parse(params: string, options: QemuOptsParseOptions = {}): QemuOpts {
    const firstName = options.permitAbbrev ? this.spec.impliedOptName : undefined;
    const wantHelp = options.allowHelp === true && !this.acceptsAny;

    // The id is looked for first, without an implied key (opts_parse_id): the first id= wins.
    let id: string | undefined;
    for (let i = 0; i < params.length; ) {
      const { p, next } = nextParam(params, i, undefined);
      if (p.name === 'id') {
        id = p.value;
        break;
      }
      i = next;
    }

    const existed = this.spec.mergeLists ? this.find(undefined) : undefined;
    const opts = this.create(id);
    const before = opts.opts.length;
    try {
      let fn = firstName;
      for (let i = 0; i < params.length; ) {
        const { p, next } = nextParam(params, i, fn);
        fn = undefined;
        i = next;
        if (p.flag && options.warnOnFlag && !p.flag.help) {
          const hint =
            p.name === 'delay'
              ? `Please use nodelay=${p.flag.prefix ? 'on' : 'off'} instead\n`
              : `Please use ${p.name}=${p.value} instead\n`;
          options.onWarning?.({ message: `short-form boolean option '${p.flag.prefix}${p.name}' deprecated`, hint });
        }
        if (wantHelp && p.flag?.help) {
          opts.opts.splice(before);
          if (!existed) this.remove(opts);
          const h = new QemuOpts(this, undefined);
          h.helpWanted = true;
          return h;
        }
        if (p.name === 'id') continue;
        opts.set(p.name, p.value, options.onWarning);
      }
    } catch (e) {
      opts.opts.splice(before);
      if (!existed) this.remove(opts);
      throw e;
    }
    return opts;
  }

  /**
   * qemu_opts_from_qdict: a new instance from a dictionary (JSON -device); strings, numbers and
   * booleans are copied as QEMU prints them, other values are ignored.
   */
  fromDict(dict: Record<string, unknown>): QemuOpts {
    const id = typeof dict.id === 'string' ? dict.id : undefined;
    const opts = this.create(id);
    try {
      for (const [k, v] of Object.entries(dict)) {
        if (k === 'id') continue;
        if (typeof v === 'string') opts.set(k, v);
        else if (typeof v === 'number' || typeof v === 'bigint') opts.set(k, String(v));
        else if (typeof v === 'boolean') opts.set(k, v ? 'on' : 'off');
      }
    } catch (e) {
      this.remove(opts);
      throw e;
    }
    return opts;
  }
}
