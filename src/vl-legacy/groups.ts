// The option groups (QemuOptsLists) of QEMU 7.2 that emu-legacy parses, as data: the group name (used
// in "Duplicate ID 'x' for <group>" and as the -readconfig section name), the implied first key,
// whether occurrences merge, and the accepted keys (an empty list accepts anything and leaves
// validation to a later stage, as QEMU does).

import type { QemuOptDesc, QemuOptsListSpec } from '../shared/qemu-opts.ts';

const str = (name: string): QemuOptDesc => ({ name, type: 'string' });
const bool = (name: string): QemuOptDesc => ({ name, type: 'bool' });
const num = (name: string): QemuOptDesc => ({ name, type: 'number' });
const size = (name: string): QemuOptDesc => ({ name, type: 'size' });

export const DRIVE: QemuOptsListSpec = { name: 'drive', desc: [] };
export const DEVICE: QemuOptsListSpec = { name: 'device', impliedOptName: 'driver', desc: [] };
export const NETDEV: QemuOptsListSpec = { name: 'netdev', impliedOptName: 'type', desc: [] };
export const OBJECT: QemuOptsListSpec = { name: 'object', impliedOptName: 'qom-type', desc: [] };
export const ACCEL: QemuOptsListSpec = { name: 'accel', impliedOptName: 'accel', desc: [] };

export const CHARDEV: QemuOptsListSpec = {
  name: 'chardev',
  impliedOptName: 'backend',
  desc: [
    str('backend'), str('path'), str('host'), str('port'), str('fd'), str('localaddr'), str('localport'),
    num('to'), bool('ipv4'), bool('ipv6'), bool('wait'), bool('server'), bool('delay'), bool('nodelay'),
    num('reconnect'), bool('telnet'), bool('tn3270'), str('tls-creds'), str('tls-authz'), bool('websocket'),
    num('width'), num('height'), num('cols'), num('rows'), bool('mux'), bool('signal'), str('name'),
    num('debug'), size('size'), str('chardev'), bool('append'), str('logfile'), bool('logappend'),
    bool('mouse'), bool('clipboard'), bool('abstract'), bool('tight'),
  ],
};

export const MON: QemuOptsListSpec = {
  name: 'mon',
  impliedOptName: 'chardev',
  desc: [str('mode'), str('chardev'), bool('pretty')],
};

export const MEMORY: QemuOptsListSpec = {
  name: 'memory',
  impliedOptName: 'size',
  mergeLists: true,
  desc: [size('size'), num('slots'), size('maxmem')],
};

export const NAME: QemuOptsListSpec = {
  name: 'name',
  impliedOptName: 'guest',
  mergeLists: true,
  desc: [
    { name: 'guest', type: 'string', help: 'Sets the name of the guest.\nThis name will be displayed in the SDL window caption.\nThe name will also be used for the VNC server' },
    { name: 'process', type: 'string', help: 'Sets the name of the QEMU process, as shown in top etc' },
    { name: 'debug-threads', type: 'bool', help: 'When enabled, name the individual threads; defaults off.\nNOTE: The thread names are for debugging and not a\nstable API.' },
  ],
};

export const GLOBAL: QemuOptsListSpec = {
  name: 'global',
  desc: [str('driver'), str('property'), str('value')],
};

export const ACTION: QemuOptsListSpec = {
  name: 'action',
  mergeLists: true,
  desc: [str('shutdown'), str('reboot'), str('panic'), str('watchdog')],
};

/** -smp and -boot are parsed with keyval into the machine; these lists only serve their help text. */
export const SMP_OPTS: QemuOptsListSpec = {
  name: 'smp-opts',
  impliedOptName: 'cpus',
  mergeLists: true,
  desc: [num('cpus'), num('sockets'), num('dies'), num('clusters'), num('cores'), num('threads'), num('maxcpus')],
};

export const BOOT_OPTS: QemuOptsListSpec = {
  name: 'boot-opts',
  impliedOptName: 'order',
  mergeLists: true,
  desc: [str('order'), str('once'), bool('menu'), str('splash'), num('splash-time'), num('reboot-timeout'), bool('strict')],
};

/** QemuOpts groups a -readconfig section may name (besides machine, object, smp-opts, boot-opts). */
export const CONFIG_QEMUOPTS_GROUPS: readonly QemuOptsListSpec[] = [
  DRIVE, CHARDEV, DEVICE, NETDEV, GLOBAL, MON, ACCEL, MEMORY, NAME, ACTION,
];

/** qemu_opts_print_help: the text `-opt ...,help` prints for a described group. */
export function optsHelpText(spec: QemuOptsListSpec): string {
  const typeName = { string: 'str', bool: 'bool (on/off)', number: 'num', size: 'size' } as const;
  const lines = spec.desc.map((d) => {
    let s = `  ${d.name}=<${typeName[d.type]}>`;
    if (d.help) s = `${s.padEnd(24)} - ${d.help}`;
    return s;
  });
  lines.sort();
  if (lines.length === 0) return `There are no options for ${spec.name}.\n`;
  return `${spec.name} options:\n${lines.map((l) => l + '\n').join('')}`;
}
