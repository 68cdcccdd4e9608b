// The machine document: the whole configuration as one canonical JSON value, and the command stream
// that rebuilds it. Both directions are total and deterministic: document → commands → machine →
// document is the identity (test/core/document-roundtrip.test.ts checks it on random machines).
//
// Canonical means: values equal to a declared default are left out, addresses chosen automatically
// (bus, scsi-id) are written in, lists are in creation order. Run-time state that is not
// configuration (run state, timers, a guest's medium lock) is not in the document.

import type { Device } from '../qom/device.ts';
import type { VirtualMachine } from '../vm.ts';

export const DOCUMENT_FORMAT = 'emu-machine/1';

export interface MachineDocument {
  format: typeof DOCUMENT_FORMAT;
  machine?: Record<string, unknown>;
  accel?: string;
  actions?: Record<string, unknown>;
  /** User-creatable objects (object-add arguments); absent when there are none. */
  objects?: Record<string, unknown>[];
  chardevs: { id: string; backend: Record<string, unknown> }[];
  blockdevs: Record<string, unknown>[];
  devices: Record<string, unknown>[];
}

export interface DocumentCommand {
  execute: string;
  arguments: Record<string, unknown>;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function deviceEntry(dev: Device): Record<string, unknown> {
  const entry: Record<string, unknown> = { driver: dev.type.name };
  if (dev.id !== undefined) entry.id = dev.id;
  if (dev.parentBus) entry.bus = dev.parentBus.name;
  for (const decl of dev.propertyDecls) {
    const v = dev.props[decl.name];
    if (v === undefined || decl.config === false) continue;
    if (decl.default !== undefined && sameValue(v, decl.default)) continue;
    entry[decl.name] = v;
  }
  return entry;
}

export function machineDocument(vm: VirtualMachine): MachineDocument {
  let machine: Record<string, unknown> | undefined;
  if (vm.config) {
    const { smp, ...rest } = vm.config;
    machine = { ...rest, smp: canonicalSmp({ ...smp }) };
    for (const k of Object.keys(machine)) if (machine[k] === undefined) delete machine[k];
    machine = sortKeys(machine);
  }
  const actions: Record<string, unknown> = {};
  if (vm.actions.shutdown !== 'poweroff') actions.shutdown = vm.actions.shutdown;
  if (vm.actions.reboot !== 'reset') actions.reboot = vm.actions.reboot;
  const objects = vm.objects.entries();
  // Members in a fixed order, so equal machines serialize to equal bytes.
  const doc: MachineDocument = {
    format: DOCUMENT_FORMAT,
    ...(machine ? { machine } : {}),
    ...(vm.accel !== undefined ? { accel: vm.accel } : {}),
    ...(Object.keys(actions).length ? { actions } : {}),
    ...(objects.length ? { objects } : {}),
    chardevs: [], blockdevs: [], devices: [],
  };
  for (const c of vm.chardevs.values()) if (!c.monitorOnly) doc.chardevs.push({ id: c.id, backend: structuredClone(c.backend) });
  for (const name of vm.blocks.order) doc.blockdevs.push(structuredClone(vm.blocks.get(name)!.options!));
  for (const d of vm.devices) doc.devices.push(deviceEntry(d));
  return doc;
}

function canonicalSmp(smp: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { cpus: smp.cpus };
  for (const k of ['maxcpus', 'sockets', 'dies', 'clusters', 'cores', 'threads']) {
    if (smp[k] !== undefined && !(k === 'maxcpus' && smp[k] === smp.cpus)) out[k] = smp[k];
  }
  return out;
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

/**
 * The commands that build the machine a document describes, in an order every phase rule accepts:
 * backends first (any phase), then the machine and its phases, then devices in creation order
 * (media state such as an open tray is a device property).
 */
export function documentCommands(doc: MachineDocument): DocumentCommand[] {
  const out: DocumentCommand[] = [];
  // Objects first, as QEMU creates them before everything that may use them.
  for (const o of doc.objects ?? []) out.push({ execute: 'object-add', arguments: structuredClone(o) });
  for (const c of doc.chardevs) out.push({ execute: 'chardev-add', arguments: { id: c.id, backend: structuredClone(c.backend) } });
  for (const b of doc.blockdevs) out.push({ execute: 'blockdev-add', arguments: structuredClone(b) });
  if (doc.actions) out.push({ execute: 'set-action', arguments: structuredClone(doc.actions) });
  if (!doc.machine) return out;
  out.push({ execute: 'machine-set', arguments: structuredClone(doc.machine) });
  if (doc.accel !== undefined) out.push({ execute: 'accel-set', arguments: { accel: doc.accel } });
  // device_add advances the machine to machine-initialized by itself.
  for (const d of doc.devices) out.push({ execute: 'device_add', arguments: structuredClone(d) });
  return out;
}
