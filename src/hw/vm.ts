// The virtual machine as the command layer sees it: phase and run state, the object tree, the block
// graph, chardevs and devices. Command handlers (src/qmp/commands) call into this class; it owns the
// semantics of configuration (what may be added where, what depends on what) and nothing about wire
// formats or command-line syntax.

import { bootDevicesError } from '../shared/boot-devices.ts';
import { QmpError } from '../shared/errors.ts';
import type { Phase, RunState } from '../qmp/phases.ts';
import type { InputMode, Validator } from '../qmp/schema/validate.ts';
import type { MachineSetArg, SmpConfiguration } from '../qmp/generated/schema-types.ts';
import { BlockGraph } from './block/nodes.ts';
import { type Chardev, type ChardevBackend, type ChardevHost, createChardev, MuxChardev, RingbufChardev, SocketChardev } from './chardev/index.ts';
import { buildVirtDtb } from './fdt/virt.ts';
import { type MachineDocument, machineDocument } from './machine/document.ts';
import { behaviours, createTypeRegistry } from './devices/index.ts';
import { VIRT, VIRT_CPUS_MAX, VIRT_DEFAULT_RAM } from './machine/virt-memmap.ts';
import { UserObjects } from './objects/index.ts';
import { Bus, Device, type DeviceServices, requireBusSpace } from './qom/device.ts';
import { QomObject, container, resolvePath } from './qom/object.ts';
import type { PropType, TypeInfo, TypeRegistry } from './qom/types.ts';

/** machine-set's arguments with the defaults applied. */
export type MachineConfig = Omit<MachineSetArg, 'memory' | 'smp'> & {
  memory: number;
  smp: SmpConfiguration & { cpus: number };
};

export interface Actions {
  shutdown: 'poweroff' | 'pause';
  reboot: 'reset' | 'shutdown';
}

export interface ChardevEntry {
  id: string;
  backend: Record<string, unknown>;
  /** Who uses it: a device path, or 'monitor'. */
  user: string | undefined;
  /** The host side; absent when chardevs are configuration only (emu --check). */
  chardev: Chardev | undefined;
  /**
   * Created by a front end for one of its monitors (emu-legacy's compat_monitorN): process setup
   * like the monitor itself, so not part of the machine document.
   */
  monitorOnly?: boolean;
}

export type EventSink = (event: string, data?: Record<string, unknown>) => void;

/** A change of configuration, as reported to whoever persists it. */
export interface ConfigChange {
  source: string;
  command?: string;
  device?: string;
  what?: string;
}

/** The running guest (CPUs and guest-facing devices), present once the machine is ready. */
export interface GuestControl {
  pause(): void;
  resume(): void;
  reset(): void;
  dispose(): void;
  /** A device was hot-plugged (device_add while the machine is ready). */
  deviceAdded?(dev: Device): void;
  /** A device is about to be hot-unplugged (device_del); called before it is unrealized. */
  deviceRemoved?(dev: Device): void;
}

/** The guest side of removable media: told about tray and medium changes, asked to eject. */
export interface MediaListener {
  /** A locked tray was asked to open without force: the guest is notified (it may then open it). */
  ejectRequest(dev: Device): void;
  trayMoved(dev: Device, open: boolean): void;
  mediumChanged(dev: Device): void;
}

/** What the surrounding process provides: leaving, the human monitor, guest execution. */
export interface HostHooks {
  /** Ends the process after the current reply is sent. */
  quit?: () => void;
  /** Runs a human monitor command line (set by the HMP layer). */
  humanMonitor?: (commandLine: string, ctx: unknown) => Promise<string> | string;
}

/** What emu's CPU implements, as the device tree's riscv,isa says it. */
export const EMU_RISCV_ISA = 'rv64imac_zicsr_zifencei';

const ID_RE = /^[A-Za-z][A-Za-z0-9_.-]*$/;

const PROP_SCHEMA_TYPE: Record<PropType, string> = {
  str: 'str', bool: 'bool', int: 'int', uint8: 'uint8', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64',
  size: 'size', enum: 'str', link: 'str', drive: 'str', chardev: 'str',
};

