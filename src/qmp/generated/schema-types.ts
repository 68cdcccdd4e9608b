// Generated from the schema by src/qmp/schema/typegen.ts (npm run gen). Do not edit.
/* eslint-disable */

export interface BlockDeviceInfo {
  "file": string;
  "node-name"?: string;
  "ro": boolean;
  "drv": string;
  "backing_file"?: string;
  "backing_file_depth": number;
  "encrypted": boolean;
  "detect_zeroes": BlockdevDetectZeroesOptions;
  "bps": number;
  "bps_rd": number;
  "bps_wr": number;
  "iops": number;
  "iops_rd": number;
  "iops_wr": number;
  "image": ImageInfo;
  "write_threshold": number;
  "cache": BlockdevCacheInfo;
}

export interface BlockInfo {
  "device": string;
  "qdev"?: string;
  "type": string;
  "removable": boolean;
  "locked": boolean;
  "inserted"?: BlockDeviceInfo;
  "tray_open"?: boolean;
  "io-status"?: string;
}

export interface BlockdevCacheInfo {
  "writeback": boolean;
  "direct": boolean;
  "no-flush": boolean;
}

export interface BlockdevCacheOptions {
  "direct"?: boolean;
  "no-flush"?: boolean;
}

export type BlockdevChangeReadOnlyMode = "retain" | "read-only" | "read-write";

export type BlockdevDetectZeroesOptions = "off" | "on" | "unmap";

export type BlockdevDiscardOptions = "ignore" | "unmap";

export type BlockdevDriver = "file" | "raw" | "qcow2" | "null-co";

export interface BlockdevOptionsBase {
  "driver": BlockdevDriver;
  "node-name"?: string;
  "discard"?: BlockdevDiscardOptions;
  "cache"?: BlockdevCacheOptions;
  "read-only"?: boolean;
  "auto-read-only"?: boolean;
  "force-share"?: boolean;
  "detect-zeroes"?: BlockdevDetectZeroesOptions;
  "snapshot"?: boolean;
}
export type BlockdevOptions =
  | (BlockdevOptionsBase & { "driver": "file" } & BlockdevOptionsFile)
  | (BlockdevOptionsBase & { "driver": "raw" } & BlockdevOptionsRaw)
  | (BlockdevOptionsBase & { "driver": "qcow2" } & BlockdevOptionsQcow2)
  | (BlockdevOptionsBase & { "driver": "null-co" } & BlockdevOptionsNull);

export interface BlockdevOptionsFile {
  "filename": string;
  "locking"?: OnOffAuto;
  "aio"?: string;
  "drop-cache"?: boolean;
}

export interface BlockdevOptionsNull {
  "size"?: number;
  "latency-ns"?: number;
  "read-zeroes"?: boolean;
}

export interface BlockdevOptionsQcow2 {
  "file": BlockdevRef;
  "backing"?: BlockdevRefOrNull;
  "lazy-refcounts"?: boolean;
}

export interface BlockdevOptionsRaw {
  "file": BlockdevRef;
  "offset"?: number;
  "size"?: number;
}

export type BlockdevRef = BlockdevOptions | string;

export type BlockdevRefOrNull = BlockdevOptions | string | null;

export interface BootConfiguration {
  "order"?: string;
  "once"?: string;
  "menu"?: boolean;
  "splash"?: string;
  "splash-time"?: number;
  "reboot-timeout"?: number;
  "strict"?: boolean;
}

export interface ChardevBackendBase {
  "type": ChardevBackendKind;
}
export type ChardevBackend =
  | (ChardevBackendBase & { "type": "null" } & ChardevCommonWrapper)
  | (ChardevBackendBase & { "type": "file" } & ChardevFileWrapper)
  | (ChardevBackendBase & { "type": "stdio" } & ChardevStdioWrapper)
  | (ChardevBackendBase & { "type": "socket" } & ChardevSocketWrapper)
  | (ChardevBackendBase & { "type": "pipe" } & ChardevHostdevWrapper)
  | (ChardevBackendBase & { "type": "ringbuf" } & ChardevRingbufWrapper)
  | (ChardevBackendBase & { "type": "memory" } & ChardevRingbufWrapper)
  | (ChardevBackendBase & { "type": "mux" } & ChardevMuxWrapper);

