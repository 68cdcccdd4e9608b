// Golden tests for JSON option arguments (-device '{...}', -blockdev '{...}'); messages observed on
// QEMU 7.2 with -device.
import t from 'tap';
import { parseJsonArg, isJsonArg, JsonArgError } from '../../src/shared/json-arg.ts';

const err = (s: string) => {
  try {
    parseJsonArg(s);
  } catch (e) {
    if (e instanceof JsonArgError) return e.message;
    throw e;
  }
  return 'no error';
};

t.test('only a leading { makes an argument JSON', async (t) => {
  t.ok(isJsonArg('{"driver":"x"}'));
  t.notOk(isJsonArg(' {"driver":"x"}'));
  t.notOk(isJsonArg('[1]'));
});

t.test('values', async (t) => {
  t.same(parseJsonArg('{"driver":"virtio-blk-device","drive":"d0"}'), { driver: 'virtio-blk-device', drive: 'd0' });
  t.same(parseJsonArg(' {"a": [1, -2.5, 3e2, true, false, null, {"b": "c"}]} '.trim()), {
    a: [1, -2.5, 300, true, false, null, { b: 'c' }],
  });
  t.same(parseJsonArg('{"a":1} '), { a: 1 });
  t.same(parseJsonArg("{'driver':'x'}"), { driver: 'x' }); // QEMU's JSON also takes single quotes
  t.same(parseJsonArg('{"a":"\\u00e9\\n\\"\\/\\\\\'"}'), { a: 'é\n"/\\\'' });
  t.same(parseJsonArg('{"a":"é"}'), { a: 'é' });
  t.same(parseJsonArg('{}'), {});
  t.same(Object.keys(parseJsonArg('{"b":1,"a":2}')), ['b', 'a']);
  t.equal(typeof parseJsonArg('{"n":18446744073709551615}').n, 'number');
});

t.test("QEMU's error messages", async (t) => {
  t.equal(err('{"driver":"raw",'), 'JSON parse error, premature EOI');
  t.equal(err('{'), 'JSON parse error, premature EOI');
  t.equal(err('{"a":'), 'JSON parse error, premature EOI');
  t.equal(err('{"a":}'), 'JSON parse error, expecting value');
  t.equal(err('{"a" 1}'), 'JSON parse error, missing : in object pair');
  t.equal(err('{"a":1,}'), 'JSON parse error, expecting value');
  t.equal(err('{,}'), 'JSON parse error, expecting value');
  t.equal(err('{"a":tru}'), "JSON parse error, invalid keyword 'tru'");
  t.equal(err('{"a":"\\x"}'), 'JSON parse error, invalid escape sequence in string');
  t.equal(err('{"a":1 "b":2}'), 'JSON parse error, expected separator in dict');
  t.equal(err('{1:2}'), 'JSON parse error, key is not a string in object');
  t.equal(err('{"a":[1,}'), 'JSON parse error, expecting value');
  t.equal(err('{"a":1}}'), 'Expecting at most one JSON value');
  t.equal(err('{"a":1}{"b":2}'), 'Expecting at most one JSON value');
  t.equal(err('{"a":01}'), "JSON parse error, stray '01'");
  t.equal(err('{"a":-}'), "JSON parse error, stray '-}'");
  t.equal(err('{"a":1e}'), "JSON parse error, stray '1e}'");
  t.equal(err('{"a":@}'), "JSON parse error, stray '@'");
  t.equal(err('{"a":"b\nc"}'), 'JSON parse error, stray \'"b\n\'');
  t.equal(err('{"driver":"x","driver":"y"}'), 'JSON parse error, duplicate key');
});
