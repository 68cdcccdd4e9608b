// Golden tests for QEMU 7.2's qemu_strtosz, observed with `-m` and `qemu-img create`.
import t from 'tap';
import {
  parseSize,
  parseSizeBig,
  SizeError,
  sizeOptionError,
  sizePropertyError,
  SIZE_HINT,
} from '../../src/shared/size.ts';

const K = 1024n;

const kindOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof SizeError) return e.kind;
    throw e;
  }
  return 'no error';
};

t.test('suffixes, case-insensitive, default unit bytes', async (t) => {
  t.equal(parseSizeBig('0'), 0n);
  t.equal(parseSizeBig('512'), 512n);
  t.equal(parseSizeBig('1b'), 1n);
  t.equal(parseSizeBig('1B'), 1n);
  t.equal(parseSizeBig('1k'), K);
  t.equal(parseSizeBig('1K'), K);
  t.equal(parseSizeBig('1m'), K * K);
  t.equal(parseSizeBig('1M'), K * K);
  t.equal(parseSizeBig('1g'), K ** 3n);
  t.equal(parseSizeBig('2G'), 2n * K ** 3n);
  t.equal(parseSizeBig('1t'), K ** 4n);
  t.equal(parseSizeBig('1P'), K ** 5n);
  t.equal(parseSizeBig('1e'), K ** 6n);
  t.equal(parseSizeBig('15E'), 15n * K ** 6n);
});

t.test('caller default suffix (MiB for -m style)', async (t) => {
  t.equal(parseSizeBig('512', { defaultSuffix: 'M' }), 512n * K * K);
  t.equal(parseSizeBig('512K', { defaultSuffix: 'M' }), 512n * K);
  t.equal(parseSizeBig('1b', { defaultSuffix: 'M' }), 1n);
  t.equal(parseSize('256', { defaultSuffix: 'M' }), 256 * 1024 * 1024);
});

t.test('fractions need a scale and round half up', async (t) => {
  t.equal(parseSizeBig('1.5G'), 1610612736n);
  t.equal(parseSizeBig('1.5k'), 1536n);
  t.equal(parseSizeBig('1.k'), 1024n);
  t.equal(parseSizeBig('1.G'), K ** 3n);
  t.equal(parseSizeBig('1.0000000000000000000001G'), K ** 3n);
  t.equal(parseSizeBig('0.0007k'), 1n); // 0.7168 rounds up
  t.equal(parseSizeBig('0.0004k'), 0n); // 0.4096 rounds down
  t.equal(parseSizeBig('1.0'), 1n); // a zero fraction needs no scale
  for (const bad of ['1.5', '1.1', '0.5', '1.5b', '.5G', '1e3', '1.e3k', '1.5e3k', '1..5k', '1.5.k']) {
    t.equal(kindOf(() => parseSizeBig(bad)), 'invalid', bad);
  }
});

t.test('hex: no fraction, suffix deprecated but accepted', async (t) => {
  const warnings: string[] = [];
  t.equal(parseSizeBig('0x10'), 16n);
  t.equal(parseSizeBig('0X10'), 16n);
  t.equal(parseSizeBig('0x10k', { onWarning: (w) => warnings.push(w) }), 16384n);
  t.same(warnings, ['Using a multiplier suffix on hex numbers is deprecated: 0x10k']);
  for (const bad of ['0x', '00x10', '0x1.8M']) t.equal(kindOf(() => parseSizeBig(bad)), 'invalid', bad);
});

t.test('whitespace, signs and garbage', async (t) => {
  t.equal(parseSizeBig(' 1G'), K ** 3n);
  t.equal(parseSizeBig('+1k'), K);
  for (const bad of ['', 'k', 'garbage', '-1', '-0', '1k ', '1G5', '1M1', '1KB', '1KiB', '1Q', '1,5k', ' ']) {
    t.equal(kindOf(() => parseSizeBig(bad)), 'invalid', JSON.stringify(bad));
  }
});

t.test('range', async (t) => {
  t.equal(parseSizeBig('18446744073709551615'), 2n ** 64n - 1n);
  t.equal(parseSizeBig('0xffffffffffffffff'), 2n ** 64n - 1n);
  for (const big of ['18446744073709551616', '16E', '99999999999999999999k', '0x10000000000000000']) {
    t.equal(kindOf(() => parseSizeBig(big)), 'range', big);
  }
  t.equal(parseSize('9007199254740992'), 2 ** 53);
  t.equal(kindOf(() => parseSize('9007199254740993')), 'unsafe');
  t.equal(kindOf(() => parseSize('1E')), 'unsafe');
});

t.test("QEMU's error texts", async (t) => {
  let e: SizeError | undefined;
  try {
    parseSizeBig('garbage');
  } catch (x) {
    e = x as SizeError;
  }
  t.ok(e instanceof SizeError);
  t.same(sizeOptionError('size', 'garbage', e!), {
    message: "Parameter 'size' expects a non-negative number below 2^64",
    hint: 'Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n',
  });
  t.equal(SIZE_HINT, 'Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n');
  try {
    parseSizeBig('16E');
  } catch (x) {
    e = x as SizeError;
  }
  t.same(sizeOptionError('size', '16E', e!), { message: "Value '16E' is out of range for parameter 'size'" });
  t.equal(sizePropertyError('memory.size'), "Parameter 'memory.size' expects size");
});