export type ChardevBackendKind = "null" | "file" | "stdio" | "socket" | "pipe" | "ringbuf" | "memory" | "mux";

export interface ChardevCommon {
  "logfile"?: string;
  "logappend"?: boolean;
}

export interface ChardevCommonWrapper {
  "data": ChardevCommon;
}

export interface ChardevFile {
  "logfile"?: string;
  "logappend"?: boolean;
  "in"?: string;
  "out": string;
  "append"?: boolean;
}

export interface ChardevFileWrapper {
  "data": ChardevFile;
}

export interface ChardevHostdev {
  "logfile"?: string;
  "logappend"?: boolean;
  "device": string;
}

export interface ChardevHostdevWrapper {
  "data": ChardevHostdev;
}

export interface ChardevInfo {
  "label": string;
  "filename": string;
  "frontend-open": boolean;
}

export interface ChardevMux {
  "logfile"?: string;
  "logappend"?: boolean;
  "chardev": string;
}

export interface ChardevMuxWrapper {
  "data": ChardevMux;
}

export interface ChardevReturn {
  "pty"?: string;
}

export interface ChardevRingbuf {
  "logfile"?: string;
  "logappend"?: boolean;
  "size"?: number;
}

export interface ChardevRingbufWrapper {
  "data": ChardevRingbuf;
}

export interface ChardevSocket {
  "logfile"?: string;
  "logappend"?: boolean;
  "addr": SocketAddressLegacy;
  "server"?: boolean;
  "wait"?: boolean;
  "nodelay"?: boolean;
  "telnet"?: boolean;
  "reconnect"?: number;
}

export interface ChardevSocketWrapper {
  "data": ChardevSocket;
}

export interface ChardevStdio {
  "logfile"?: string;
  "logappend"?: boolean;
  "signal"?: boolean;
}

export interface ChardevStdioWrapper {
  "data": ChardevStdio;
}

export interface CommandInfo {
  "name": string;
}

export interface CpuInfoFast {
  "cpu-index": number;
  "qom-path": string;
  "thread-id": number;
  "props"?: CpuInstanceProperties;
  "target": string;
}

export interface CpuInstanceProperties {
  "node-id"?: number;
  "socket-id"?: number;
  "core-id"?: number;
  "thread-id"?: number;
}

export interface DEVICEDELETEDArg {
  "device"?: string;
  "path": string;
}

export interface DEVICETRAYMOVEDArg {
  "device": string;
  "id": string;
  "tray-open": boolean;
}

export type DataFormat = "utf8" | "base64";

export interface DtbInfo {
  "data": string;
}

export interface ImageInfo {
  "filename": string;
  "format": string;
  "virtual-size": number;
  "actual-size"?: number;
  "dirty-flag"?: boolean;
  "cluster-size"?: number;
  "backing-filename"?: string;
  "full-backing-filename"?: string;
  "backing-image"?: ImageInfo;
}

export interface InetSocketAddress {
  "host": string;
  "port": string;
  "numeric"?: boolean;
  "to"?: number;
  "ipv4"?: boolean;
  "ipv6"?: boolean;
}

export interface InetSocketAddressWrapper {
  "data": InetSocketAddress;
}

export interface KvmInfo {
  "enabled": boolean;
  "present": boolean;
}

export interface MachineInfo {
  "name": string;
  "alias"?: string;
  "is-default"?: boolean;
  "cpu-max": number;
  "hotpluggable-cpus": boolean;
  "numa-mem-supported": boolean;
  "deprecated": boolean;
  "default-cpu-type"?: string;
  "default-ram-id"?: string;
}

