// The block node graph behind blockdev-add: named nodes, each a BlockDriver, formats over protocol
// children. Top-level nodes keep the options they were added with, which is what the machine document
// records; children given inline get generated names ('#blockN') and belong to their parent.

import { QmpError } from '../../shared/errors.ts';
import type { BlockDriver, CacheMode } from './driver.ts';
import { FileDriver } from './file.ts';
import { RawDriver } from './raw.ts';
import { Qcow2Driver } from './qcow2.ts';
import { type ImageFormat, openImage } from './open.ts';
import { temporaryOverlay } from './snapshot.ts';

export type BlockdevOptions = Record<string, unknown> & { driver: string; 'node-name'?: string };

export interface BlockNode {
  name: string;
  /** Generated name (an inline child); removed with its parent. */
  implicit: boolean;
  driverName: string;
  /** The options as added (top-level nodes only; inline children are inside their parent's). */
  options: BlockdevOptions | undefined;
  impl: BlockDriver;
  /** The host file at the bottom of this node's chain, for query output. */
  filename: string;
  children: BlockNode[];
  /** How many parents (nodes or devices) use this node. */
  users: number;
  /** The device this node is the medium of, if any. */
  attachedTo: string | undefined;
  cache: { direct: boolean; noFlush: boolean };
}

const NODE_NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,30}$/;

function cacheMode(o: BlockdevOptions): CacheMode {
  const c = (o.cache ?? {}) as { direct?: boolean; 'no-flush'?: boolean };
  if (c['no-flush']) return 'unsafe';
  return c.direct ? 'none' : 'writeback';
}

export class BlockGraph {
  readonly nodes = new Map<string, BlockNode>();
  /** Top-level node names in the order they were added. */
  readonly order: string[] = [];
  private implicitCounter = 0;

  get(name: string): BlockNode | undefined {
    return this.nodes.get(name);
  }

  require(name: string): BlockNode {
    const n = this.nodes.get(name);
    if (!n) throw new QmpError(`Cannot find node '${name}'`);
    return n;
  }

  /** blockdev-add: opens the node and its inline children; on failure nothing stays open. */
  add(options: BlockdevOptions): BlockNode {
    const name = options['node-name'];
    if (name === undefined) throw new QmpError("A top-level node must have a 'node-name'");
    const opened: BlockNode[] = [];
    try {
      const node = this.open(options, opened, false);
      this.order.push(node.name);
      return node;
    } catch (e) {
      for (const n of opened.reverse()) {
        n.impl.close();
        this.nodes.delete(n.name);
      }
      throw e;
    }
  }

  private open(o: BlockdevOptions, opened: BlockNode[], inline: boolean, parentReadOnly = false): BlockNode {
    let name = o['node-name'];
    if (name !== undefined) {
      if (!NODE_NAME_RE.test(name)) throw new QmpError(`Invalid node-name: '${name}'`);
      if (this.nodes.has(name)) throw new QmpError(`Duplicate nodes with node-name='${name}'`);
    } else {
      name = `#block${this.implicitCounter++}`;
    }
    // A snapshot node's image is never written: open it (and its children) read-only.
    const readOnly = o.snapshot === true || ((o['read-only'] as boolean | undefined) ?? parentReadOnly);
    let impl: BlockDriver;
    let filename: string;
    const children: BlockNode[] = [];
    switch (o.driver) {
      case 'file': {
        filename = o.filename as string;
        impl = new FileDriver({
          filename, readOnly, autoReadOnly: (o['auto-read-only'] as boolean | undefined) ?? false, cache: cacheMode(o),
        });
        break;
      }
      case 'null-co': {
        filename = 'null-co://';
        impl = nullDriver((o.size as number | undefined) ?? 1 << 30, (o['read-zeroes'] as boolean | undefined) ?? false);
        break;
      }
      case 'raw':
      case 'qcow2': {
        const child = this.child(o.file as BlockdevOptions | string, opened, readOnly);
        children.push(child);
        filename = child.filename;
        if (o.driver === 'raw') {
          impl = new RawDriver(child.impl, { offset: o.offset as number | undefined, size: o.size as number | undefined, probed: false }, filename);
        } else {
          if (!(child.impl instanceof FileDriver)) throw new QmpError(`qcow2 node '${name}': its file must be a 'file' node`);
          const backingRef = o.backing as BlockdevOptions | string | null | undefined;
          let backing: BlockDriver | null | undefined;
          if (backingRef === null) backing = null;
          else if (backingRef !== undefined) {
            const b = this.child(backingRef, opened, true);
            children.push(b);
            backing = b.impl;
          }
          impl = new Qcow2Driver(child.impl, {
            filename, readOnly, backing,
            // A backing file named in the image's header opens read-only, its format probed as QEMU does.
            openBacking: (file, format) => openImage({ filename: file, format: format as ImageFormat | undefined, readOnly: true }).driver,
          });
        }
        break;
      }
      default:
        throw new QmpError(`Unknown driver '${o.driver}'`);
    }
    if (o.snapshot === true) {
      // The image stays untouched: it is opened as is and every write lands in a throw-away overlay.
      impl = temporaryOverlay(impl, filename, o.driver === 'file' ? 'raw' : o.driver).driver;
    }
    const node: BlockNode = {
      name, implicit: name.startsWith('#'), driverName: o.driver, options: inline ? undefined : o, impl, filename, children,
      users: 0, attachedTo: undefined,
      cache: { direct: cacheMode(o) === 'none', noFlush: cacheMode(o) === 'unsafe' },
    };
    this.nodes.set(name, node);
    opened.push(node);
    return node;
  }

  private child(ref: BlockdevOptions | string, opened: BlockNode[], readOnly: boolean): BlockNode {
    if (typeof ref === 'string') {
      const n = this.require(ref);
      n.users++;
      return n;
    }
    const n = this.open(ref, opened, true, readOnly);
    n.users++;
    return n;
  }

  /** blockdev-del: only top-level nodes nothing uses. */
  del(name: string): void {
    const n = this.nodes.get(name);
    if (!n) throw new QmpError(`Failed to find node with node-name='${name}'`);
    if (n.implicit) throw new QmpError(`Node ${name} is not owned by the monitor`);
    if (n.users > 0) throw new QmpError(`Node '${name}' is busy: node is used as backing hd of '${n.attachedTo ?? 'another node'}'`);
    this.release(n);
    this.order.splice(this.order.indexOf(name), 1);
  }

  private release(n: BlockNode): void {
    n.impl.close();
    this.nodes.delete(n.name);
    for (const c of n.children) {
      c.users--;
      if (c.implicit) this.release(c);
    }
  }

  closeAll(): void {
    for (const name of [...this.order].reverse()) {
      const n = this.nodes.get(name);
      if (n) this.release(n);
    }
    this.order.length = 0;
  }
}

function nullDriver(size: number, readZeroes: boolean): BlockDriver {
  return {
    format: 'null-co', size, readOnly: false,
    read(_offset, buf) { if (readZeroes) buf.fill(0); },
    write() {},
    flush() {},
    close() {},
  };
}
