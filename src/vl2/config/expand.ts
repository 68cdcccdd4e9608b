// Template expansion: from the positioned tree of a config file to plain JSON data, with variables,
// conditionals and loops. Expansion works on parsed structure only; a variable's value is inserted
// as a value (a string stays one string, whatever characters it holds) and is never parsed or
// expanded again. Every object and list produced is registered in Origins, so a validation error
// found later in the expanded data can be reported at the file position that produced it, with the
// loop iteration or variable involved.

import { ConfigError, type Pos, type SNode } from './source.ts';
import { NAME_RE } from './variables.ts';

export interface Origin {
  pos: Pos;
  /** Template frames, outermost first (e.g. "in loop over 'disks' (iteration 2, disk=b.img)"). */
  context: readonly string[];
}

interface Members {
  self: Origin;
  values: Map<string | number, Origin>;
  keys: Map<string, Origin>;
}

/** Where each object, list, member and key of expanded data came from. */
export class Origins {
  private readonly table = new WeakMap<object, Members>();

  register(container: object, self: Origin): void {
    if (!this.table.has(container)) this.table.set(container, { self, values: new Map(), keys: new Map() });
  }

  member(container: object, key: string | number, value: Origin, keyOrigin?: Origin): void {
    const m = this.table.get(container);
    if (!m) return;
    m.values.set(key, value);
    if (keyOrigin && typeof key === 'string') m.keys.set(key, keyOrigin);
  }

  of(container: object): Origin | undefined {
    return this.table.get(container)?.self;
  }

  /**
   * The origin of the value at `path` below `root` (or of its key), falling back to the nearest
   * enclosing value known: a member that is missing is reported at the object that lacks it.
   */
  at(root: unknown, path: readonly (string | number)[], part: 'value' | 'key' = 'value'): Origin | undefined {
    let cur: unknown = root;
    let best = typeof root === 'object' && root !== null ? this.of(root) : undefined;
    for (let i = 0; i < path.length; i++) {
      if (typeof cur !== 'object' || cur === null) break;
      const m = this.table.get(cur);
      const key = path[i];
      const next = (cur as Record<string | number, unknown>)[key];
      if (next === undefined) break;
      const last = i === path.length - 1;
      const o = last && part === 'key' && typeof key === 'string' ? m?.keys.get(key) ?? m?.values.get(key) : m?.values.get(key);
      if (o) best = o;
      if (typeof next === 'object' && next !== null) {
        const self = this.of(next);
        if (self && !(last && part === 'key')) best = self;
      }
      cur = next;
    }
    return best;
  }
}

/** A value with its origin. */
export interface Item {
  v: unknown;
  origin: Origin;
}

/** The variables in scope: typed values; null for an optional variable that is not set. */
export type Scope = ReadonlyMap<string, unknown>;

/** Names bound by loops, which loop frames already show (so no "variable" frame is added for them). */
interface Frame {
  scope: Scope;
  loopVars: ReadonlySet<string>;
  context: readonly string[];
}

const OMIT = Symbol('omit');
type Maybe<T> = T | typeof OMIT;

const WHOLE_REF = /^\$\{([^}]*)\}$/;
/** A variable, optionally followed by members of its value: `disk`, `disk.file`. */
const REF_RE = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$/;

