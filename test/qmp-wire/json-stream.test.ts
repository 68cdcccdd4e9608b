// The streamer against QEMU 7.2's observed behaviour (facts 1.1, 1.5, 1.7, 1.8 and probes of the
// real qemu-system-riscv64 on this machine). Every expected text here was seen on the wire.
import t from 'tap';
import { JsonStreamer, type JsonValue } from '../../src/qmp/wire/json-stream.ts';
import { encodeJson } from '../../src/qmp/wire/encode.ts';

type Item = { v: JsonValue } | { e: string };

function run(chunks: Array<string | Buffer>, opts?: ConstructorParameters<typeof JsonStreamer>[2]): Item[] {
  const out: Item[] = [];
  const s = new JsonStreamer((v) => out.push({ v }), (e) => out.push({ e }), opts);
  for (const c of chunks) s.feed(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
  return out;
}
const E = (rest: string): Item => ({ e: `JSON parse error, ${rest}` });

t.test('framing by structure, not lines', async (t) => {
  t.same(run(['{"execute":"qmp_capabilities"}']), [{ v: { execute: 'qmp_capabilities' } }], 'no newline');
  t.same(run(['{"id":1}{"id":2}\n']), [{ v: { id: 1 } }, { v: { id: 2 } }], 'two on one line');
  t.same(run(['{"exe', 'cute":"x",', '"id":[1,', '2]}']), [{ v: { execute: 'x', id: [1, 2] } }], 'split across writes');
  t.same(run(['{"a":"}{"}']), [{ v: { a: '}{' } }], 'braces inside strings do not count');
  t.same(run(['{"a":"\\"}"}']), [{ v: { a: '"}' } }], 'escaped quote');
  t.same(run(['{"a":1', '2}']), [{ v: { a: 12 } }], 'number split across writes');
  t.same(run(['tr', 'ue ']), [{ v: true }], 'keyword split across writes');
  // Byte by byte, as QEMU itself reads.
  const msg = '{"execute":"query-status","arguments":{"a":[1,2.5,"x\\n"]},"id":"q"}';
  t.same(run(msg.split('')), [{ v: { execute: 'query-status', arguments: { a: [1, 2.5, 'x\n'] }, id: 'q' } }]);
});

t.test('single-quoted strings', async (t) => {
  t.same(run(["{'execute':'query-status','id':'sq\\'\"'}"]), [{ v: { execute: 'query-status', id: 'sq\'"' } }]);
  t.same(run(['{"a":"it\\\'s"}']), [{ v: { a: "it's" } }], "\\' is an escape in double quotes too");
});

t.test("QEMU's error texts (facts 1.7)", async (t) => {
  t.same(run(['{ "execute": }']), [E('expecting value')]);
  t.same(run(['{"execute":"x",}']), [E('expecting value')], 'trailing comma');
  t.same(run(['}']), [E('expecting value')], 'stray }');
  t.same(run([']']), [E('expecting value')], 'stray ]');
  t.same(run(['{"execute":"query-status" "id":7}']), [E('expected separator in dict')]);
  t.same(run(['{"execute":"query-status","id":7} garbage\n']), [{ v: { execute: 'query-status', id: 7 } }, E("invalid keyword 'garbage'")]);
  t.same(run(['\x01']), [E("stray '\x01'")]);
  t.same(encodeJson("JSON parse error, stray '\x01'"), '"JSON parse error, stray \'\\u0001\'"', 'as QEMU prints it');
  t.same(run(['{"id":NaN}']), [E("stray 'N'"), E('expecting value')]);
  t.same(run(['{"id":NaN,"execute":"x"}']), [
    E("stray 'N'"), E('expecting value'), { v: 'execute' }, E('expecting value'), { v: 'x' }, E('expecting value'),
  ], 'recovery stops at structural characters');
  t.same(run(['{"a":"a\\qb"}']), [E('invalid escape sequence in string')]);
  t.same(run([Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xef, 0xbf, 0xbf, 0x22, 0x7d])]), [E('invalid UTF-8 sequence in string')], 'noncharacter');
  t.same(run([Buffer.from('{"a":"\xed\xa0\x80"}', 'latin1')]), [E('invalid UTF-8 sequence in string')], 'encoded surrogate');
  t.same(run([Buffer.from('{"a":"\xc3\x28"}', 'latin1')]), [E('invalid UTF-8 sequence in string')], 'bad continuation');
  t.same(run([Buffer.from('{"a":"\xc0\x80"}', 'latin1')]), [{ v: { a: '\u0000' } }], 'modified UTF-8 NUL is accepted');
  t.same(run([Buffer.from('{"a":"\xc3\xa9\xf0\x9f\x98\x80"}', 'latin1')]), [{ v: { a: '\u00e9\u{1f600}' } }], 'valid UTF-8');
  t.same(run(['{"id":4,"id":5}']), [E('duplicate key')]);
  t.same(run(['{"a":{"b":1,"b":1}}']), [E('duplicate key')], 'nested duplicate');
  t.same(run(['{"a":{"b":1},"c":{"b":1}}']), [{ v: { a: { b: 1 }, c: { b: 1 } } }], 'same key in sibling objects is fine');
  t.same(run(['{1:2}']), [E('key is not a string in object')]);
  t.same(run(['{"a"}']), [E('missing : in object pair')]);
  t.same(run(['[1}']), [E('expected separator in list')]);
  t.same(run(['True']), [E("stray 'T'")]);
  t.same(run(['{"id":01}']), [E("stray '01'"), E('expecting value')]);
  t.same(run(['{"id":-x}']), [E("stray '-x'"), E('expecting value')]);
  t.same(run(['{"a":"\\uD800"}']), [E('\\uD800 is not a valid Unicode character')]);
  t.same(run(['{"a":"\\uFFFF"}']), [E('\\uFFFF is not a valid Unicode character')]);
  t.same(run(['{"a":"\\u12"}']), [E('\\u12" is not a valid Unicode character')]);
  t.same(run(['{"a":"\\ud83d\\ude00"}']), [{ v: { a: '\u{1f600}' } }], 'surrogate pair escape');
  t.same(run([Buffer.from([0xff])]), [E("stray '\ufffd'")], '0xFF');
});

