// `info qom-tree` and `info qtree`: the object tree and the device/bus tree, in QEMU 7.2's layout,
// built only from QMP queries (qom-list, qom-get, x-query-machine-document).

import { QmpError } from '../../shared/errors.ts';
import type { ObjectPropertyInfo } from '../generated/schema-types.ts';
import { intWithHex, sizeToStr } from './format.ts';
import type { TypedQmp } from './qmp-call.ts';

interface QomNode {
  path: string;
  name: string;
  type: string;
  props: ObjectPropertyInfo[];
  children: QomNode[];
}

const childType = (t: string): string | undefined => /^child<(.*)>$/.exec(t)?.[1];

function join(path: string, name: string): string {
  return path === '/' ? `/${name}` : `${path}/${name}`;
}

/** Reads an object and, recursively, its children; children sorted by name as QEMU does. */
async function walk(qmp: TypedQmp, path: string, name: string, type: string): Promise<QomNode> {
  const props = await qmp('qom-list', { path });
  const children: QomNode[] = [];
  const kids = props.filter((p) => childType(p.type) !== undefined).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const k of kids) children.push(await walk(qmp, join(path, k.name), k.name, childType(k.type)!));
  return { path, name, type, props, children };
}

export async function infoQomTree(qmp: TypedQmp, path = '/machine'): Promise<string> {
  let type: string;
  try {
    type = String(await qmp('qom-get', { path, property: 'type' }));
  } catch (e) {
    if (e instanceof QmpError) return `Path '${path}' could not be resolved.\n`;
    throw e;
  }
  const name = path.split('/').filter(Boolean).pop() ?? '';
  const root = await walk(qmp, path, name, type);
  let out = '';
  const print = (n: QomNode, indent: number) => {
    out += `${' '.repeat(indent)}/${n.name} (${n.type})\n`;
    for (const c of n.children) print(c, indent + 2);
  };
  print(root, 0);
  return out;
}

// ---- info qtree ----

interface DevInfo {
  node: QomNode;
  id: string | undefined;
  /** The bus it plugs into (last path component of parent_bus), undefined for the system bus. */
  parentBus: string | undefined;
  rank: number;
  buses: BusInfo[];
}

interface BusInfo {
  name: string;
  type: string | undefined;
}

const NOT_PROPERTIES = new Set(['type', 'realized', 'parent_bus']);

function isDevice(n: QomNode): boolean {
  return n.props.some((p) => p.name === 'realized');
}

function formatValue(type: string, v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (type === 'bool') return String(v);
  if (type === 'str' || type === 'string') return `"${String(v)}"`;
  if (type === 'size') return `${String(v)} (${sizeToStr(v as number)})`;
  if (/^u?int(8|16|32|64)?$/.test(type) && (typeof v === 'number' || typeof v === 'bigint')) return intWithHex(v);
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v);
}

/**
 * The buses each device provides. Where the object tree shows buses as children of their device
 * (QEMU's layout) they are read from there. emu's object tree does not list buses yet, so otherwise
 * they follow from QEMU's bus naming rules for the bus-providing types emu has: a transport numbered
 * in creation order, or '<id>.0' for a controller with an id, '<kind>.N' in creation order without.
 */
const BUS_PROVIDERS: Record<string, { type: string; anonymous: string }> = {
  'virtio-mmio': { type: 'virtio-mmio-bus', anonymous: 'virtio-mmio-bus' },
  'virtio-scsi-device': { type: 'SCSI', anonymous: 'scsi' },
};

function assignBuses(devs: DevInfo[]): void {
  const referenced = new Set(devs.map((d) => d.parentBus).filter((b): b is string => b !== undefined));
  let fromTree = false;
  for (const d of devs) {
    for (const c of d.node.children) {
      if (referenced.has(c.name)) {
        d.buses.push({ name: c.name, type: c.type });
        fromTree = true;
      }
    }
  }
  if (fromTree) return;
  const counters = new Map<string, number>();
  for (const d of [...devs].sort((a, b) => a.rank - b.rank)) {
    const p = BUS_PROVIDERS[d.node.type];
    if (!p) continue;
    let name: string;
    if (d.id !== undefined) {
      name = `${d.id}.0`;
    } else {
      const n = counters.get(p.anonymous) ?? 0;
      counters.set(p.anonymous, n + 1);
      name = `${p.anonymous}.${n}`;
    }
    d.buses.push({ name, type: p.type });
  }
}

