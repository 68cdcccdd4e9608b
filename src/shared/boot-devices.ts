// QEMU's boot device letters (-boot order=, once=; a machine's boot order): a and b floppy, c disk,
// d cdrom, n to p network, each at most once. One check for both front ends, which report it in
// their own conventions.

/** validate_bootdevices: QEMU 7.2's message for a bad list of boot letters, or undefined. */
export function bootDevicesError(devices: string): string | undefined {
  const seen = new Set<string>();
  for (const c of devices) {
    if (c < 'a' || c > 'p') return `Invalid boot device '${c}'`;
    if (seen.has(c)) return `Boot device '${c}' was given twice`;
    seen.add(c);
  }
  return undefined;
}