export type MachineInitPhase = "no-machine" | "machine-created" | "accel-created" | "machine-initialized" | "machine-ready";

export interface MachinePhaseInfo {
  "phase": MachineInitPhase;
}

export interface MemoryBackendProperties {
  "size": number;
}

export interface NameInfo {
  "name"?: string;
}

export interface ObjectOptionsBase {
  "qom-type": ObjectType;
  "id": string;
}
export type ObjectOptions =
  | (ObjectOptionsBase & { "qom-type": "secret" } & SecretProperties)
  | (ObjectOptionsBase & { "qom-type": "memory-backend-ram" } & MemoryBackendProperties)
  | (ObjectOptionsBase & { "qom-type": "rng-builtin" } & RngProperties)
  | (ObjectOptionsBase & { "qom-type": "rng-random" } & RngRandomProperties);

export interface ObjectPropertyInfo {
  "name": string;
  "type": string;
  "description"?: string;
  "default-value"?: unknown;
}

export type ObjectType = "secret" | "memory-backend-ram" | "rng-builtin" | "rng-random";

export interface ObjectTypeInfo {
  "name": string;
  "abstract"?: boolean;
  "parent"?: string;
}

export type OnOffAuto = "auto" | "on" | "off";

export type QCryptoSecretFormat = "raw" | "base64";

export type QMPCapability = "oob";

export interface RESETArg {
  "guest": boolean;
  "reason": ShutdownCause;
}

export type RebootAction = "reset" | "shutdown";

export interface RngProperties {

}

export interface RngRandomProperties {
  "filename"?: string;
}

export type RunState = "prelaunch" | "running" | "paused" | "shutdown" | "internal-error" | "guest-panicked";

export interface SHUTDOWNArg {
  "guest": boolean;
  "reason": ShutdownCause;
}

export interface STATEFILESAVEDArg {
  "generation": number;
  "changes": StateChange[];
}

export interface SecretProperties {
  "data"?: string;
  "file"?: string;
  "format"?: QCryptoSecretFormat;
}

export type ShutdownAction = "poweroff" | "pause";

export type ShutdownCause = "none" | "host-error" | "host-qmp-quit" | "host-qmp-system-reset" | "host-signal" | "host-ui" | "guest-shutdown" | "guest-reset" | "guest-panic" | "subsystem-reset" | "snapshot-load";

export interface SmpConfiguration {
  "cpus"?: number;
  "maxcpus"?: number;
  "sockets"?: number;
  "dies"?: number;
  "clusters"?: number;
  "cores"?: number;
  "threads"?: number;
}

export interface SocketAddressLegacyBase {
  "type": SocketAddressType;
}
export type SocketAddressLegacy =
  | (SocketAddressLegacyBase & { "type": "inet" } & InetSocketAddressWrapper)
  | (SocketAddressLegacyBase & { "type": "unix" } & UnixSocketAddressWrapper);

export type SocketAddressType = "inet" | "unix";

export interface StateChange {
  "source": string;
  "command"?: string;
  "device"?: string;
  "what"?: string;
}

export interface StatusInfo {
  "running": boolean;
  "singlestep": boolean;
  "status": RunState;
}

export interface TargetInfo {
  "arch": string;
}

export interface UnixSocketAddress {
  "path": string;
  "abstract"?: boolean;
  "tight"?: boolean;
}

export interface UnixSocketAddressWrapper {
  "data": UnixSocketAddress;
}

export interface UuidInfo {
  "UUID": string;
}

export interface VersionInfo {
  "qemu": VersionTriple;
  "package": string;
}

export interface VersionTriple {
  "major": number;
  "minor": number;
  "micro": number;
}

export interface AccelSetArg {
  "accel"?: string;
}

