import t from 'tap';
import { QmpError } from '../../src/shared/errors.ts';
import { createChardev, RingbufChardev } from '../../src/hw/chardev/index.ts';
import { cStringToJson, qbase64Decode, qmpStringBytes } from '../../src/hw/chardev/ringbuf.ts';

// Golden values observed with qemu-system-riscv64 7.2 over QMP (chardev-add ringbuf size=8 or 16,
// ringbuf-write, ringbuf-read).

t.test('describe and sizes', async (t) => {
  const r = createChardev('r0', { type: 'ringbuf' }) as RingbufChardev;
  t.equal(r.describe(), 'ringbuf');
  t.equal(r.size, 65536);
  const m = createChardev('m0', { type: 'memory', data: { size: 1024 } });
  t.equal(m.describe(), 'memory');
  for (const size of [1000, 3, -8, 0]) {
    t.throws(() => createChardev('x', { type: 'ringbuf', data: { size } }),
      new QmpError('size of ringbuf chardev must be power of two'), `size ${size}`);
  }
  await r.close();
  await m.close();
});

t.test('wrap-around keeps the newest bytes', async (t) => {
  const r = new RingbufChardev('r', { size: 8 });
  await r.open();
  r.qmpWrite('abc');
  t.equal(r.qmpRead(10), 'abc');
  r.qmpWrite('0123456789AB');
  t.equal(r.count, 8);
  t.equal(r.qmpRead(3), '456');
  t.equal(r.qmpRead(100), '789AB');
  t.equal(r.qmpRead(100), '');
  t.throws(() => r.qmpRead(0), new QmpError('size must be greater than zero'));
  t.throws(() => r.qmpRead(-1), new QmpError('size must be greater than zero'));
  // The frontend's output goes into the same ring.
  r.write('guest');
  r.qmpWrite('+qmp');
  t.equal(r.qmpRead(100), 'uest+qmp');
  // A write far larger than the ring keeps its tail.
  r.ringbufWrite(Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff));
  t.same([...r.ringbufRead(100)], [0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7]);
  await r.close();
});

t.test('base64 as QEMU 7.2 decodes it', async (t) => {
  const r = new RingbufChardev('r', { size: 16 });
  await r.open();
  const cases: [string, string][] = [
    ['AAEC/w==', 'AAEC/w=='], ['a', ''], ['ab', ''], ['abc', ''], ['YQ', ''], ['YQ=', ''],
    ['YQ==YQ==', 'YWE='], ['YW=j', 'YSM='], ['YQ==\n', 'YQ=='], ['YWJjZA', 'YWJj'], ['YWJ\ni', 'YWJi'], ['', ''],
  ];
  for (const [input, read] of cases) {
    r.qmpWrite(input, 'base64');
    t.equal(r.qmpRead(100, 'base64'), read, JSON.stringify(input));
  }
  for (const bad of ['!!!!', 'Y Q = =', 'YWJj ']) {
    t.throws(() => r.qmpWrite(bad, 'base64'), new QmpError('Base64 data contains invalid characters'), bad);
  }
  t.same([...qbase64Decode('AP8A')], [0, 0xff, 0]);
  await r.close();
});

t.test('utf8 as QEMU 7.2 reads and writes it', async (t) => {
  const r = new RingbufChardev('r', { size: 16 });
  await r.open();
  r.qmpWrite('h\u00e9\u20ac');
  t.equal(r.qmpRead(3), 'h\u00e9', 'size counts bytes');
  t.equal(r.qmpRead(100), '\u20ac');
  r.qmpWrite('x\u0000y');
  t.equal(r.qmpRead(100, 'base64'), 'eMCAeQ==', 'U+0000 is written as C0 80');
  const golden: [string, string, number?][] = [
    ['AP8A', ''], // stops at the first NUL
    ['YQB/gA==', 'a'],
    ['Yf9i', 'a\ufffdb'],
    ['4oKs4oKs', '\u20ac\u20ac'],
    ['wMDAgA==', '\ufffd\ufffd\u0000'],
    ['7aCA', '\ufffd'], // a surrogate
    ['8J+YgA==', '\u{1F600}'],
    ['+A==', '\ufffd'],
    ['gIA=', '\ufffd\ufffd'],
  ];
  for (const [b64, text] of golden) {
    r.qmpWrite(b64, 'base64');
    t.equal(r.qmpRead(100), text, b64);
  }
  // A read that splits a character: the lead byte alone, then the continuation bytes.
  r.qmpWrite('YeKCrGI=', 'base64');
  t.equal(r.qmpRead(2), 'a\ufffd');
  t.equal(r.qmpRead(100), '\ufffd\ufffdb');
  t.same([...qmpStringBytes('a\u0000')], [0x61, 0xc0, 0x80]);
  t.equal(cStringToJson(Uint8Array.of(0xc0, 0x80, 0x41)), '\u0000A');
  await r.close();
});