/** Creation order: onboard devices by their unattached index, user devices in machine-document order. */
async function creationRanks(qmp: TypedQmp, devs: DevInfo[]): Promise<void> {
  const index = (n: QomNode) => Number(/\[(\d+)\]$/.exec(n.name)?.[1] ?? 0);
  const onboard = devs.filter((d) => d.node.path.startsWith('/machine/unattached/'));
  for (const d of onboard) d.rank = index(d.node);
  const base = 1 + Math.max(-1, ...onboard.map((d) => d.rank));
  const anon = devs.filter((d) => d.node.path.startsWith('/machine/peripheral-anon/')).sort((a, b) => index(a.node) - index(b.node));
  const named = devs.filter((d) => d.node.path.startsWith('/machine/peripheral/'));
  let order: { id?: string }[] = [];
  try {
    const doc = (await qmp('x-query-machine-document', {})) as { devices?: { id?: string }[] };
    order = doc.devices ?? [];
  } catch {
    order = [];
  }
  let anonSeen = 0;
  const placed = new Set<DevInfo>();
  order.forEach((entry, i) => {
    const d = entry.id !== undefined ? named.find((x) => x.id === entry.id) : anon[anonSeen++];
    if (d) {
      d.rank = base + i;
      placed.add(d);
    }
  });
  let next = base + order.length;
  for (const d of [...anon, ...named]) if (!placed.has(d)) d.rank = next++;
}

export async function infoQtree(qmp: TypedQmp): Promise<string> {
  let machineType: string;
  try {
    machineType = String(await qmp('qom-get', { path: '/machine', property: 'type' }));
  } catch (e) {
    // Before machine-set there is no machine: an empty system bus, as QEMU's tree starts.
    if (e instanceof QmpError) return 'bus: main-system-bus\n  type System\n';
    throw e;
  }
  const root = await walk(qmp, '/machine', 'machine', machineType);
  const devs: DevInfo[] = [];
  const collect = async (n: QomNode) => {
    if (isDevice(n)) {
      const hasBus = n.props.some((p) => p.name === 'parent_bus');
      const bus = hasBus ? String(await qmp('qom-get', { path: n.path, property: 'parent_bus' })) : undefined;
      const id = n.path === `/machine/peripheral/${n.name}` ? n.name : undefined;
      devs.push({ node: n, id, parentBus: bus ? bus.split('/').pop() : undefined, rank: 0, buses: [] });
    }
    for (const c of n.children) await collect(c);
  };
  await collect(root);
  await creationRanks(qmp, devs);
  assignBuses(devs);

  let out = '';
  const line = (indent: number, text: string) => {
    out += `${' '.repeat(indent)}${text}\n`;
  };
  // QEMU keeps a bus's children newest first.
  const onBus = (bus: string | undefined) => devs.filter((d) => d.parentBus === bus).sort((a, b) => b.rank - a.rank);
  const printed = new Set<string>();
  const printBus = async (bus: BusInfo, indent: number) => {
    printed.add(bus.name);
    line(indent, `bus: ${bus.name}`);
    if (bus.type !== undefined) line(indent + 2, `type ${bus.type}`);
    for (const d of onBus(bus.name)) await printDev(d, indent + 2);
  };
  const printDev = async (d: DevInfo, indent: number) => {
    line(indent, `dev: ${d.node.type}, id "${d.id ?? ''}"`);
    for (const p of d.node.props) {
      if (NOT_PROPERTIES.has(p.name) || p.type.startsWith('child<') || p.type.startsWith('link<') || p.type === 'link') continue;
      const v = formatValue(p.type, await qmp('qom-get', { path: d.node.path, property: p.name }));
      if (v !== undefined) line(indent + 2, `${p.name} = ${v}`);
    }
    for (const b of d.buses) await printBus(b, indent + 2);
  };
  line(0, 'bus: main-system-bus');
  line(2, 'type System');
  for (const d of onBus(undefined)) await printDev(d, 2);
  // Devices on a bus whose owner could not be found are still shown, each bus at the top level.
  for (const name of new Set(devs.map((d) => d.parentBus))) {
    if (name !== undefined && !printed.has(name)) await printBus({ name, type: undefined }, 0);
  }
  return out;
}
