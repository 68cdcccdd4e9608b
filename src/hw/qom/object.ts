// Object instances and the object tree. Paths are QEMU's: /machine, /machine/peripheral/<id>,
// /machine/peripheral-anon/device[N], /machine/unattached/device[N], /objects/<id>, /chardevs/<id>.

import { QmpError } from '../../shared/errors.ts';
import type { PropertyDecl, TypeInfo } from './types.ts';

export class QomObject {
  readonly children = new Map<string, QomObject>();
  parent: QomObject | undefined;
  /** The name under which the parent holds this object. */
  name = '';
  /** Property values; undefined means unset (the declared default applies). */
  readonly props: Record<string, unknown> = {};

  constructor(readonly type: TypeInfo, readonly propertyDecls: PropertyDecl[] = []) {}

  get path(): string {
    if (!this.parent) return '/';
    const parentPath = this.parent.path;
    return parentPath === '/' ? `/${this.name}` : `${parentPath}/${this.name}`;
  }

  addChild(name: string, child: QomObject): void {
    if (this.children.has(name)) throw new QmpError(`attempt to add duplicate property '${name}' to object (type '${this.type.name}')`);
    child.parent = this;
    child.name = name;
    this.children.set(name, child);
  }

  /** Adds a child under `prefix[N]` with the first free N, as QEMU's object_property_add_child does for arrays. */
  addArrayChild(prefix: string, child: QomObject): string {
    let n = 0;
    while (this.children.has(`${prefix}[${n}]`)) n++;
    const name = `${prefix}[${n}]`;
    this.addChild(name, child);
    return name;
  }

  removeChild(child: QomObject): void {
    if (child.parent !== this) return;
    this.children.delete(child.name);
    child.parent = undefined;
  }

  decl(name: string): PropertyDecl | undefined {
    return this.propertyDecls.find((p) => p.name === name);
  }

  /** A property's effective value: the set value or the declared default. */
  get(name: string): unknown {
    const v = this.props[name];
    return v !== undefined ? v : this.decl(name)?.default;
  }
}

/** A plain container ("container" type in QEMU), e.g. /machine/peripheral. */
export const CONTAINER_TYPE: TypeInfo = { name: 'container', doc: 'A folder in the object tree.' };

export function container(): QomObject {
  return new QomObject(CONTAINER_TYPE);
}

/** Resolves an absolute QOM path (or a partial path QEMU would accept: a unique trailing name). */
export function resolvePath(root: QomObject, path: string): QomObject | undefined {
  if (path.startsWith('/')) {
    let o: QomObject | undefined = root;
    for (const part of path.split('/').filter(Boolean)) {
      o = o?.children.get(part);
      if (!o) return undefined;
    }
    return o;
  }
  // QEMU's partial paths: a path not starting with '/' matches if exactly one object ends with it.
  const matches: QomObject[] = [];
  const parts = path.split('/').filter(Boolean);
  const walk = (o: QomObject) => {
    if (parts.length && o.name === parts[parts.length - 1]) {
      let ok = true;
      let p: QomObject | undefined = o;
      for (let i = parts.length - 1; i >= 0; i--, p = p?.parent) if (p?.name !== parts[i]) { ok = false; break; }
      if (ok) matches.push(o);
    }
    for (const c of o.children.values()) walk(c);
  };
  walk(root);
  return matches.length === 1 ? matches[0] : undefined;
}
