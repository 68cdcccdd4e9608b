// Template variables: their declarations in a config file's `variables:` section, and the conversion
// of the values a user gives (name=value words, always text) or an including file passes (typed data)
// into typed values. A value is converted once, here, by its declared type; from then on it is data
// and is never parsed again.

import { QmpError } from '../../shared/errors.ts';
import { SizeError, parseSize } from '../../shared/size.ts';
import { ConfigError, type Pos, type SNode, type Scalar } from './source.ts';

export const SCALAR_VAR_TYPES = ['str', 'int', 'number', 'bool', 'size'] as const;
export type ScalarVarType = (typeof SCALAR_VAR_TYPES)[number];
/** A scalar type, or a one-element list for "list of" (the schema's own notation). */
export type VarType = ScalarVarType | [ScalarVarType];

export interface VariableDecl {
  name: string;
  type: VarType;
  required: boolean;
  /** The typed default; null for an optional variable that is unset unless given. */
  default: unknown;
  doc: string | undefined;
  pos: Pos;
}

export const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** What a user may pass for a variable: one word, or several for a list (name=a name=b). */
export type VariableInput = string | readonly string[];

export function typeName(t: VarType): string {
  return Array.isArray(t) ? `[${t[0]}]` : t;
}

function plain(node: SNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(plain);
  return Object.fromEntries(node.entries.map((e) => [e.key, plain(e.value)]));
}

function isScalarType(v: unknown): v is ScalarVarType {
  return typeof v === 'string' && (SCALAR_VAR_TYPES as readonly string[]).includes(v);
}

function inferType(v: unknown): VarType {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'number';
  if (Array.isArray(v)) return [v.length ? (inferType(v[0]) as ScalarVarType) : 'str'];
  return 'str';
}

