// Golden tests for QEMU 7.2's keyval syntax (util/keyval.c); messages observed with `-M`.
import t from 'tap';
import { keyvalParse, keyvalMerge, KeyvalError, type KeyvalDict } from '../../src/shared/keyval.ts';

const parse = (s: string, impliedKey?: string) => keyvalParse(s, { impliedKey }).dict;
const plain = (d: unknown) => JSON.parse(JSON.stringify(d));
const err = (s: string, impliedKey?: string, allowHelp = false) => {
  try {
    keyvalParse(s, { impliedKey, allowHelp });
  } catch (e) {
    if (e instanceof KeyvalError) return e.message;
    throw e;
  }
  return 'no error';
};

t.test('basic key=value lists', async (t) => {
  t.same(plain(parse('a=b,c=d')), { a: 'b', c: 'd' });
  t.same(plain(parse('')), {});
  t.same(plain(parse('a=')), { a: '' });
  t.same(plain(parse('a=b,')), { a: 'b' }); // trailing comma is fine
  t.same(plain(parse('a=x,,y,b=2')), { a: 'x,y', b: '2' });
  t.same(plain(parse('a=1,a=2')), { a: '2' }); // last one wins
  t.same(plain(parse('a=b=c')), { a: 'b=c' });
  t.same(plain(parse('a-b_c.d=1')), { 'a-b_c': { d: '1' } });
  t.same(plain(parse('__org.qemu_x=1')), { '__org.qemu_x': '1' });
});

t.test('implied key', async (t) => {
  t.same(plain(parse('virt', 'type')), { type: 'virt' });
  t.same(plain(parse('virt,aclint=on', 'type')), { type: 'virt', aclint: 'on' });
  t.same(plain(parse('virt,', 'type')), { type: 'virt' });
  t.same(plain(parse('type=virt,aclint=on', 'type')), { type: 'virt', aclint: 'on' });
  t.same(plain(parse('512', 'size')), { size: '512' });
  // only the first parameter may omit its key, and its value cannot hold a comma
  t.equal(err('type=virt,virt', 'type'), "Expected '=' after parameter 'virt'");
  t.equal(err('virt,,x', 'type'), "Invalid parameter ''");
  t.equal(err('virt,x', 'type'), "Expected '=' after parameter 'x'");
});

t.test('dotted keys nest, numeric fragments make arrays', async (t) => {
  t.same(plain(parse('a.b=1')), { a: { b: '1' } });
  t.same(plain(parse('a.b=1,a.c=2,d=3')), { a: { b: '1', c: '2' }, d: '3' });
  t.same(plain(parse('a.0=x,a.1=y')), { a: ['x', 'y'] });
  t.same(plain(parse('a.1=y,a.0=x')), { a: ['x', 'y'] });
  t.same(plain(parse('a.0.b=x,a.0.c=y,a.1.b=z')), { a: [{ b: 'x', c: 'y' }, { b: 'z' }] });
  t.ok(Array.isArray(parse('s.0=a').s));
});

t.test("QEMU's messages for malformed input", async (t) => {
  t.equal(err('x'), "Expected '=' after parameter 'x'");
  t.equal(err('virt,aclint', 'type'), "Expected '=' after parameter 'aclint'");
  t.equal(err('=x'), "Invalid parameter ''");
  t.equal(err(',x=1', 'type'), "Invalid parameter ''");
  t.equal(err('virt,,', 'type'), "Invalid parameter ''");
  t.equal(err('a..b=1'), "Invalid parameter 'a..b'");
  t.equal(err('a.=1'), "Invalid parameter 'a.'");
  t.equal(err('.a=1'), "Invalid parameter '.a'");
  t.equal(err('a!=1'), "Invalid parameter 'a!'");
  t.equal(err('1=1'), "Invalid parameter '1'");
  t.equal(err('a.1b=1'), "Invalid parameter 'a.1b'");
  t.equal(err('a.b=1,a=2'), "Parameters 'a.*' used inconsistently");
  t.equal(err('a=2,a.b=1'), "Parameters 'a.*' used inconsistently");
  t.equal(err('a.0=1,a.b=2'), "Parameters 'a.*' used inconsistently");
  t.equal(err('a.1=v'), "Parameter 'a.0' missing");
  t.equal(err('a.x.1=v'), "Parameter 'a.x.0' missing");
  t.equal(err('a'.repeat(128) + '=1'), `Parameter '${'a'.repeat(128)}' is too long`);
  t.equal(err('b.' + 'a'.repeat(128) + '=1'), `Parameter fragment '${'a'.repeat(128)}' is too long`);
  t.equal(err('a'.repeat(127) + '=1'), 'no error');
});

t.test('help', async (t) => {
  t.same(keyvalParse('help', { impliedKey: 'type', allowHelp: true }).help, true);
  t.same(keyvalParse('?', { impliedKey: 'type', allowHelp: true }).help, true);
  const r = keyvalParse('virt,help', { impliedKey: 'type', allowHelp: true });
  t.same([r.help, plain(r.dict)], [true, { type: 'virt' }]);
  t.equal(keyvalParse('virt', { impliedKey: 'type', allowHelp: true }).help, false);
  t.equal(err('help,virt', 'type', true), "Expected '=' after parameter 'virt'");
  t.equal(err('a=1,help'), 'Help is not available for this option');
});

t.test('parse into an existing dictionary (-M after -M)', async (t) => {
  const d: KeyvalDict = parse('virt,aclint=on', 'type');
  keyvalParse('virt', { impliedKey: 'type', into: d });
  t.same(plain(d), { type: 'virt', aclint: 'on' });
  keyvalParse('spike', { impliedKey: 'type', into: d });
  t.same(plain(d), { type: 'spike', aclint: 'on' });
});

t.test('keyval_merge (-smp / -boot / -m folded into the machine)', async (t) => {
  const d: KeyvalDict = parse('virt', 'type');
  keyvalMerge(d, { smp: parse('2', 'cpus') });
  keyvalMerge(d, { smp: parse('maxcpus=4') });
  t.same(plain(d), { type: 'virt', smp: { cpus: '2', maxcpus: '4' } });
  keyvalMerge(d, { smp: parse('cpus=3') });
  t.same(plain(d), { type: 'virt', smp: { cpus: '3', maxcpus: '4' } });
  t.throws(() => keyvalMerge(d, { smp: '1' }), { message: "Parameter 'smp' used inconsistently" });
  t.throws(() => keyvalMerge(d, { smp: { cpus: { x: '1' } } }), { message: "Parameter 'smp.cpus' used inconsistently" });
  const l: KeyvalDict = parse('a.0=x');
  keyvalMerge(l, parse('a.0=y'));
  t.same(plain(l), { a: ['x', 'y'] }); // lists append
});

t.test('keys that are not own properties of a plain object', async (t) => {
  t.same(plain(parse('constructor=1,toString=2')), { constructor: '1', toString: '2' });
  t.equal(Object.getPrototypeOf(parse('a=1')), null);
});