export interface BlockdevChangeMediumArg {
  "device"?: string;
  "id"?: string;
  "filename": string;
  "format"?: string;
  "force"?: boolean;
  "read-only-mode"?: BlockdevChangeReadOnlyMode;
}

export interface BlockdevCloseTrayArg {
  "device"?: string;
  "id"?: string;
}

export interface BlockdevDelArg {
  "node-name": string;
}

export interface BlockdevInsertMediumArg {
  "id": string;
  "node-name": string;
}

export interface BlockdevOpenTrayArg {
  "device"?: string;
  "id"?: string;
  "force"?: boolean;
}

export interface BlockdevRemoveMediumArg {
  "id": string;
}

export interface ChardevAddArg {
  "id": string;
  "backend": ChardevBackend;
}

export interface ChardevRemoveArg {
  "id": string;
}

export interface DeviceListPropertiesArg {
  "typename": string;
}

export interface DeviceAddArg {
  "driver": string;
  "bus"?: string;
  "id"?: string;
}

export interface DeviceDelArg {
  "id": string;
}

export interface EjectArg {
  "device"?: string;
  "id"?: string;
  "force"?: boolean;
}

export interface HumanMonitorCommandArg {
  "command-line": string;
  "cpu-index"?: number;
}

export interface MachineSetArg {
  "type": string;
  "memory"?: number;
  "memory-backend"?: string;
  "smp"?: SmpConfiguration;
  "bios"?: string;
  "kernel"?: string;
  "initrd"?: string;
  "append"?: string;
  "dtb"?: string;
  "boot"?: BootConfiguration;
  "serial"?: string;
  "name"?: string;
  "uuid"?: string;
}

export interface ObjectDelArg {
  "id": string;
}

export interface QmpCapabilitiesArg {
  "enable"?: QMPCapability[];
}

export interface QomGetArg {
  "path": string;
  "property": string;
}

export interface QomListArg {
  "path": string;
}

export interface QomListPropertiesArg {
  "typename": string;
}

export interface QomListTypesArg {
  "implements"?: string;
  "abstract"?: boolean;
}

export interface QomSetArg {
  "path": string;
  "property": string;
  "value": unknown;
}

export interface QueryNamedBlockNodesArg {
  "flat"?: boolean;
}

export interface RingbufReadArg {
  "device": string;
  "size": number;
  "format"?: DataFormat;
}

export interface RingbufWriteArg {
  "device": string;
  "data": string;
  "format"?: DataFormat;
}

export interface SetActionArg {
  "reboot"?: RebootAction;
  "shutdown"?: ShutdownAction;
}

export interface CommandArgs {
  "accel-set": AccelSetArg;
  "blockdev-add": BlockdevOptions;
  "blockdev-change-medium": BlockdevChangeMediumArg;
  "blockdev-close-tray": BlockdevCloseTrayArg;
  "blockdev-del": BlockdevDelArg;
  "blockdev-insert-medium": BlockdevInsertMediumArg;
  "blockdev-open-tray": BlockdevOpenTrayArg;
  "blockdev-remove-medium": BlockdevRemoveMediumArg;
  "chardev-add": ChardevAddArg;
  "chardev-remove": ChardevRemoveArg;
  "cont": Record<string, never>;
  "device_add": DeviceAddArg & Record<string, unknown>;
  "device_del": DeviceDelArg;
  "device-list-properties": DeviceListPropertiesArg;
  "eject": EjectArg;
  "finish-machine-init": Record<string, never>;
  "human-monitor-command": HumanMonitorCommandArg;
  "machine-init": Record<string, never>;
  "machine-set": MachineSetArg;
  "object-add": ObjectOptions;
  "object-del": ObjectDelArg;
  "qmp_capabilities": QmpCapabilitiesArg;
  "qom-get": QomGetArg;
  "qom-list": QomListArg;
  "qom-list-properties": QomListPropertiesArg;
  "qom-list-types": QomListTypesArg;
  "qom-set": QomSetArg;
  "query-block": Record<string, never>;
  "query-chardev": Record<string, never>;
  "query-commands": Record<string, never>;
  "query-cpus-fast": Record<string, never>;
  "query-kvm": Record<string, never>;
  "query-machine-phase": Record<string, never>;
  "query-machines": Record<string, never>;
  "query-name": Record<string, never>;
  "query-named-block-nodes": QueryNamedBlockNodesArg;
  "query-qmp-schema": Record<string, never>;
  "query-status": Record<string, never>;
  "query-target": Record<string, never>;
  "query-uuid": Record<string, never>;
  "query-version": Record<string, never>;
  "quit": Record<string, never>;
  "ringbuf-read": RingbufReadArg;
  "ringbuf-write": RingbufWriteArg;
  "set-action": SetActionArg;
  "stop": Record<string, never>;
  "system_powerdown": Record<string, never>;
  "system_reset": Record<string, never>;
  "x-query-dtb": Record<string, never>;
  "x-query-machine-document": Record<string, never>;
}

