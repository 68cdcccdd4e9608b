// QEMU 7.2's -readconfig file syntax (util/qemu-config.c, qemu_config_foreach), reproduced with its
// sscanf quirks because users' files depend on them:
//   - `[group]` or `[group "id"]` opens a section; `key = "value"` sets a key (double quotes, no
//     escapes, text after the closing quote ignored); `#` starts a comment only in column 0.
//   - A line that is a single word (e.g. `size="256M"` without spaces) is read as that word with an
//     empty value, which the group then rejects as an invalid parameter.
//   - A section is applied when the next section starts or the file ends, and errors while applying
//     it are reported at the last key line read (QEMU's location only moves on non-header lines).

import { readFileSync } from 'node:fs';
import { LegacyError, NO_LOC, fileLoc, type Loc } from './errors.ts';
import { errnoText } from '../shared/errno.ts';

/** One section as QEMU hands it to its group parser: group name and keys (id from the header). */
export interface ConfigSection {
  group: string;
  /** Keys in first-seen order; a repeated key keeps its last value. Includes `id` from the header. */
  dict: Record<string, string>;
  /** Where errors about this section are reported. */
  loc: Loc;
}

const isSpace = (c: string | undefined) => c !== undefined && ' \t\n\v\f\r'.includes(c);

// sscanf "%Ns": skip blanks, then 1..n non-blank characters.
function scanWord(s: string, i: number, n: number): { word: string; end: number } | undefined {
  while (isSpace(s[i])) i++;
  const start = i;
  while (i < s.length && !isSpace(s[i]) && i - start < n) i++;
  return i > start ? { word: s.slice(start, i), end: i } : undefined;
}

// sscanf "%N[^x]": 1..n characters other than x (newlines included).
function scanNot(s: string, i: number, n: number, stop: string): { text: string; end: number } | undefined {
  const start = i;
  while (i < s.length && s[i] !== stop && i - start < n) i++;
  return i > start ? { text: s.slice(start, i), end: i } : undefined;
}

function skipSpace(s: string, i: number): number {
  while (isSpace(s[i])) i++;
  return i;
}

// The header forms; undefined when the line is neither (QEMU then reads it as a key line).
function parseHeader(line: string): { group: string; id?: string } | undefined {
  // "[%63s \"%63[^\"]\"]"
  const w = scanWord(line, 1, 63);
  if (w) {
    const q = skipSpace(line, w.end);
    if (line[q] === '"') {
      const id = scanNot(line, q + 1, 63, '"');
      if (id) return { group: w.word, id: id.text };
    }
  }
  // "[%63[^]]]"
  const g = scanNot(line, 1, 63, ']');
  if (g) return { group: g.text };
  return undefined;
}

// " %63s = \"%1023[^\"]\"" or " %63s = \"\"": any line with a word is a key; the value is what
// stands between quotes after " = ", or empty.
function parseKeyLine(line: string): { key: string; value: string } | undefined {
  const w = scanWord(line, 0, 63);
  if (!w) return undefined;
  let i = skipSpace(line, w.end);
  if (line[i] !== '=') return { key: w.word, value: '' };
  i = skipSpace(line, i + 1);
  if (line[i] !== '"') return { key: w.word, value: '' };
  const v = scanNot(line, i + 1, 1023, '"');
  return { key: w.word, value: v ? v.text : '' };
}

/** fgets with a 1024-byte buffer: lines keep their "\n"; longer lines come in pieces. */
function lines(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const nl = text.indexOf('\n', i);
    let end = nl < 0 ? text.length : nl + 1;
    if (end - i > 1023) end = i + 1023;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/**
 * Reads config text, calling apply for each section in order (a section as soon as the next one
 * starts, so an error in it stops the reading there, as in QEMU). Throws LegacyError for syntax
 * errors ("no group defined", "parse error") at file:line. Returns the number of sections.
 */
export function readConfigText(text: string, fname: string, apply: (s: ConfigSection) => void): number {
  let loc: Loc = NO_LOC;
  let current: ConfigSection | undefined;
  let count = 0;
  let lno = 0;
  for (const line of lines(text)) {
    lno++;
    if (line[0] === '\n' || line[0] === '#') continue;
    if (line[0] === '[') {
      const h = parseHeader(line);
      if (h) {
        const dict: Record<string, string> = Object.create(null);
        if (h.id !== undefined) dict.id = h.id;
        count++;
        if (current) {
          current.loc = loc;
          apply(current);
        }
        current = { group: h.group, dict, loc };
        continue;
      }
    }
    loc = fileLoc(fname, lno);
    const kv = parseKeyLine(line);
    if (!kv) throw new LegacyError('parse error', loc);
    if (!current) throw new LegacyError('no group defined', loc);
    current.dict[kv.key] = kv.value;
  }
  if (current) {
    current.loc = loc;
    apply(current);
  }
  return count;
}

/** strerror text for a Node.js error code, as QEMU would print it. */
export function strerror(code: string | undefined): string {
  return errnoText(code) ?? 'Input/output error';
}

/**
 * qemu_read_config_file: reads the file and applies its sections. `optionLoc` is where QEMU
 * reports a file it cannot open or read (the -readconfig option itself).
 */
export function readConfigFile(
  path: string,
  optionLoc: Loc,
  apply: (s: ConfigSection) => void,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): number {
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // fopen succeeds on a directory on Linux; reading it is what fails.
    if (code === 'EISDIR') throw new LegacyError(`Cannot read config file: ${strerror(code)}`, optionLoc);
    throw new LegacyError(`Could not open '${path}': ${strerror(code)}`, optionLoc);
  }
  return readConfigText(text, path, apply);
}