export class VirtualMachine implements DeviceServices {
  phase: Phase = 'no-machine';
  runState: RunState = 'prelaunch';
  actions: Actions = { shutdown: 'poweroff', reboot: 'reset' };
  accel: string | undefined;
  readonly types: TypeRegistry = createTypeRegistry();
  readonly root = container();
  machine: QomObject | undefined;
  config: MachineConfig | undefined;
  readonly blocks = new BlockGraph();
  readonly chardevs = new Map<string, ChardevEntry>();
  /** User-added devices in the order they were added. */
  readonly devices: Device[] = [];
  /** Onboard devices in creation order. */
  readonly onboard: Device[] = [];
  readonly buses = new Map<string, Bus>();
  /** User-creatable objects (object-add), the children of /objects. */
  readonly objects: UserObjects;
  emit: EventSink = () => {};
  /**
   * Persists a configuration change made outside a command (the guest ejecting a tray). Resolves
   * when the change is durable; the guest's request completes only then. Set by the state file.
   */
  persist: (change: ConfigChange) => Promise<void> = async () => {};
  host: HostHooks = {};
  guest: GuestControl | undefined;
  media: MediaListener | undefined;

  constructor(private readonly validator: Validator) {
    const objects = container();
    this.root.addChild('objects', objects);
    this.root.addChild('chardevs', container());
    this.objects = new UserObjects(this.types, objects);
  }

  // ---- machine life cycle ----

  createMachine(cfg: MachineSetArg): void {
    if (cfg.type !== 'virt' && cfg.type !== 'none') {
      throw new QmpError(`unsupported machine type '${cfg.type}'; emu has machine types 'virt' and 'none' (use -machine help)`);
    }
    const cpus = cfg.smp?.cpus ?? 1;
    const smp = { ...cfg.smp, cpus };
    if (cpus < 1) throw new QmpError(`Invalid SMP CPUs ${cpus}: at least one is needed`);
    const maxcpus = smp.maxcpus ?? cpus;
    if (maxcpus < cpus) {
      throw new QmpError(`Invalid CPU topology: maxcpus must be equal to or greater than smp: sockets (1) * dies (1) * cores (1) * threads (1) == maxcpus (${maxcpus}) < smp_cpus (${cpus})`);
    }
    if (maxcpus > VIRT_CPUS_MAX) {
      throw new QmpError(`Invalid SMP CPUs ${maxcpus}. The max CPUs supported by machine 'virt' is ${VIRT_CPUS_MAX}`);
    }
    if (cfg.uuid !== undefined && !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(cfg.uuid)) {
      throw new QmpError('Fail to parse UUID string.');
    }
    if (cfg.boot?.order !== undefined) checkBootOrder(cfg.boot.order);
    const ram = cfg['memory-backend'] !== undefined ? this.objects.machineMemory(cfg['memory-backend'], cfg.memory) : undefined;
    const machine = new QomObject(this.types.require(`${cfg.type}-machine`));
    this.root.addChild('machine', machine);
    for (const c of ['peripheral', 'peripheral-anon', 'unattached']) machine.addChild(c, container());
    this.machine = machine;
    // The RAM comes from the backend: its size is the machine's, and it is in use while the machine is.
    this.config = { ...cfg, memory: ram?.size ?? cfg.memory ?? VIRT_DEFAULT_RAM, smp };
    ram?.backend.users.add('/machine');
    this.phase = 'machine-created';
  }

  setAccel(accel: string): void {
    if (accel !== 'tcg') throw new QmpError(`invalid accelerator ${accel}`);
    this.accel = accel;
    this.phase = 'accel-created';
  }