export interface CommandReturns {
  "accel-set": Record<string, never> | void;
  "blockdev-add": Record<string, never> | void;
  "blockdev-change-medium": Record<string, never> | void;
  "blockdev-close-tray": Record<string, never> | void;
  "blockdev-del": Record<string, never> | void;
  "blockdev-insert-medium": Record<string, never> | void;
  "blockdev-open-tray": Record<string, never> | void;
  "blockdev-remove-medium": Record<string, never> | void;
  "chardev-add": ChardevReturn;
  "chardev-remove": Record<string, never> | void;
  "cont": Record<string, never> | void;
  "device_add": Record<string, never> | void;
  "device_del": Record<string, never> | void;
  "device-list-properties": ObjectPropertyInfo[];
  "eject": Record<string, never> | void;
  "finish-machine-init": Record<string, never> | void;
  "human-monitor-command": string;
  "machine-init": Record<string, never> | void;
  "machine-set": Record<string, never> | void;
  "object-add": Record<string, never> | void;
  "object-del": Record<string, never> | void;
  "qmp_capabilities": Record<string, never> | void;
  "qom-get": unknown;
  "qom-list": ObjectPropertyInfo[];
  "qom-list-properties": ObjectPropertyInfo[];
  "qom-list-types": ObjectTypeInfo[];
  "qom-set": Record<string, never> | void;
  "query-block": BlockInfo[];
  "query-chardev": ChardevInfo[];
  "query-commands": CommandInfo[];
  "query-cpus-fast": CpuInfoFast[];
  "query-kvm": KvmInfo;
  "query-machine-phase": MachinePhaseInfo;
  "query-machines": MachineInfo[];
  "query-name": NameInfo;
  "query-named-block-nodes": BlockDeviceInfo[];
  "query-qmp-schema": unknown[];
  "query-status": StatusInfo;
  "query-target": TargetInfo;
  "query-uuid": UuidInfo;
  "query-version": VersionInfo;
  "quit": Record<string, never> | void;
  "ringbuf-read": string;
  "ringbuf-write": Record<string, never> | void;
  "set-action": Record<string, never> | void;
  "stop": Record<string, never> | void;
  "system_powerdown": Record<string, never> | void;
  "system_reset": Record<string, never> | void;
  "x-query-dtb": DtbInfo;
  "x-query-machine-document": unknown;
}

export interface EventData {
  "DEVICE_DELETED": DEVICEDELETEDArg;
  "DEVICE_TRAY_MOVED": DEVICETRAYMOVEDArg;
  "POWERDOWN": undefined;
  "RESET": RESETArg;
  "RESUME": undefined;
  "SHUTDOWN": SHUTDOWNArg;
  "STATE_FILE_SAVED": STATEFILESAVEDArg;
  "STOP": undefined;
}