t.test('an unterminated string ends at a control character, then the parser resynchronises', async (t) => {
  // Observed on 7.2: a raw newline inside a string is a lexical error whose token is the string so far;
  // the rest of that line is skipped until a structural or control character.
  t.same(run(['{"execute":"query-status","id":"abc\n"}']), [E('stray \'"abc\n\''), E('expecting value')]);
  t.same(run(['"abc\ndef" ']), [E('stray \'"abc\n\'')]);
  t.same(run(['"abc{', '}']), [], 'an open string swallows structural characters');
  t.same(run(['{"a":"x', 'y}{"b":1}\x01{"id":1}']), [E('stray \'":1}\x01\''), { v: { id: 1 } }], 'the string ran to the next quote');
  t.same(run(['\x01{"id":1}']), [E("stray '\x01'"), { v: { id: 1 } }], 'a control character forces a known-good state');
  t.same(run(['{"a":@}{"id":2}']), [E("stray '@'"), E('expecting value'), { v: { id: 2 } }]);
});

t.test('numbers keep what QEMU keeps (facts 1.5)', async (t) => {
  const out = run(['[9007199254740993,18446744073709551615,-9223372036854775808,100000000000000000000,1e400,0.1,1.0,-0,-0.0,1e21,123456789012345678,12345678901234567890123,1.5e300]']);
  t.equal(out.length, 1);
  const v = (out[0] as { v: JsonValue }).v;
  t.equal(encodeJson(v),
    '[9007199254740993, 18446744073709551615, -9223372036854775808, 1e+20, inf, 0.10000000000000001, 1, 0, -0, 1e+21, 123456789012345678, 1.2345678901234568e+22, 1.5000000000000001e+300]');
});

t.test('nesting limit (facts 1.8)', async (t) => {
  const ok = run(['{"id":' + '['.repeat(1000) + '1' + ']'.repeat(1000) + '}']);
  t.equal(ok.length, 1);
  t.ok('v' in ok[0]);
  const out = run(['{"execute":"query-status","id":' + '['.repeat(1100) + '1' + ']'.repeat(1100) + '}']);
  // Seen on QEMU 7.2: the error, then the tail parsed as fresh input: one array (not an object) and
  // one "expecting value" per closing bracket left over.
  t.equal(out.length, 1027);
  t.same(out[0], { e: 'JSON nesting depth limit exceeded' });
  t.ok('v' in out[1] && Array.isArray((out[1] as { v: JsonValue }).v));
  t.ok(out.slice(2).every((x) => 'e' in x && x.e === 'JSON parse error, expecting value'));
});

t.test('token count and size limits', async (t) => {
  t.same(run(['[1,2,3,4,5]'], { maxTokenCount: 8 }), [{ e: 'JSON token count limit exceeded' }, { v: 5 }, E('expecting value')]);
  t.same(run(['[1,2,3]'], { maxTokenCount: 8 }), [{ v: [1, 2, 3] }]);
  t.same(run(['["abcdef","ghijkl"]{"id":1}'], { maxTokenSize: 12 }).slice(0, 1), [{ e: 'JSON token size limit exceeded' }]);
  t.same(run(['"' + 'a'.repeat(40) + '"'], { maxTokenSize: 16 })[0], { e: 'JSON token size limit exceeded' }, 'one long token');
  t.test('the real 64 MiB limit', async (t) => {
    const big = Buffer.alloc(64 * 1024 * 1024 + 16, 0x61);
    big[0] = 0x5b; big[1] = 0x22; // ["aaaa...
    const out: Item[] = [];
    const s = new JsonStreamer((v) => out.push({ v }), (e) => out.push({ e }));
    for (let i = 0; i < big.length; i += 1 << 20) s.feed(big.subarray(i, i + (1 << 20)));
    t.same(out[0], { e: 'JSON token size limit exceeded' });
    out.length = 0;
    s.feed(Buffer.from('\x01{"id":3}'));
    t.same(out.at(-1), { v: { id: 3 } }, 'usable afterwards');
  });
});

t.test('fast path and slow path agree', async (t) => {
  const samples = [
    '{"execute":"query-status","id":1}', '{"a":[true,false,null,-1,2.5e-3,"\\n\\t\\/"]}', '{}', '[]', '{"a":{}}',
    '{"__proto__":1,"b":2}', '"str"', '42 ', '{"a":"\\u00e9"}',
  ];
  for (const s of samples) {
    t.same(run([s]), [{ v: JSON.parse(s) }], s);
  }
  t.equal(Object.getPrototypeOf((run(['{"__proto__":{"x":1}}'])[0] as { v: Record<string, unknown> }).v), Object.prototype);
});
