// Sizes as QEMU 7.2 reads them (qemu_strtosz in util/cutils.c). Users copy sizes between QEMU command
// lines, qemu-img and emu, so every accepted and rejected spelling must behave as in QEMU.
//
// API choice: parseSizeBig returns the exact unsigned 64-bit value as a bigint; parseSize returns a JS
// number and throws SizeError('unsafe') above 2^53, so no caller ever gets a silently rounded size.

export type SizeSuffix = 'B' | 'K' | 'M' | 'G' | 'T' | 'P' | 'E';

export type SizeErrorKind =
  /** Not a size at all: QEMU's EINVAL. */
  | 'invalid'
  /** A size, but not below 2^64: QEMU's ERANGE. */
  | 'range'
  /** Valid for QEMU but above 2^53, which a JS number cannot hold exactly. */
  | 'unsafe';

export class SizeError extends Error {
  readonly kind: SizeErrorKind;
  readonly text: string;
  constructor(kind: SizeErrorKind, text: string) {
    super(
      kind === 'invalid'
        ? `'${text}' is not a size`
        : kind === 'range'
          ? `'${text}' is not below 2^64`
          : `'${text}' is above 2^53 and cannot be represented exactly`,
    );
    this.name = 'SizeError';
    this.kind = kind;
    this.text = text;
  }
}

export interface SizeOptions {
  /** Unit assumed when no suffix is given: 'B' for properties (QEMU's default), 'M' for -m style. */
  defaultSuffix?: SizeSuffix;
  /** 1024 (qemu_strtosz) or 1000 (qemu_strtosz_metric). */
  unit?: 1024 | 1000;
  /** QEMU 7.2 accepts but deprecates a suffix on a hex number and says so on stderr. */
  onWarning?: (message: string) => void;
}

/** The hint QEMU appends (error_append_hint) to a bad size in an option; ends with a newline. */
export const SIZE_HINT =
  'Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n';

const TWO64 = 1n << 64n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER) + 1n; // 2^53 is still exact

function suffixMul(c: string | undefined, unit: bigint): bigint | undefined {
  switch (c?.toUpperCase()) {
    case 'B':
      return 1n;
    case 'K':
      return unit;
    case 'M':
      return unit ** 2n;
    case 'G':
      return unit ** 3n;
    case 'T':
      return unit ** 4n;
    case 'P':
      return unit ** 5n;
    case 'E':
      return unit ** 6n;
    default:
      return undefined;
  }
}

// strtoull's prefix: optional whitespace and sign, then digits of the base. Returns the end index,
// or -1 when no digit was consumed.
function scanUnsigned(s: string, start: number, base: 10 | 16): { end: number; value: bigint; negative: boolean } | undefined {
  let i = start;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  if (base === 16 && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    i += 2;
  }
  const digits = base === 10 ? /[0-9]/ : /[0-9a-fA-F]/;
  const from = i;
  while (i < s.length && digits.test(s[i])) i++;
  if (i === from) return undefined;
  const value = BigInt((base === 16 ? '0x' : '') + s.slice(from, i));
  return { end: i, value, negative };
}

/** Parses a size exactly; throws SizeError('invalid' | 'range'). */
export function parseSizeBig(text: string, opts: SizeOptions = {}): bigint {
  const unit = BigInt(opts.unit ?? 1024);
  const invalid = () => new SizeError('invalid', text);

  const dec = scanUnsigned(text, 0, 10);
  if (!dec) throw invalid();
  if (dec.value >= TWO64) throw new SizeError('range', text);
  // QEMU refuses any '-' in the integral part rather than wrapping as strtoull would.
  if (dec.negative) throw invalid();
  let val = dec.value;
  let end = dec.end;
  let hex = false;
  let valf = 0n; // the fraction as 64.64 fixed point, as QEMU computes it

  if (val === 0n && (text[end] === 'x' || text[end] === 'X')) {
    const h = scanUnsigned(text, 0, 16);
    if (!h) throw invalid();
    if (h.value >= TWO64) throw new SizeError('range', text);
    val = h.value;
    end = h.end;
    if (text[end] === '.') throw invalid();
    hex = true;
  } else if (text[end] === '.') {
    // strtod on ".digits[exponent]"; an exponent makes the whole input invalid, and a lone '.' is
    // skipped so that "1.k" works.
    const m = /^\.([0-9]+)([eE][+-]?[0-9]+)?/.exec(text.slice(end));
    if (!m) {
      end += 1;
    } else {
      if (m[2] !== undefined) throw invalid();
      const fraction = Number('0.' + m[1]);
      end += m[0].length;
      // QEMU casts fraction * 2^64 to uint64; a fraction that rounds to 1.0 overflows the cast,
      // which yields 0 on the hosts QEMU is built for.
      const scaled = BigInt(Math.trunc(fraction * 2 ** 64));
      valf = scaled >= TWO64 ? 0n : scaled;
    }
  }

  let mul = suffixMul(text[end], unit);
  if (mul !== undefined) {
    if (hex) opts.onWarning?.(`Using a multiplier suffix on hex numbers is deprecated: ${text}`);
    end++;
  } else {
    mul = suffixMul(opts.defaultSuffix ?? 'B', unit)!;
  }
  if (end !== text.length) throw invalid();

  if (mul === 1n) {
    if (valf !== 0n) throw invalid();
    return val;
  }
  const f = valf * mul;
  let result = val * mul + (f >> 64n);
  result += (f >> 63n) & 1n; // round half up
  if (result >= TWO64) throw new SizeError('range', text);
  return result;
}

/** parseSizeBig as a JS number; throws SizeError('unsafe') above 2^53. */
export function parseSize(text: string, opts: SizeOptions = {}): number {
  const v = parseSizeBig(text, opts);
  if (v > MAX_SAFE) throw new SizeError('unsafe', text);
  return Number(v);
}

/**
 * QEMU's QemuOpts message for a bad size option (parse_option_size): the message, and for malformed
 * input the hint that QEMU prints on the following lines.
 */
export function sizeOptionError(name: string, value: string, e: SizeError): { message: string; hint?: string } {
  if (e.kind === 'invalid') {
    return { message: `Parameter '${name}' expects a non-negative number below 2^64`, hint: SIZE_HINT };
  }
  return { message: `Value '${value}' is out of range for parameter '${name}'` };
}

/** QEMU's message for a bad size in a keyval / QAPI property (qobject_input_type_size_keyval). */
export function sizePropertyError(fullName: string): string {
  return `Parameter '${fullName}' expects size`;
}
