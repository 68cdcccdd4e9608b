// JSON option arguments (-device '{...}', -blockdev '{...}', -object '{...}') with the error texts
// QEMU 7.2's JSON lexer, streamer and parser give for them. The QMP wire has its own streaming parser
// (src/qmp/wire); this one reads exactly one complete argument.
//
// Token errors are reported as soon as they are read ("stray '...'") while grammar errors are found
// only once the outermost value is complete, because QEMU's streamer hands the parser whole values.

export class JsonArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonArgError';
  }
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** QEMU treats an option argument as JSON exactly when its first character is '{'. */
export function isJsonArg(text: string): boolean {
  return text.startsWith('{');
}

type TokType = '{' | '}' | '[' | ']' | ':' | ',' | 'string' | 'number' | 'keyword';
interface Token {
  type: TokType;
  text: string;
}

class StrayError {
  constructor(readonly text: string) {}
}

const WS = ' \t\r\n';

// Reads one token at i; returns it and the next position, or throws StrayError with the text QEMU's
// lexer had consumed when it gave up (including the offending character).
function lexOne(s: string, i: number): { tok: Token; next: number } {
  const c = s[i];
  if ('{}[]:,'.includes(c)) return { tok: { type: c as TokType, text: c }, next: i + 1 };
  if (c === '"' || c === "'") {
    let j = i + 1;
    for (;;) {
      if (j >= s.length) throw new StrayError(s.slice(i)); // unterminated: QEMU reports at flush
      const d = s[j];
      if (d === c) return { tok: { type: 'string', text: s.slice(i, j + 1) }, next: j + 1 };
      if (d < ' ') throw new StrayError(s.slice(i, j + 1));
      if (d === '\\') {
        if (j + 1 >= s.length) throw new StrayError(s.slice(i));
        if (s[j + 1] < ' ') throw new StrayError(s.slice(i, j + 2));
        j += 2;
        continue;
      }
      j++;
    }
  }
  if (c === '-' || (c >= '0' && c <= '9')) {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(s.slice(i));
    if (!m) throw new StrayError(s.slice(i, i + 2));
    const end = i + m[0].length;
    const d = s[end];
    // States that may not end a number: a digit after a lone 0, and a '.' or exponent without digits.
    if (m[1] === '0' && !m[2] && !m[3] && d !== undefined && d >= '0' && d <= '9') throw new StrayError(s.slice(i, end + 1));
    if (d === '.' && !m[2] && !m[3]) {
      const k = end + 1;
      throw new StrayError(s.slice(i, k + 1));
    }
    if ((d === 'e' || d === 'E') && !m[3]) {
      let k = end + 1;
      if (s[k] === '+' || s[k] === '-') k++;
      throw new StrayError(s.slice(i, k + 1));
    }
    return { tok: { type: 'number', text: m[0] }, next: end };
  }
  if (c >= 'a' && c <= 'z') {
    let j = i;
    while (j < s.length && s[j] >= 'a' && s[j] <= 'z') j++;
    return { tok: { type: 'keyword', text: s.slice(i, j) }, next: j };
  }
  throw new StrayError(c);
}

class ParseError {
  constructor(readonly message: string) {}
}

function unquote(text: string): string {
  let out = '';
  for (let i = 1; i < text.length - 1; i++) {
    const c = text[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = text[++i];
    const simple: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
    if (e in simple) {
      out += simple[e];
    } else if (e === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ParseError(`\\u${hex} is not a valid Unicode character`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      throw new ParseError('invalid escape sequence in string');
    }
  }
  return out;
}

// Recursive-descent parser over a complete token list, with json-parser.c's messages; the first
// error wins.
class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token | undefined {
    return this.toks[this.pos];
  }
  private pop(): Token {
    const t = this.toks[this.pos++];
    if (!t) throw new ParseError('premature EOI');
    return t;
  }

  value(): JsonValue {
    const t = this.peek();
    if (!t) throw new ParseError('premature EOI');
    switch (t.type) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case 'string':
        this.pos++;
        return unquote(t.text);
      case 'number':
        this.pos++;
        return Number(t.text);
      case 'keyword':
        this.pos++;
        if (t.text === 'true') return true;
        if (t.text === 'false') return false;
        if (t.text === 'null') return null;
        throw new ParseError(`invalid keyword '${t.text}'`);
      default:
        throw new ParseError('expecting value');
    }
  }

  private object(): JsonValue {
    this.pos++;
    const obj: { [key: string]: JsonValue } = Object.create(null);
    if (!this.peek()) throw new ParseError('premature EOI');
    if (this.peek()!.type === '}') {
      this.pos++;
      return obj;
    }
    this.pair(obj);
    let t = this.pop();
    while (t.type !== '}') {
      if (t.type !== ',') throw new ParseError('expected separator in dict');
      this.pair(obj);
      t = this.pop();
    }
    return obj;
  }

  private pair(obj: { [key: string]: JsonValue }): void {
    const key = this.value();
    if (typeof key !== 'string') throw new ParseError('key is not a string in object');
    if (this.pop().type !== ':') throw new ParseError('missing : in object pair');
    const v = this.value();
    if (Object.prototype.hasOwnProperty.call(obj, key)) throw new ParseError('duplicate key');
    obj[key] = v;
  }

  private array(): JsonValue {
    this.pos++;
    const list: JsonValue[] = [];
    if (!this.peek()) throw new ParseError('premature EOI');
    if (this.peek()!.type === ']') {
      this.pos++;
      return list;
    }
    list.push(this.value());
    let t = this.pop();
    while (t.type !== ']') {
      if (t.type !== ',') throw new ParseError('expected separator in list');
      list.push(this.value());
      t = this.pop();
    }
    return list;
  }
}

/** Parses text as exactly one JSON value, as qobject_from_json does. Throws JsonArgError. */
export function parseJsonValue(text: string): JsonValue {
  const toks: Token[] = [];
  let depth = 0;
  let i = 0;
  let complete = false;
  try {
    while (i < text.length && !complete) {
      if (WS.includes(text[i])) {
        i++;
        continue;
      }
      const { tok, next } = lexOne(text, i);
      i = next;
      toks.push(tok);
      if (tok.type === '{' || tok.type === '[') depth++;
      else if (tok.type === '}' || tok.type === ']') depth--;
      if (depth <= 0) complete = true;
    }
  } catch (e) {
    if (e instanceof StrayError) throw new JsonArgError(`JSON parse error, stray '${e.text}'`);
    throw e;
  }
  if (toks.length === 0) throw new JsonArgError('Expecting a JSON value');
  let value: JsonValue;
  try {
    const p = new Parser(toks);
    value = p.value();
  } catch (e) {
    if (e instanceof ParseError) throw new JsonArgError(`JSON parse error, ${e.message}`);
    throw e;
  }
  // Anything but blanks after the value is a second value (or an error) to QEMU.
  for (; i < text.length; i++) if (!WS.includes(text[i])) throw new JsonArgError('Expecting at most one JSON value');
  return value;
}

/**
 * Parses a JSON option argument, which must be an object (QEMU only takes the JSON path when the
 * argument starts with '{'). Objects have a null prototype; key order is kept.
 */
export function parseJsonArg(text: string): { [key: string]: JsonValue } {
  const v = parseJsonValue(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new JsonArgError('Expecting a JSON object');
  return v;
}
