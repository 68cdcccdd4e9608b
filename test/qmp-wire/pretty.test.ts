// prettyQmp re-indents what the encoder wrote; punctuation inside strings is data.
import t from 'tap';
import { prettyQmp } from '../../src/qmp/wire/pretty.ts';
import { encodeQmp } from '../../src/qmp/wire/encode.ts';

t.test('nesting, empty containers, CRLF', async (t) => {
  t.equal(prettyQmp(encodeQmp({ a: [], b: {}, c: [1, [2, {}]] })),
    '{\r\n    "a": [\r\n    ],\r\n    "b": {\r\n    },\r\n    "c": [\r\n        1,\r\n        [\r\n            2,\r\n            {\r\n            }\r\n        ]\r\n    ]\r\n}');
  t.equal(prettyQmp('[]'), '[\r\n]');
  t.equal(prettyQmp('1.5'), '1.5');
});

t.test('strings keep braces, commas, quotes and backslashes', async (t) => {
  const s = 'a, {b}: [c] "q" \\ \\"';
  t.equal(prettyQmp(encodeQmp({ k: s })), `{\r\n    "k": ${encodeQmp(s)}\r\n}`);
  t.equal(prettyQmp(encodeQmp([s, s])), `[\r\n    ${encodeQmp(s)},\r\n    ${encodeQmp(s)}\r\n]`);
});