  /** Board init: the onboard devices, in QEMU's order of creation. */
  initMachine(): void {
    const cfg = this.requireConfig();
    if (cfg.serial !== undefined && !this.chardevs.has(cfg.serial)) {
      throw new QmpError(`chardev "${cfg.serial}" not found`);
    }
    // The 'none' machine (what management tools start to probe the emulator) has no board at all.
    if (cfg.type === 'none') {
      this.phase = 'machine-initialized';
      return;
    }
    const unattached = this.machine!.children.get('unattached')!;
    const onboard = (type: string, props: Record<string, unknown> = {}) => {
      const dev = new Device(this.types.require(type), this.types.properties(type), {});
      Object.assign(dev.props, props);
      unattached.addArrayChild('device', dev);
      dev.realized = true;
      this.onboard.push(dev);
      return dev;
    };
    onboard('riscv.hart_array', { 'num-harts': cfg.smp.cpus });
    onboard('riscv.sifive.plic');
    onboard('riscv.aclint.swi');
    onboard('riscv.aclint.mtimer');
    const uart = onboard('serial-mm', cfg.serial !== undefined ? { chardev: cfg.serial } : {});
    if (cfg.serial !== undefined) this.claimChardev(uart, cfg.serial);
    onboard('riscv.sifive.test');
    onboard('goldfish_rtc');
    for (let i = 0; i < VIRT.virtio.count; i++) {
      const t = onboard('virtio-mmio');
      this.addBus(new Bus(`virtio-mmio-bus.${i}`, 'virtio-bus', t, 1, false), t);
    }
    onboard('fw_cfg_mem');
    this.phase = 'machine-initialized';
  }

  /** Completes machine creation: the guest side is built and its images loaded. */
  finishInit(): void {
    const cfg = this.requireConfig();
    if (this.guestFactory && cfg.type !== 'none') this.guest = this.guestFactory(this);
    this.phase = 'machine-ready';
  }

  /** Builds the running guest; unset (emu --check, configuration tests) the machine stays data. */
  guestFactory: ((vm: VirtualMachine) => GuestControl) | undefined;

  /** The machine document (docs/CONFIG.md). */
  document(): MachineDocument {
    return machineDocument(this);
  }

  /** The device tree the guest sees, generated from the live machine. */
  dtb(initrd?: { start: number; end: number }): Uint8Array {
    const cfg = this.requireConfig();
    return buildVirtDtb({
      ramBase: VIRT.dram.base,
      ramSize: cfg.memory,
      harts: cfg.smp.cpus,
      isa: EMU_RISCV_ISA,
      mmuType: 'riscv,sv39',
      pmuCounters: 0,
      ...(cfg.append !== undefined ? { bootargs: cfg.append } : {}),
      ...(initrd ? { initrd } : {}),
    });
  }

  requireConfig(): MachineConfig {
    if (!this.config) throw new QmpError('No machine has been created');
    return this.config;
  }

  // ---- devices ----

  addDevice(args: Record<string, unknown>, mode: InputMode): Device {
    const { driver, bus: busName, id, ...rawProps } = args as { driver: string; bus?: string; id?: string } & Record<string, unknown>;
    const type = this.types.get(driver);
    if (!type || !this.types.isA(driver, 'device')) throw new QmpError(`'${driver}' is not a valid device model name`);
    if (type.abstract || !type.userCreatable) throw new QmpError(`Parameter 'driver' expects a pluggable device type`);
    if (id !== undefined) {
      if (!ID_RE.test(id)) throw new QmpError(`Parameter 'id' expects an identifier`);
      if (this.findDeviceById(id)) throw new QmpError(`Duplicate device ID '${id}'`);
    }
    const dev = new Device(type, this.types.properties(driver), behaviours[driver] ?? {});
    dev.id = id;
    const { driver: _driver, ...props } = this.typedDeviceArgs({ driver, ...rawProps }, mode);
    Object.assign(dev.props, props);
    const bootindex = props.bootindex;
    if (typeof bootindex === 'number' && bootindex >= 0 && this.devices.some((d) => d.get('bootindex') === bootindex)) {
      throw new QmpError(`The bootindex ${bootindex} has already been used`);
    }
    const hot = this.phase === 'machine-ready';
    const bus = this.findBusFor(dev, type, busName);
    if (hot) {
      if (!bus.hotpluggable) throw new QmpError(`Bus '${bus.name}' does not support hotplugging`);
      if (!this.types.inherited(driver, 'hotpluggable')) throw new QmpError(`Device '${driver}' can not be hotplugged on this machine`);
    }
    dev.behaviour.assignAddress?.(dev, bus);
    requireBusSpace(bus, dev);
    dev.realize(this);
    // Realize succeeded: from here on nothing can fail, so the tree and the bus take the device.
    const parent = this.machine!.children.get(id !== undefined ? 'peripheral' : 'peripheral-anon')!;
    if (id !== undefined) parent.addChild(id, dev);
    else parent.addArrayChild('device', dev);
    dev.parentBus = bus;
    dev.hotplugged = hot;
    bus.devices.push(dev);
    const provides = type.providesBus;
    if (provides) {
      this.addBus(new Bus(this.childBusName(dev, provides.suffix), provides.type, dev, provides.slots, provides.hotpluggable), dev);
    }
    this.devices.push(dev);
    if (hot) this.guest?.deviceAdded?.(dev);
    return dev;
  }

