// Sizes for people, as qemu-img prints them (QEMU's size_to_str): three significant digits and a
// binary unit, switching unit once the number would reach 1000.

const SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

export function sizeToStr(val: number): string {
  // frexp(val * 1024 / 1000) gives the exponent e with 2^(e-1) <= x < 2^e.
  const x = val / (1000 / 1024);
  const e = x === 0 ? 0 : Math.floor(Math.log2(x)) + 1;
  const i = Math.max(0, Math.floor((e - 1) / 10));
  return `${formatG3(val / 2 ** (i * 10))} ${SUFFIXES[i]}B`;
}

/** C's "%0.3g" for the values sizeToStr produces (below 1000 after scaling). */
export function formatG3(v: number): string {
  if (v === 0) return '0';
  const s = v.toPrecision(3);
  if (s.includes('e')) return String(Number(s));
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/**
 * C's "%0.2f": like toFixed(2), except that an exact tie rounds to even (glibc), where toFixed rounds
 * up — 4/128 is 3.125%, which qemu-img prints as 3.12.
 */
export function cFixed2(x: number): string {
  const exact = x.toFixed(100);
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 3);
  if (!/^50*$/.test(rest)) return x.toFixed(2);
  const kept = exact.slice(0, dot + 3);
  const last = Number(kept[kept.length - 1]);
  if (last % 2 === 0) return kept;
  return x.toFixed(2);
}
