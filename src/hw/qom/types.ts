// The type system of emu's object model, after QEMU's QOM: registered types with single inheritance
// and typed properties. A type is data plus, for devices, a factory for its live behaviour; the
// property declarations are what device-list-properties, qom-list-properties, the machine document
// and validation of device_add all read.

import { QmpError } from '../../shared/errors.ts';

export type PropType =
  | 'str' | 'bool' | 'int' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'size'
  | 'enum' | 'link' | 'drive' | 'chardev';

export interface PropertyDecl {
  name: string;
  type: PropType;
  doc: string;
  /** Allowed values of an enum property. */
  values?: readonly string[];
  /** Value when the user sets none; absent means "unset" (e.g. a drive not connected). */
  default?: unknown;
  /** The QOM type a link property points to. */
  linkType?: string;
  /**
   * False for properties that describe live state rather than configuration (e.g. a realized flag);
   * configuration properties are what the machine document records.
   */
  config?: boolean;
  /** Whether qom-set may change it after realize. */
  settableAfterRealize?: boolean;
}

export interface TypeInfo {
  name: string;
  parent?: string;
  abstract?: boolean;
  doc: string;
  properties?: PropertyDecl[];
  /** Device types: the bus type they plug into (undefined = sysbus / onboard). */
  busType?: string;
  /** Device types: may be created with device_add / -device. */
  userCreatable?: boolean;
  /** Device types: may be added after machine-ready. */
  hotpluggable?: boolean;
  /** Interfaces the type implements (QEMU's 'user-creatable'); inherited, and matched by isA. */
  interfaces?: string[];
  /** Device types: the bus type each instance provides to its children, and how many slots. */
  providesBus?: { type: string; slots: number; hotpluggable: boolean; suffix?: string };
}

/** QEMU's names for property types in device-list-properties / qom-list. */
export const PROP_TYPE_NAMES: Record<PropType, string> = {
  str: 'str', bool: 'bool', int: 'int64', uint8: 'uint8', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64',
  size: 'size', enum: 'str', link: 'link', drive: 'str', chardev: 'str',
};

export class TypeRegistry {
  private readonly types = new Map<string, TypeInfo>();

  register(t: TypeInfo): void {
    if (this.types.has(t.name)) throw new Error(`qom: type '${t.name}' registered twice`);
    if (t.parent && !this.types.has(t.parent)) throw new Error(`qom: parent '${t.parent}' of '${t.name}' is not registered`);
    this.types.set(t.name, t);
  }

  get(name: string): TypeInfo | undefined {
    return this.types.get(name);
  }

  all(): TypeInfo[] {
    return [...this.types.values()];
  }

  /** True when `name` is `ancestor`, inherits from it or implements it (an interface). */
  isA(name: string, ancestor: string): boolean {
    for (let t = this.types.get(name); t; t = t.parent ? this.types.get(t.parent) : undefined) {
      if (t.name === ancestor || t.interfaces?.includes(ancestor)) return true;
    }
    return false;
  }

  /** Properties of a type including inherited ones, parents first. */
  properties(name: string): PropertyDecl[] {
    const chain: TypeInfo[] = [];
    for (let t = this.types.get(name); t; t = t.parent ? this.types.get(t.parent) : undefined) chain.unshift(t);
    const out = new Map<string, PropertyDecl>();
    for (const t of chain) for (const p of t.properties ?? []) out.set(p.name, p);
    return [...out.values()];
  }

  /** The nearest declaration of a field along the inheritance chain. */
  inherited<K extends keyof TypeInfo>(name: string, key: K): TypeInfo[K] | undefined {
    for (let t = this.types.get(name); t; t = t.parent ? this.types.get(t.parent) : undefined) {
      if (t[key] !== undefined) return t[key];
    }
    return undefined;
  }

  /** QEMU's error for device-list-properties and friends on an unknown type. */
  require(name: string): TypeInfo {
    const t = this.types.get(name);
    if (!t) throw new QmpError(`Device '${name}' not found`, 'DeviceNotFound');
    return t;
  }
}