  /**
   * The guest moved a tray (SCSI START STOP UNIT with LoEj). The change is made durable first (the
   * state file, when one is in use), then announced with DEVICE_TRAY_MOVED; the guest's command
   * completes when the returned promise resolves. Opening removes nothing: the medium stays in the
   * open tray, as on real drives and in QEMU.
   */
  async guestTrayMove(dev: Device, open: boolean): Promise<void> {
    if ((dev.get('tray-open') === true) === open) return;
    if (open) dev.props['tray-open'] = true;
    else delete dev.props['tray-open'];
    await this.persist({ source: 'guest', device: dev.label, what: open ? 'tray-open' : 'tray-closed' });
    this.emit('DEVICE_TRAY_MOVED', { device: '', id: dev.id ?? dev.path, 'tray-open': open });
  }

  /** The guest locked or unlocked a tray (PREVENT ALLOW MEDIUM REMOVAL): run-time state only. */
  guestTrayLock(dev: Device, locked: boolean): void {
    dev.state.locked = locked;
  }

  /**
   * device_add arguments with every device property typed (keyval strings converted by the
   * property's type), without creating anything: how a command line is printed as JSON.
   */
  typedDeviceArgs(args: Record<string, unknown>, mode: InputMode): Record<string, unknown> {
    const { driver, bus, id, ...rawProps } = args as { driver: string; bus?: string; id?: string } & Record<string, unknown>;
    const type = this.types.get(driver);
    if (!type) throw new QmpError(`'${driver}' is not a valid device model name`);
    const decls = this.types.properties(driver);
    const out: Record<string, unknown> = { driver, ...(bus !== undefined ? { bus } : {}), ...(id !== undefined ? { id } : {}) };
    for (const [k, v] of Object.entries(rawProps)) {
      const decl = decls.find((p) => p.name === k);
      if (!decl) throw new QmpError(`Property '${driver}.${k}' not found`);
      out[k] = this.convertProperty(decl.type, decl.values, v, k, mode);
    }
    return out;
  }

  delDevice(idOrPath: string): void {
    const dev = this.findDevice(idOrPath);
    if (!dev || !this.devices.includes(dev)) throw new QmpError(`Device '${idOrPath}' not found`, 'DeviceNotFound');
    if (dev.parentBus && !dev.parentBus.hotpluggable && this.phase === 'machine-ready') {
      throw new QmpError(`Bus '${dev.parentBus.name}' does not support hotplugging`);
    }
    const removed: { d: Device; path: string }[] = [];
    const remove = (d: Device) => {
      for (const b of d.childBuses) for (const c of [...b.devices].reverse()) remove(c);
      const path = d.path;
      this.guest?.deviceRemoved?.(d);
      d.unrealize(this);
      d.parentBus?.devices.splice(d.parentBus.devices.indexOf(d), 1);
      for (const b of d.childBuses) this.buses.delete(b.name);
      d.parent?.removeChild(d);
      this.devices.splice(this.devices.indexOf(d), 1);
      removed.push({ d, path });
    };
    remove(dev);
    for (const { d, path } of removed) {
      this.emit('DEVICE_DELETED', d.id !== undefined ? { device: d.id, path } : { path });
    }
  }

