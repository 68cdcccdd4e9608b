/**
 * Node-for-node comparison of two device trees, allowing only listed differences. Used by the virt
 * tree test against QEMU's reference (decompiled dts text) and QEMU's live dumps (parsed blobs).
 */

import { readFileSync } from 'node:fs';
import type { FdtNode } from '../../src/hw/fdt/writer.ts';

/** A tree reduced to what the comparison needs: names, order, and each value as text. */
export interface DtNode {
  name: string;
  props: { name: string; value: string }[];
  children: DtNode[];
}

export type DiffKind = 'node-omitted' | 'property-omitted' | 'value-differs' | 'node-added' | 'property-added';
const KINDS: readonly DiffKind[] = ['node-omitted', 'property-omitted', 'value-differs', 'node-added', 'property-added'];

export interface DiffRule {
  kind: DiffKind;
  path: string;
}

/** The rows between the `differences:begin` and `differences:end` markers of docs/DEVICE-TREE.md. */
export function readDifferences(docPath: string): DiffRule[] {
  const text = readFileSync(docPath, 'utf8');
  const begin = text.indexOf('<!-- differences:begin -->');
  const end = text.indexOf('<!-- differences:end -->');
  if (begin < 0 || end < begin) throw new Error(`${docPath}: differences markers not found`);
  const rules: DiffRule[] = [];
  for (const line of text.slice(begin, end).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | Kind | Path | ... | → ['', kind, path, ...]
    if (cells.length < 3 || cells[1] === 'Kind' || cells[1].startsWith('---')) continue;
    const kind = cells[1] as DiffKind;
    if (!KINDS.includes(kind)) throw new Error(`${docPath}: unknown difference kind '${cells[1]}'`);
    rules.push({ kind, path: cells[2].replace(/`/g, '') });
  }
  return rules;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('/')
    .map((seg) => seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
    .join('/');
  return new RegExp(`^${body}$`);
}

function join(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

export interface CompareResult {
  /** Differences not allowed by any rule. */
  problems: string[];
  /** Rules that matched nothing: a documented difference that no longer happens. */
  unused: DiffRule[];
}

/** Compares `emu` against `ref` (QEMU). Order of properties and children matters. */
export function compareTrees(ref: DtNode, emu: DtNode, rules: DiffRule[]): CompareResult {
  const compiled = rules.map((r) => ({ rule: r, re: globToRegExp(r.path) }));
  const used = new Set<DiffRule>();
  const problems: string[] = [];
  const rule = (kind: DiffKind, path: string): DiffRule | undefined => {
    const hit = compiled.find((c) => c.rule.kind === kind && c.re.test(path));
    if (hit) used.add(hit.rule);
    return hit?.rule;
  };

  const walk = (r: DtNode, e: DtNode, path: string): void => {
    // Properties: drop the ones documented as omitted or added, then the rest must line up.
    const refProps = r.props.filter((p) => !rule('property-omitted', join(path, p.name)));
    const emuProps = e.props.filter((p) => !rule('property-added', join(path, p.name)));
    for (const p of e.props) {
      if (!r.props.some((q) => q.name === p.name)) continue;
      const pp = join(path, p.name);
      if (compiled.some((c) => c.rule.kind === 'property-omitted' && c.re.test(pp))) {
        problems.push(`${pp}: documented as omitted, but emu has it`);
      }
    }
    const refNames = refProps.map((p) => p.name);
    const emuNames = emuProps.map((p) => p.name);
    if (refNames.join('\n') !== emuNames.join('\n')) {
      problems.push(`${path}: properties differ\n  qemu: ${refNames.join(', ')}\n  emu:  ${emuNames.join(', ')}`);
    }
    for (const rp of refProps) {
      const ep = emuProps.find((p) => p.name === rp.name);
      if (!ep || ep.value === rp.value) continue;
      const pp = join(path, rp.name);
      if (!rule('value-differs', pp)) problems.push(`${pp}: value differs\n  qemu: ${rp.value}\n  emu:  ${ep.value}`);
    }

    const refKids = r.children.filter((c) => !rule('node-omitted', join(path, c.name)));
    const emuKids = e.children.filter((c) => !rule('node-added', join(path, c.name)));
    for (const c of e.children) {
      const cp = join(path, c.name);
      if (compiled.some((x) => x.rule.kind === 'node-omitted' && x.re.test(cp))) {
        problems.push(`${cp}: documented as omitted, but emu has it`);
      }
    }
    const refKidNames = refKids.map((c) => c.name);
    const emuKidNames = emuKids.map((c) => c.name);
    if (refKidNames.join('\n') !== emuKidNames.join('\n')) {
      problems.push(`${path}: child nodes differ\n  qemu: ${refKidNames.join(', ')}\n  emu:  ${emuKidNames.join(', ')}`);
    }
    for (const rc of refKids) {
      const ec = emuKids.find((c) => c.name === rc.name);
      if (ec) walk(rc, ec, join(path, rc.name));
    }
  };

  walk(ref, emu, '/');
  return { problems, unused: rules.filter((r) => !used.has(r)) };
}

/**
 * Parses the dts that `dtc -I dtb -O dts` prints: no labels, no includes, no expressions. Values
 * are kept as dtc printed them, so two dtc outputs compare as text.
 */
export function parseDts(text: string): DtNode {
  let i = 0;
  const n = text.length;

  const skipSpaceAndComments = (): void => {
    for (;;) {
      while (i < n && /\s/.test(text[i])) i++;
      if (text.startsWith('/*', i)) {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) throw new Error('unterminated comment');
        i = end + 2;
      } else if (text.startsWith('//', i)) {
        while (i < n && text[i] !== '\n') i++;
      } else {
        return;
      }
    }
  };
  const expect = (s: string): void => {
    skipSpaceAndComments();
    if (!text.startsWith(s, i)) throw new Error(`dts: expected '${s}' at ${i}: ${text.slice(i, i + 40)}`);
    i += s.length;
  };
  const readValue = (): string => {
    // Up to the ';' that ends the property, outside strings, cell lists and byte strings.
    const start = i;
    let depth = 0;
    while (i < n) {
      const ch = text[i];
      if (ch === '"') {
        i++;
        while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
        i++;
        continue;
      }
      if (ch === '<' || ch === '[') depth++;
      else if (ch === '>' || ch === ']') depth--;
      else if (ch === ';' && depth === 0) break;
      i++;
    }
    const value = text.slice(start, i).trim();
    i++; // ';'
    return value;
  };
  const readName = (): string => {
    const start = i;
    while (i < n && !/[\s{}=;]/.test(text[i])) i++;
    if (i === start) throw new Error(`dts: expected a name at ${i}: ${text.slice(i, i + 40)}`);
    return text.slice(start, i);
  };
  const readBody = (name: string): DtNode => {
    const node: DtNode = { name, props: [], children: [] };
    for (;;) {
      skipSpaceAndComments();
      if (text[i] === '}') {
        i++;
        expect(';');
        return node;
      }
      const item = readName();
      skipSpaceAndComments();
      if (text[i] === '{') {
        i++;
        node.children.push(readBody(item));
      } else if (text[i] === '=') {
        i++;
        node.props.push({ name: item, value: readValue() });
      } else if (text[i] === ';') {
        i++;
        node.props.push({ name: item, value: '' });
      } else {
        throw new Error(`dts: unexpected '${text[i]}' after '${item}'`);
      }
    }
  };

  expect('/dts-v1/;');
  skipSpaceAndComments();
  while (text.startsWith('/memreserve/', i)) {
    i += '/memreserve/'.length;
    readValue();
    skipSpaceAndComments();
  }
  expect('/');
  expect('{');
  const root = readBody('');
  skipSpaceAndComments();
  if (i < n) throw new Error(`dts: trailing text at ${i}`);
  return root;
}

/** A parsed blob's tree as DtNode, values as hex bytes (the reader keeps every value as bytes). */
export function fromFdtNode(node: FdtNode): DtNode {
  return {
    name: node.name,
    props: node.props.map((p) => {
      if (p.value.type !== 'bytes') throw new Error(`${node.path}/${p.name}: expected a parsed tree`);
      return { name: p.name, value: Buffer.from(p.value.bytes).toString('hex') };
    }),
    children: node.children.map(fromFdtNode),
  };
}
