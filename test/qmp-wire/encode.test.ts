// Output bytes as QEMU 7.2 writes them (facts 1.1, 1.2, 1.5 and probes of the real binary).
import t from 'tap';
import { encodeJson, encodeLine, encodeQmp, formatDouble } from '../../src/qmp/wire/encode.ts';

t.test('separators, member order, CRLF', async (t) => {
  t.equal(encodeLine({ return: { status: 'prelaunch', singlestep: false, running: false }, id: 7 }),
    '{"return": {"status": "prelaunch", "singlestep": false, "running": false}, "id": 7}\r\n');
  t.equal(encodeJson({ id: 1, error: { class: 'CommandNotFound', desc: 'x' } }), '{"id": 1, "error": {"class": "CommandNotFound", "desc": "x"}}');
  t.equal(encodeJson({ a: [], b: {}, c: [1, [2, null]], d: undefined }), '{"a": [], "b": {}, "c": [1, [2, null]]}');
  t.equal(encodeJson([undefined]), '[null]');
});

t.test('ASCII only, QEMU escapes', async (t) => {
  t.equal(encodeJson('\u00e9\u{1f600}\u001b\u007f\u0000/'), '"\\u00E9\\uD83D\\uDE00\\u001B\\u007F\\u0000/"');
  t.equal(encodeJson('"\\\b\f\n\r\t'), '"\\"\\\\\\b\\f\\n\\r\\t"');
  t.equal(encodeJson("stray '\x01'"), '"stray \'\\u0001\'"');
  t.equal(encodeJson('plain text'), '"plain text"');
  t.equal(encodeJson({ 'k\u00e9': 1 }), '{"k\\u00E9": 1}');
});

t.test('numbers as QEMU prints QNum', async (t) => {
  const cases: Array<[unknown, string]> = [
    [0, '0'], [-5, '-5'], [2 ** 53 - 1, '9007199254740991'], [1.5, '1.5'], [0.1, '0.10000000000000001'],
    [1.5e300, '1.5000000000000001e+300'], [12345678901234567890123, '1.2345678901234568e+22'], [1e20, '1e+20'],
    [1e21, '1e+21'], [-0, '-0'], [Infinity, 'inf'], [-Infinity, '-inf'], [1e-5, '1.0000000000000001e-05'],
    [0.0001, '0.0001'], [123.456, '123.456'], [18446744073709551615n, '18446744073709551615'], [2.5e-3, '0.0025000000000000001'],
  ];
  for (const [v, s] of cases) t.equal(encodeJson(v), s, String(v));
  t.equal(formatDouble(1e16), '10000000000000000');
  t.equal(formatDouble(1e17), '1e+17');
});

t.test("QEMU's member order (QDict buckets; within a bucket the member added last first)", async (t) => {
  // Objects built in QAPI declaration order, as QEMU's visitors build them; outputs as observed.
  t.equal(encodeQmp({ running: false, singlestep: false, status: 'prelaunch' }), '{"status": "prelaunch", "singlestep": false, "running": false}');
  t.equal(encodeQmp({ qemu: { major: 7, minor: 2, micro: 22 }, package: 'p' }), '{"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "p"}');
  t.equal(encodeQmp({ 'meta-type': 'command', name: 'qmp_capabilities', 'arg-type': '172', 'ret-type': '0' }),
    '{"name": "qmp_capabilities", "ret-type": "0", "meta-type": "command", "arg-type": "172"}');
  t.equal(encodeQmp({ id: 'scsi0-0-0-0', device: '', 'tray-open': true }), '{"device": "", "tray-open": true, "id": "scsi0-0-0-0"}');
  t.equal(encodeQmp({ guest: false, reason: 'host-qmp-quit' }), '{"guest": false, "reason": "host-qmp-quit"}');
  t.equal(encodeQmp({ id: 1, arguments: {}, foo: -12 }), '{"arguments": {}, "id": 1, "foo": -12}', 'seen echoed as an id');
  t.equal(encodeJson({ running: false, status: 'x' }), '{"running": false, "status": "x"}', 'encodeJson keeps the given order');
});