  findDeviceById(id: string): Device | undefined {
    return this.devices.find((d) => d.id === id);
  }

  /** A device by id, or by QOM path (absolute or partial), as QEMU's find_device_state. */
  findDevice(idOrPath: string): Device | undefined {
    const byId = this.findDeviceById(idOrPath);
    if (byId) return byId;
    const o = resolvePath(this.root, idOrPath);
    return o instanceof Device ? o : undefined;
  }

  private convertProperty(type: PropType, values: readonly string[] | undefined, v: unknown, name: string, mode: InputMode): unknown {
    const out = this.validator.value(PROP_SCHEMA_TYPE[type], v, name, mode);
    if (type === 'enum' && values && !values.includes(out as string)) {
      throw new QmpError(`Parameter '${name}' does not accept value '${String(out)}'`);
    }
    return out;
  }

  private findBusFor(dev: Device, type: TypeInfo, busName: string | undefined): Bus {
    const busType = this.types.inherited(type.name, 'busType');
    if (busName !== undefined) {
      const bus = this.buses.get(busName);
      if (!bus) throw new QmpError(`Bus '${busName}' not found`);
      if (bus.type !== busType) throw new QmpError(`Device '${type.name}' can't go on ${bus.type} bus`);
      if (bus.full) throw new QmpError(`Bus '${busName}' is full`);
      return bus;
    }
    const candidates = [...this.buses.values()].filter((b) => b.type === busType && !b.full);
    // QEMU finds virtio-mmio buses in reverse creation order (the highest address first), and other
    // buses in creation order.
    const bus = busType === 'virtio-bus' ? candidates[candidates.length - 1] : candidates[0];
    if (!bus) throw new QmpError(`No '${busType}' bus found for device '${type.name}'`);
    void dev;
    return bus;
  }

  private addBus(bus: Bus, owner: Device): void {
    owner.childBuses.push(bus);
    this.buses.set(bus.name, bus);
  }

  /**
   * QEMU names a device's bus '<id>.N'; an anonymous device's bus '<bus type>.N'. emu takes the lowest
   * free N for anonymous buses (QEMU uses a counter that never goes down), so that a machine rebuilt
   * from its document gets the same names.
   */
  private childBusName(dev: Device, suffix: string | undefined): string {
    if (dev.id !== undefined) return `${dev.id}.${dev.childBuses.length}`;
    const base = suffix ?? (dev.type.providesBus!.type.toLowerCase());
    let n = 0;
    while (this.buses.has(`${base}.${n}`)) n++;
    return `${base}.${n}`;
  }

  // ---- chardevs ----

  /** How chardevs reach the host; undefined (emu --check, tests) keeps them configuration only. */
  chardevHost: ChardevHost | undefined;

  /**
   * Adds a chardev. A socket server with wait=on given at start-up (`waitForPeer`) holds the start-up
   * until its first client connects, as QEMU does.
   */
  async addChardev(id: string, backend: Record<string, unknown>, waitForPeer = false): Promise<void> {
    let chardev: Chardev | undefined;
    if (backend.type === 'mux') {
      const target = (backend.data as { chardev: string }).chardev;
      if (!this.chardevs.has(target)) throw new QmpError(`chardev "${target}" not found`);
    }
    if (this.chardevHost) {
      chardev = createChardev(id, backend as unknown as ChardevBackend, {
        ...this.chardevHost, lookup: (x) => this.chardevs.get(x)?.chardev,
        mux: { ...this.chardevHost.mux, held: !this.startupDone },
      });
      await chardev.open();
      if (waitForPeer && chardev instanceof SocketChardev && chardev.waitRequested) {
        process.stderr.write(`info: emu waiting for connection on: ${chardev.describe()}\n`);
        await chardev.firstConnection;
      }
    }
    this.chardevs.set(id, { id, backend, user: undefined, chardev });
    this.root.children.get('chardevs')!.addChild(id, new QomObject({ name: `chardev-${backend.type as string}`, doc: '' }));
  }

