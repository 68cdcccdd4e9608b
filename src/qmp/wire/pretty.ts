// QEMU 7.2's pretty QMP output (-qmp-pretty, -mon pretty=on): qobject_to_json_pretty() puts every
// member and element on its own line, indented four spaces a level, with "," ending the line and
// ": " after a name; an empty object or array still opens and closes on separate lines ("{" NL "}").
// The monitor then turns every "\n" into "\r\n", so each line of a message ends CRLF.
//
// The input is one compact message as encode.ts writes it (", " and ": " separators, ASCII only,
// every quote and control character escaped inside strings), so re-indenting it is a scan over
// punctuation outside strings: member order and number spellings stay exactly as encoded.

const INDENT = '    ';

export function prettyQmp(compact: string): string {
  let out = '';
  let depth = 0;
  const newline = (d: number) => '\r\n' + INDENT.repeat(d);
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i];
    if (c === '"') {
      let j = i + 1;
      while (j < compact.length && compact[j] !== '"') j += compact[j] === '\\' ? 2 : 1;
      out += compact.slice(i, j + 1);
      i = j;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      if (compact[i + 1] === close) {
        out += c + newline(depth) + close;
        i++;
      } else {
        depth++;
        out += c + newline(depth);
      }
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline(depth) + c;
    } else if (c === ',') {
      out += ',' + newline(depth);
      if (compact[i + 1] === ' ') i++;
    } else {
      out += c;
    }
  }
  return out;
}