function show(v: unknown): string {
  const s = typeof v === 'string' && /^[^\s,()=]*$/.test(v) && v !== '' ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && v !== undefined && v !== false && v !== '' && v !== 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class Expander {
  constructor(readonly origins: Origins) {}

  /** The top-level frame of a file. */
  static frame(scope: Scope, context: readonly string[]): Frame {
    return { scope, loopVars: new Set(), context };
  }

  /** Expands a value; undefined when a conditional without a matching branch removes it. */
  expand(node: SNode, f: Frame): Item | undefined {
    const r = this.value(node, f);
    return r === OMIT ? undefined : r;
  }

  private fail(reason: string, pos: Pos, f: Frame): never {
    throw new ConfigError(reason, pos, f.context);
  }

  private directive(node: SNode): 'if' | 'for' | undefined {
    if (node.kind !== 'map') return undefined;
    const keys = node.entries.map((e) => e.key);
    if (keys.includes('if')) return 'if';
    if (keys.includes('for')) return 'for';
    return undefined;
  }

  private value(node: SNode, f: Frame): Maybe<Item> {
    const origin: Origin = { pos: node.pos, context: f.context };
    switch (node.kind) {
      case 'scalar':
        if (typeof node.value === 'string') return this.string(node.value, node.pos, f);
        return { v: node.value, origin };
      case 'seq': {
        const items = this.seqItems(node.items, f);
        return { v: this.list(items, origin), origin };
      }
      case 'map': {
        const d = this.directive(node);
        if (d === 'if') {
          const branch = this.conditional(node, f);
          return branch ? this.value(branch, f) : OMIT;
        }
        if (d === 'for') return { v: this.list(this.loop(node, f), origin), origin };
        const obj: Record<string, unknown> = {};
        this.origins.register(obj, origin);
        for (const e of node.entries) {
          if (e.key.includes('${')) this.fail(`'${e.key}': keys are not expanded; only values are`, e.keyPos, f);
          const r = this.value(e.value, f);
          if (r === OMIT) continue;
          obj[e.key] = r.v;
          this.origins.member(obj, e.key, r.origin, { pos: e.keyPos, context: f.context });
        }
        return { v: obj, origin };
      }
    }
  }

  private list(items: Item[], origin: Origin): unknown[] {
    const arr = items.map((i) => i.v);
    this.origins.register(arr, origin);
    items.forEach((it, i) => this.origins.member(arr, i, it.origin));
    return arr;
  }

  /** Elements of a sequence: directives contribute zero or more elements each. */
  private seqItems(nodes: SNode[], f: Frame): Item[] {
    const out: Item[] = [];
    for (const n of nodes) {
      if (this.directive(n)) out.push(...this.spliced(n, f));
      else {
        const r = this.value(n, f);
        if (r !== OMIT) out.push(r);
      }
    }
    return out;
  }

  /**
   * What a directive (or a branch or loop body) contributes to the list it stands in: a list
   * contributes its elements, anything else one element, a conditional without a branch nothing.
   */
  private spliced(node: SNode, f: Frame): Item[] {
    const d = this.directive(node);
    if (node.kind === 'map' && d === 'for') return this.loop(node, f);
    if (node.kind === 'map' && d === 'if') {
      const branch = this.conditional(node, f);
      return branch ? this.spliced(branch, f) : [];
    }
    if (node.kind === 'seq') return this.seqItems(node.items, f);
    const r = this.value(node, f);
    if (r === OMIT) return [];
    if (Array.isArray(r.v)) {
      const arr = r.v;
      return arr.map((v, i) => ({ v, origin: this.origins.at(arr, [i]) ?? r.origin }));
    }
    return [r];
  }

  private fields(node: SNode & { kind: 'map' }, allowed: string[], required: string[], what: string, f: Frame): Map<string, SNode> {
    const m = new Map<string, SNode>();
    for (const e of node.entries) {
      if (!allowed.includes(e.key)) {
        this.fail(`'${e.key}' is unexpected in ${what} (it takes ${allowed.join(', ')})`, e.keyPos, f);
      }
      m.set(e.key, e.value);
    }
    for (const r of required) if (!m.has(r)) this.fail(`${what} lacks '${r}'`, node.pos, f);
    return m;
  }

  /** {if: COND, then: X, else: Y}: the branch chosen, or undefined for none. */
  private conditional(node: SNode & { kind: 'map' }, f: Frame): SNode | undefined {
    const m = this.fields(node, ['if', 'then', 'else'], ['if', 'then'], 'a conditional', f);
    return this.condition(m.get('if')!, f) ? m.get('then') : m.get('else');
  }

  /** A condition: a value (false, null, '', 0 and [] are false) or not/and/or/equals. */
  private condition(node: SNode, f: Frame): boolean {
    if (node.kind === 'map' && node.entries.length === 1 && ['not', 'and', 'or', 'equals'].includes(node.entries[0].key)) {
      const { key, value } = node.entries[0];
      if (key === 'not') return !this.condition(value, f);
      if (value.kind !== 'seq') this.fail(`'${key}' takes a list`, value.pos, f);
      if (key === 'and') return value.items.every((c) => this.condition(c, f));
      if (key === 'or') return value.items.some((c) => this.condition(c, f));
      if (value.items.length !== 2) this.fail("'equals' takes a list of two values", value.pos, f);
      const [a, b] = value.items.map((n) => this.operand(n, f));
      return JSON.stringify(a) === JSON.stringify(b);
    }
    return truthy(this.operand(node, f));
  }

  /** A value in a condition: an optional variable that is not set is null here (and only here). */
  private operand(node: SNode, f: Frame): unknown {
    if (node.kind === 'scalar' && typeof node.value === 'string') {
      const whole = WHOLE_REF.exec(node.value);
      if (whole && REF_RE.test(whole[1])) return this.lookup(whole[1], node.pos, f, true);
    }
    if (this.directive(node)) this.fail('a condition cannot contain if or for', node.pos, f);
    const r = this.value(node, f);
    return r === OMIT ? null : r.v;
  }

  /** {for: NAME, in: LIST, do: BODY, index: NAME}: the elements the iterations contribute. */
  private loop(node: SNode & { kind: 'map' }, f: Frame): Item[] {
    const m = this.fields(node, ['for', 'in', 'do', 'index'], ['for', 'in', 'do'], 'a loop', f);
    const name = this.loopName(m.get('for')!, f);
    const indexName = m.has('index') ? this.loopName(m.get('index')!, f) : undefined;
    const inNode = m.get('in')!;
    const whole = inNode.kind === 'scalar' && typeof inNode.value === 'string' ? WHOLE_REF.exec(inNode.value) : null;
    const label = whole ? `'${whole[1]}'` : `the list at line ${inNode.pos.line}`;
    const list = this.value(inNode, f);
    if (list === OMIT || !Array.isArray(list.v)) {
      this.fail(`a loop runs over a list; 'in' is ${list === OMIT ? 'absent' : JSON.stringify(list.v)}`, inNode.pos, f);
    }
    const out: Item[] = [];
    list.v.forEach((elem, i) => {
      const scope = new Map(f.scope);
      scope.set(name, elem);
      if (indexName !== undefined) scope.set(indexName, i);
      const loopVars = new Set(f.loopVars);
      loopVars.add(name);
      if (indexName !== undefined) loopVars.add(indexName);
      const frame = `in loop over ${label} (iteration ${i + 1}, ${name}=${show(elem)})`;
      out.push(...this.spliced(m.get('do')!, { scope, loopVars, context: [...f.context, frame] }));
    });
    return out;
  }

  private loopName(node: SNode, f: Frame): string {
    if (node.kind !== 'scalar' || typeof node.value !== 'string' || !NAME_RE.test(node.value)) {
      this.fail('a loop variable is a plain name (letters, digits, _ and -)', node.pos, f);
    }
    if (f.scope.has(node.value)) this.fail(`loop variable '${node.value}' hides a variable of the same name`, node.pos, f);
    return node.value;
  }

  private lookup(ref: string, pos: Pos, f: Frame, allowUnset = false): unknown {
    const [name, ...members] = ref.split('.');
    if (!f.scope.has(name)) {
      const known = [...f.scope.keys()];
      this.fail(`unknown variable '${name}'${known.length ? ` (known: ${known.join(', ')})` : ' (no variables are declared)'}`, pos, f);
    }
    let v = f.scope.get(name);
    for (let i = 0; i < members.length && v !== null && v !== undefined; i++) {
      const m = members[i];
      const here = [name, ...members.slice(0, i)].join('.');
      if (Array.isArray(v) && /^\d+$/.test(m)) v = v[Number(m)];
      else if (isPlainObject(v) && Object.hasOwn(v, m)) v = v[m];
      else if (allowUnset) return null;
      else this.fail(`'${here}' has no member '${m}'`, pos, f);
    }
    if ((v === null || v === undefined) && !allowUnset) {
      this.fail(`variable '${ref}' is not set (use it under {if: "\${${ref}}", then: ...})`, pos, f);
    }
    return v ?? null;
  }

  /** A string scalar: a whole `${name}` is the variable's value; otherwise interpolation of strings. */
  private string(s: string, pos: Pos, f: Frame): Item {
    const whole = WHOLE_REF.exec(s);
    if (whole && REF_RE.test(whole[1])) {
      const name = whole[1];
      const v = structuredClone(this.lookup(name, pos, f));
      const context = f.loopVars.has(name.split('.')[0]) ? f.context : [...f.context, `from variable ${name}=${show(v)}`];
      const origin: Origin = { pos, context };
      if (Array.isArray(v)) this.list(v.map((e) => ({ v: e, origin })), origin);
      return { v, origin };
    }
    let out = '';
    let i = 0;
    while (i < s.length) {
      if (s.startsWith('$${', i)) {
        out += '${';
        i += 3;
      } else if (s.startsWith('${', i)) {
        const end = s.indexOf('}', i + 2);
        if (end < 0) this.fail(`unterminated '\${' in '${s}' (write $\${ for a literal \${)`, pos, f);
        const name = s.slice(i + 2, end);
        if (!REF_RE.test(name)) this.fail(`'\${${name}}' is not a variable reference (write $\${ for a literal \${)`, pos, f);
        const v = this.lookup(name, pos, f);
        if (typeof v === 'string') out += v;
        else if (typeof v === 'number' && Number.isInteger(v)) out += String(v);
        else {
          this.fail(`variable '${name}' is ${Array.isArray(v) ? 'a list' : typeof v}; only strings and integers can be part of a longer string`, pos, f);
        }
        i = end + 1;
      } else out += s[i++];
    }
    return { v: out, origin: { pos, context: f.context } };
  }
}

export { isPlainObject };
