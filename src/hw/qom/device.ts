// Devices and buses. A device is created with its properties, then realized: it resolves its
// references (drive, chardev), claims them, and plugs into its bus. Realize either completes or
// leaves nothing behind (every claim made so far is released). Unrealize undoes realize.

import { QmpError } from '../../shared/errors.ts';
import { QomObject } from './object.ts';
import type { PropertyDecl, TypeInfo } from './types.ts';

export interface BusAddress {
  /** The slot key inside the bus, unique per bus (e.g. "0:3:0" for channel:scsi-id:lun). */
  key: string;
}

export class Bus {
  readonly devices: Device[] = [];

  constructor(
    readonly name: string,
    /** The bus type, e.g. 'virtio-bus', 'SCSI'. */
    readonly type: string,
    readonly parent: Device,
    readonly slots: number,
    readonly hotpluggable: boolean,
  ) {}

  get full(): boolean {
    return this.devices.length >= this.slots;
  }
}

/** What realize and unrealize hooks can reach; implemented by the virtual machine. */
export interface DeviceServices {
  claimDrive(dev: Device, nodeName: string): void;
  releaseDrive(dev: Device, nodeName: string): void;
  claimChardev(dev: Device, id: string): void;
  releaseChardev(dev: Device, id: string): void;
  /** Takes the user-creatable object `id` (of type `type`) for property `prop`; object-del then refuses. */
  claimObject(dev: Device, prop: string, id: string, type: string): void;
  releaseObject(dev: Device, id: string): void;
}

export interface DeviceBehaviour {
  /** Checks properties and claims resources; throws QmpError to refuse. */
  realize?(dev: Device, services: DeviceServices): void;
  unrealize?(dev: Device, services: DeviceServices): void;
  /** Picks the bus address when the user gave none (e.g. the first free scsi-id). */
  assignAddress?(dev: Device, bus: Bus): void;
  /** The slot key of a device on its bus, for collision checks. */
  addressKey?(dev: Device): string;
}

export class Device extends QomObject {
  id: string | undefined;
  realized = false;
  parentBus: Bus | undefined;
  readonly childBuses: Bus[] = [];
  /** Set when the device was added after machine-ready. */
  hotplugged = false;
  /** Live state that belongs to the configuration but is not a property (e.g. an open tray). */
  readonly state: Record<string, unknown> = {};

  constructor(type: TypeInfo, propertyDecls: PropertyDecl[], readonly behaviour: DeviceBehaviour) {
    super(type, propertyDecls);
  }

  /** QEMU's description of a device in messages: its id, else its path. */
  get label(): string {
    return this.id ?? this.path;
  }

  realize(services: DeviceServices): void {
    if (this.realized) return;
    this.behaviour.realize?.(this, services);
    this.realized = true;
  }

  unrealize(services: DeviceServices): void {
    if (!this.realized) return;
    for (const bus of this.childBuses) {
      for (const child of [...bus.devices].reverse()) child.unrealize(services);
    }
    this.behaviour.unrealize?.(this, services);
    this.realized = false;
  }
}

export function requireBusSpace(bus: Bus, dev: Device): void {
  if (bus.full) throw new QmpError(`Bus '${bus.name}' is full`);
  const key = dev.behaviour.addressKey?.(dev);
  if (key !== undefined && bus.devices.some((d) => d.behaviour.addressKey?.(d) === key)) {
    throw new QmpError(`Bus '${bus.name}': address ${key} is already in use`);
  }
}
