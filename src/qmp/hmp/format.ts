// Number and text formatting exactly as QEMU's monitor prints it, so that output read by people and
// parsed by scripts written for QEMU looks the same.

const SIZE_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** C's frexp exponent: x = m * 2^e with 0.5 <= m < 1 (0 for 0). */
function frexpExponent(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return 0;
  let e = Math.floor(Math.log2(x)) + 1;
  // log2 may be off by one ulp near powers of two.
  if (2 ** (e - 1) > x) e--;
  if (2 ** e <= x) e++;
  return e;
}

/** C's printf("%.3g"). */
export function formatG3(n: number): string {
  if (n === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  let s = n.toPrecision(3);
  // toPrecision rounds first; take the exponent of the rounded value, as C does.
  const rounded = Number(s);
  const e = rounded === 0 ? exp : Math.floor(Math.log10(Math.abs(rounded)));
  if (e < -4 || e >= 3) {
    const [mant, ex] = rounded.toExponential(2).split('e');
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const exNum = Number(ex);
    return `${m}e${exNum < 0 ? '-' : '+'}${String(Math.abs(exNum)).padStart(2, '0')}`;
  }
  if (s.includes('e')) s = rounded.toFixed(Math.max(0, 2 - e));
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** QEMU's size_to_str: "512 B", "4 KiB", "0.977 KiB", "1.5 GiB". */
export function sizeToStr(value: number | bigint): string {
  const v = Number(value);
  // Switches to the next unit once the integer part reaches 1000 (QEMU divides by 1000/1024).
  const i = Math.trunc((frexpExponent(v / (1000 / 1024)) - 1) / 10);
  const unit = Math.min(Math.max(i, 0), SIZE_SUFFIXES.length - 1);
  return `${formatG3(v / 2 ** (unit * 10))} ${SIZE_SUFFIXES[unit]}B`;
}

/** An integer as QEMU's human-readable property printer shows it: "128 (0x80)", "-1 (0xffffffffffffffff)". */
export function intWithHex(value: number | bigint | string): string {
  const b = BigInt(value);
  return `${b} (0x${BigInt.asUintN(64, b).toString(16)})`;
}

/** QEMU's monitor turns every "\n" it prints into "\r\n" (monitor_puts); so does emu. */
export function toMonitorText(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