  private startupDone = false;

  /**
   * The front end has processed its whole command line: muxed chardevs hand out their focus now,
   * to the frontend attached last (the serial port), as QEMU opens its muxes once machine creation
   * is done; muxes created later (chardev-add) settle at once.
   */
  startupComplete(): void {
    this.startupDone = true;
    for (const c of this.chardevs.values()) if (c.chardev instanceof MuxChardev) c.chardev.release();
  }

  async removeChardev(id: string): Promise<void> {
    const c = this.chardevs.get(id);
    if (!c) throw new QmpError(`Chardev '${id}' not found`);
    if (c.user !== undefined) throw new QmpError(`Chardev '${id}' is busy`);
    this.chardevs.delete(id);
    const chardevs = this.root.children.get('chardevs')!;
    chardevs.removeChild(chardevs.children.get(id)!);
    await c.chardev?.close();
  }

  describeChardev(c: ChardevEntry): string {
    return c.chardev?.describe() ?? String(c.backend.type);
  }

  private ringbuf(id: string): RingbufChardev {
    const c = this.chardevs.get(id);
    // QEMU reports an unknown ringbuf device as a GenericError (unlike device_del's DeviceNotFound).
    if (!c) throw new QmpError(`Device '${id}' not found`);
    if (!(c.chardev instanceof RingbufChardev)) {
      if (c.backend.type === 'ringbuf' || c.backend.type === 'memory') throw new QmpError(`Chardev '${id}' is not open`);
      throw new QmpError(`${id} is not a ringbuf device`);
    }
    return c.chardev;
  }

  ringbufWrite(id: string, data: string, format: 'utf8' | 'base64'): void {
    this.ringbuf(id).qmpWrite(data, format);
  }

  ringbufRead(id: string, size: number, format: 'utf8' | 'base64'): string {
    return this.ringbuf(id).qmpRead(size, format);
  }

  async closeChardevs(): Promise<void> {
    await Promise.all([...this.chardevs.values()].map((c) => c.chardev?.close()));
  }

  // ---- DeviceServices ----

  claimDrive(dev: Device, nodeName: string): void {
    const node = this.blocks.get(nodeName);
    if (!node) throw new QmpError(`Property '${dev.type.name}.drive' can't find value '${nodeName}'`);
    if (node.attachedTo !== undefined) throw new QmpError(`Drive '${nodeName}' is already in use by another device`);
    node.attachedTo = dev.label;
    node.users++;
  }

  releaseDrive(_dev: Device, nodeName: string): void {
    const node = this.blocks.get(nodeName);
    if (!node) return;
    node.attachedTo = undefined;
    node.users--;
  }

  claimChardev(dev: Device, id: string): void {
    const c = this.chardevs.get(id);
    if (!c) throw new QmpError(`Property '${dev.type.name}.chardev' can't find value '${id}'`);
    if (c.user !== undefined) throw new QmpError(`Property '${dev.type.name}.chardev' can't take value '${id}', it's in use`);
    c.user = dev.path;
  }

  releaseChardev(_dev: Device, id: string): void {
    const c = this.chardevs.get(id);
    if (c) c.user = undefined;
  }

  claimObject(dev: Device, prop: string, id: string, type: string): void {
    this.objects.claim(dev.path, prop, id, type);
  }

  releaseObject(dev: Device, id: string): void {
    this.objects.release(dev.path, id);
  }
}

/** A machine's boot order: QEMU's boot letters (shared/boot-devices.ts). */
export function checkBootOrder(order: string): void {
  const error = bootDevicesError(order);
  if (error !== undefined) throw new QmpError(error);
}
