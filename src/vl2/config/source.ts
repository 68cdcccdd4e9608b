// The surface syntax of config files: YAML 1.2 (JSON is read by the same parser, after a strict
// JSON.parse check for .json files) turned into a small tree that keeps the file, line and column of
// every key and value. Templates are expanded from this tree, never from text, which is what makes
// substitution structural: nothing a variable holds is ever handed back to a parser.

import { LineCounter, type Node as YamlNode, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { QmpError } from '../../shared/errors.ts';

export interface Pos {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export type Scalar = string | number | boolean | null;

/** Most values a file may hold after its aliases are resolved. */
export const MAX_NODES = 1_000_000;

export type SNode =
  | { kind: 'map'; pos: Pos; entries: SEntry[] }
  | { kind: 'seq'; pos: Pos; items: SNode[] }
  | { kind: 'scalar'; pos: Pos; value: Scalar };

export interface SEntry {
  key: string;
  keyPos: Pos;
  value: SNode;
}

/**
 * A failure tied to a place in a config file. It is a QmpError so that every front end reports it
 * the way it reports any other command failure; the message already starts with file:line:column.
 */
export class ConfigError extends QmpError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** Template frames (loop iterations, includes, variables), outermost first. */
  readonly context: readonly string[];
  /** The message without position and context (QEMU's text when it comes from validation). */
  readonly reason: string;

  constructor(reason: string, pos?: Pos, context: readonly string[] = []) {
    const where = pos ? `${pos.file}:${pos.line}:${pos.column}: ` : '';
    super(`${where}${context.map((c) => `${c}: `).join('')}${reason}`, 'GenericError',
      pos ? { file: pos.file, line: pos.line, column: pos.column, context: [...context] } : undefined);
    this.name = 'ConfigError';
    this.file = pos?.file;
    this.line = pos?.line;
    this.column = pos?.column;
    this.context = context;
    this.reason = reason;
  }
}

function jsonErrorPos(text: string, e: SyntaxError, file: string): Pos | undefined {
  const m = /position (\d+)/.exec(e.message);
  if (!m) return undefined;
  const offset = Number(m[1]);
  const before = text.slice(0, offset).split('\n');
  return { file, line: before.length, column: before[before.length - 1].length + 1 };
}

/**
 * Parses a config file's text. `file` is the name used in positions (as the user wrote it, so errors
 * name the file the way the user knows it).
 */
export function parseSource(source: string, file: string): SNode {
  // Editors on some systems write a byte-order mark; JSON.parse would refuse it.
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (/\.json$/i.test(file)) {
    // YAML accepts more than JSON (comments, unquoted strings); a file that says it is JSON is held
    // to JSON so that what a management tool writes and what emu reads cannot differ.
    try {
      JSON.parse(text);
    } catch (e) {
      const err = e as SyntaxError;
      throw new ConfigError(`invalid JSON: ${err.message.replace(/^[^:]*JSON[^:]*: /, '')}`,
        jsonErrorPos(text, err, file) ?? { file, line: 1, column: 1 });
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: '1.2', schema: 'core' });
  const posAt = (offset: number): Pos => {
    const p = lines.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new ConfigError(problem.message, posAt(problem.pos[0]));
  if (doc.contents === null) return { kind: 'map', pos: { file, line: 1, column: 1 }, entries: [] };

  const active = new Set<YamlNode>();
  // Aliases of aliases grow exponentially ("billion laughs"); the tree is built node by node here,
  // so the bound is on nodes built, not on alias count.
  let budget = MAX_NODES;
  const convert = (node: YamlNode | null, fallback: Pos): SNode => {
    if (node === null) return { kind: 'scalar', pos: fallback, value: null };
    const pos = node.range ? posAt(node.range[0]) : fallback;
    if (--budget < 0) throw new ConfigError(`the document expands to more than ${MAX_NODES} values (aliases of aliases?)`, pos);
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) throw new ConfigError(`unresolved alias *${node.source}`, pos);
      if (active.has(target)) throw new ConfigError(`alias *${node.source} refers to itself`, pos);
      active.add(target);
      try {
        // An alias stands for its anchor's value; positions inside point at the anchor's text.
        return convert(target, pos);
      } finally {
        active.delete(target);
      }
    }
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || typeof v === 'string' || typeof v === 'boolean') return { kind: 'scalar', pos, value: v };
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new ConfigError(`${String(v)} is not a JSON number`, pos);
        return { kind: 'scalar', pos, value: v };
      }
      throw new ConfigError(`unsupported scalar ${node.tag ?? typeof v}: config values are JSON values`, pos);
    }
    if (isSeq(node)) {
      return { kind: 'seq', pos, items: node.items.map((i) => convert(i as YamlNode | null, pos)) };
    }
    if (isMap(node)) {
      const merged: SEntry[] = [];
      const explicit: SEntry[] = [];
      for (const pair of node.items) {
        const k = pair.key as YamlNode | null;
        if (!k || !isScalar(k) || (typeof k.value !== 'string' && typeof k.value !== 'number')) {
          throw new ConfigError('keys must be strings', k?.range ? posAt(k.range[0]) : pos);
        }
        const keyPos = k.range ? posAt(k.range[0]) : pos;
        const value = convert(pair.value as YamlNode | null, keyPos);
        if (k.value === '<<' && k.type === 'PLAIN') {
          // YAML 1.1's merge key, which anchors are mostly used with: the mappings' entries are
          // added unless the mapping has the key itself (or an earlier merged mapping has).
          const sources = value.kind === 'seq' ? value.items : [value];
          for (const m of sources) {
            if (m.kind !== 'map') throw new ConfigError("'<<' merges mappings (an alias of a mapping, or a list of them)", m.pos);
            for (const e of m.entries) if (!merged.some((x) => x.key === e.key)) merged.push(e);
          }
          continue;
        }
        explicit.push({ key: String(k.value), keyPos, value });
      }
      const entries = [...merged.filter((m) => !explicit.some((e) => e.key === m.key)), ...explicit];
      return { kind: 'map', pos, entries };
    }
    throw new ConfigError('unsupported YAML node', pos);
  };
  return convert(doc.contents as YamlNode, { file, line: 1, column: 1 });
}