/** Reads a `variables:` section. */
export function parseDeclarations(node: SNode | undefined): Map<string, VariableDecl> {
  const out = new Map<string, VariableDecl>();
  if (!node) return out;
  if (node.kind !== 'map') throw new ConfigError("'variables' must be a mapping of variable names to declarations", node.pos);
  for (const { key, keyPos, value } of node.entries) {
    if (!NAME_RE.test(key)) throw new ConfigError(`'${key}' is not a valid variable name (letters, digits, '_' and '-')`, keyPos);
    if (value.kind !== 'map') {
      throw new ConfigError(`variable '${key}' must be declared as a mapping: {type: ..., default: ...}`, value.pos);
    }
    const fields = new Map(value.entries.map((e) => [e.key, e]));
    for (const e of value.entries) {
      if (!['type', 'default', 'required', 'doc'].includes(e.key)) {
        throw new ConfigError(`variable '${key}': '${e.key}' is unexpected (a declaration has type, default, required, doc)`, e.keyPos);
      }
    }
    const typeEntry = fields.get('type');
    const defEntry = fields.get('default');
    const reqEntry = fields.get('required');
    const docEntry = fields.get('doc');
    let type: VarType;
    if (typeEntry) {
      const t = plain(typeEntry.value);
      if (isScalarType(t)) type = t;
      else if (Array.isArray(t) && t.length === 1 && isScalarType(t[0])) type = [t[0]];
      else {
        throw new ConfigError(`variable '${key}': type must be one of ${SCALAR_VAR_TYPES.join(', ')} or a list such as [str]`, typeEntry.value.pos);
      }
    } else type = defEntry ? inferType(plain(defEntry.value)) : 'str';
    let required: boolean;
    if (reqEntry) {
      if (reqEntry.value.kind !== 'scalar' || typeof reqEntry.value.value !== 'boolean') {
        throw new ConfigError(`variable '${key}': required must be true or false`, reqEntry.value.pos);
      }
      required = reqEntry.value.value;
      if (required && defEntry) throw new ConfigError(`variable '${key}' is required and cannot have a default`, reqEntry.keyPos);
    } else required = !defEntry;
    const decl: VariableDecl = { name: key, type, required, default: null, doc: undefined, pos: keyPos };
    if (docEntry) {
      if (docEntry.value.kind !== 'scalar' || typeof docEntry.value.value !== 'string') {
        throw new ConfigError(`variable '${key}': doc must be a string`, docEntry.value.pos);
      }
      decl.doc = docEntry.value.value;
    }
    if (defEntry) {
      // Defaults are literal data: they are typed like any other value but not expanded.
      const raw = plain(defEntry.value);
      decl.default = raw === null ? null : checkValue(decl, raw, defEntry.value.pos, 'default');
    }
    out.set(key, decl);
  }
  return out;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

function scalarFromText(t: ScalarVarType, s: string, decl: VariableDecl): Scalar {
  const bad = (what: string) => new QmpError(`variable '${decl.name}': '${s}' is not ${what}`);
  switch (t) {
    case 'str':
      return s;
    case 'bool':
      if (['on', 'yes', 'true'].includes(s)) return true;
      if (['off', 'no', 'false'].includes(s)) return false;
      throw bad("'on' or 'off'");
    case 'int': {
      if (!/^[-+]?(0x[0-9a-fA-F]+|\d+)$/.test(s)) throw bad('an integer');
      const neg = s.startsWith('-');
      const n = Number(s.replace(/^[-+]/, ''));
      if (!Number.isSafeInteger(n)) throw bad('an integer below 2^53');
      return neg ? -n : n;
    }
    case 'number': {
      const n = Number(s);
      if (s.trim() === '' || !Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'size':
      try {
        return parseSize(s);
      } catch (e) {
        if (e instanceof SizeError) throw bad('a size (a number with an optional suffix k, M, G, T, P or E)');
        throw e;
      }
  }
}

function scalarFromData(t: ScalarVarType, v: unknown, decl: VariableDecl): Scalar {
  const bad = (what: string) => new QmpError(`variable '${decl.name}': ${describe(v)} is not ${what}`);
  switch (t) {
    case 'str':
      if (typeof v !== 'string') throw bad('a string');
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw bad('a boolean');
      return v;
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad('an integer');
      return v;
    case 'number':
      if (typeof v !== 'number') throw bad('a number');
      return v;
    case 'size':
      if (typeof v === 'string') return scalarFromText('size', v, decl);
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad('a size');
      return v;
  }
}

/** Types a value given as data (a default, or an including file's `with:`). */
export function checkValue(decl: VariableDecl, v: unknown, pos: Pos, what = 'value'): unknown {
  try {
    if (Array.isArray(decl.type)) {
      if (!Array.isArray(v)) throw new QmpError(`variable '${decl.name}': ${what} ${describe(v)} is not a list`);
      const t = decl.type[0];
      return v.map((e) => scalarFromData(t, e, decl));
    }
    return scalarFromData(decl.type, v, decl);
  } catch (e) {
    if (e instanceof QmpError && !(e instanceof ConfigError)) throw new ConfigError(e.message, pos);
    throw e;
  }
}

/** Types a value given as text (name=value words after the config file on the command line). */
export function convertInput(decl: VariableDecl, input: VariableInput): unknown {
  try {
    if (Array.isArray(decl.type)) {
      const t = decl.type[0];
      const words: readonly string[] = typeof input === 'string' ? [input] : input;
      return words.map((w) => scalarFromText(t, w, decl));
    }
    if (typeof input !== 'string') {
      throw new QmpError(`variable '${decl.name}' is given ${input.length} times but is not a list (type ${typeName(decl.type)})`);
    }
    return scalarFromText(decl.type, input, decl);
  } catch (e) {
    if (e instanceof QmpError && !(e instanceof ConfigError)) throw new ConfigError(e.message, decl.pos);
    throw e;
  }
}

/**
 * Splits the words after a config file into variables: `name=value`, split at the first '=', so a
 * value may contain '=' and anything else. A name given twice collects its values in order (a list
 * variable); the loader rejects that for a scalar variable.
 */
export function parseVariableWords(words: readonly string[]): Record<string, VariableInput> {
  const out: Record<string, string[]> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    const name = eq < 0 ? w : w.slice(0, eq);
    if (eq < 0 || !NAME_RE.test(name)) throw new QmpError(`'${w}' is not a variable assignment (name=value)`);
    (out[name] ??= []).push(w.slice(eq + 1));
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
}

/** True for a word that parseVariableWords accepts (front ends use it to tell variables from files). */
export function isVariableWord(word: string): boolean {
  const eq = word.indexOf('=');
  return eq > 0 && NAME_RE.test(word.slice(0, eq));
}
