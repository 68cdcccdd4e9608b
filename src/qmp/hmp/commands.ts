// The human monitor's commands: each one parses its text arguments (parser.ts) and runs QMP
// commands of the schema; all semantics live in the QMP handlers. Names, argument syntax, help
// texts and output formats are QEMU 7.2's (hmp-commands.hx, hmp-commands-info.hx, monitor/*.c).

import { QEMU_COMPAT_VERSION } from '../../shared/version.ts';
import type { BlockInfo } from '../generated/schema-types.ts';
import { backendName, infoBlock } from './info-block.ts';
import { infoQomTree, infoQtree } from './info-tree.ts';
import { type HmpArgs, type HmpCommandSpec, helpWords, matchesName } from './parser.ts';
import type { TypedQmp } from './qmp-call.ts';

export interface HmpRunContext {
  qmp: TypedQmp;
  print: (text: string) => void;
  /** The monitor's current CPU (QEMU's `cpu` command / human-monitor-command's cpu-index). */
  cpuIndex: number;
}

export interface HmpCommand extends HmpCommandSpec {
  run?: (args: HmpArgs, ctx: HmpRunContext) => Promise<void>;
  sub?: readonly HmpCommand[];
}

const str = (a: HmpArgs, k: string): string | undefined => (typeof a[k] === 'string' ? (a[k] as string) : undefined);

/**
 * What a block device name in eject/change refers to. QEMU takes a legacy backend name there; emu
 * has none and accepts the inserted node's name instead (the `device` argument of its QMP commands),
 * and also the device's qdev id, which QMP takes as `id`.
 */
async function mediaTarget(qmp: TypedQmp, name: string): Promise<{ device: string } | { id: string }> {
  const list: BlockInfo[] = await qmp('query-block', {});
  if (list.some((b) => backendName(b) === name)) return { device: name };
  if (list.some((b) => b.qdev === name)) return { id: name };
  return { device: name };
}

const READ_ONLY_MODES = ['retain', 'read-only', 'read-write'];

const infoCommands: HmpCommand[] = [
  { name: 'block', args: 'nodes:-n,verbose:-v,device:B?', params: '[-n] [-v] [device]',
    help: 'show info of one block device or all block devices (-n: show named nodes; -v: show details)',
    run: async (a, { qmp, print }) => print(await infoBlock(qmp, { nodes: a.nodes === true, verbose: a.verbose === true, device: str(a, 'device') })) },
  { name: 'chardev', args: '', params: '', help: 'show the character devices',
    run: async (_a, { qmp, print }) => {
      for (const c of await qmp('query-chardev', {})) print(`${c.label}: filename=${c.filename}\n`);
    } },
  { name: 'cpus', args: '', params: '', help: 'show infos for each CPU',
    run: async (_a, { qmp, print, cpuIndex }) => {
      for (const c of await qmp('query-cpus-fast', {})) {
        print(`${c['cpu-index'] === cpuIndex ? '*' : ' '} CPU #${c['cpu-index']}: thread_id=${c['thread-id']}\n`);
      }
    } },
  { name: 'name', args: '', params: '', help: 'show the current VM name',
    run: async (_a, { qmp, print }) => {
      const n = await qmp('query-name', {});
      if (n.name !== undefined) print(`${n.name}\n`);
    } },
  { name: 'qom-tree', args: 'path:s?', params: '[path]', help: 'show QOM composition tree',
    run: async (a, { qmp, print }) => print(await infoQomTree(qmp, str(a, 'path'))) },
  { name: 'qtree', args: '', params: '', help: 'show device tree',
    run: async (_a, { qmp, print }) => print(await infoQtree(qmp)) },
  { name: 'status', args: '', params: '', help: 'show the current VM status (running|paused)',
    run: async (_a, { qmp, print }) => {
      const s = await qmp('query-status', {});
      print(`VM status: ${s.running ? 'running' : 'paused'}${s.singlestep ? ' (single step mode)' : ''}`
        + `${!s.running && s.status !== 'paused' ? ` (${s.status})` : ''}\n`);
    } },
  { name: 'uuid', args: '', params: '', help: 'show the current VM UUID',
    run: async (_a, { qmp, print }) => print(`${(await qmp('query-uuid', {})).UUID}\n`) },
  { name: 'version', args: '', params: '', help: `show the version of QEMU (emu reports the QEMU version it is compatible with, ${QEMU_COMPAT_VERSION.major}.${QEMU_COMPAT_VERSION.minor}.${QEMU_COMPAT_VERSION.micro}, then its own package name)`,
    run: async (_a, { qmp, print }) => {
      const v = await qmp('query-version', {});
      // QEMU prints the package right after the version number, without a blank.
      print(`${v.qemu.major}.${v.qemu.minor}.${v.qemu.micro}${v.package}\n`);
    } },
];

export const hmpCommands: HmpCommand[] = [
  { name: 'change', args: 'device:B,force:-f,target:F,arg:s?,read-only-mode:s?', params: 'device [-f] filename [format [read-only-mode]]',
    help: 'change a removable medium, optional format, use -f to force the operation',
    run: async (a, { qmp }) => {
      const mode = str(a, 'read-only-mode');
      if (mode !== undefined && !READ_ONLY_MODES.includes(mode)) throw new HmpUserError(`invalid parameter value: ${mode}`);
      const format = str(a, 'arg');
      await qmp('blockdev-change-medium', {
        ...(await mediaTarget(qmp, str(a, 'device')!)),
        filename: str(a, 'target')!,
        ...(format !== undefined ? { format } : {}),
        force: a.force === true,
        ...(mode !== undefined ? { 'read-only-mode': mode } : {}),
      });
    } },
  { name: 'cont|c', args: '', params: '', help: 'resume emulation',
    run: async (_a, { qmp }) => { await qmp('cont', {}); } },
  { name: 'device_add', args: 'device:O', params: 'driver[,prop=value][,...]', help: 'add device, like -device on the command line',
    run: async (a, ctx) => deviceAdd(a.device as Record<string, string>, ctx) },
  { name: 'device_del', args: 'id:s', params: 'device', help: 'remove device',
    run: async (a, { qmp }) => { await qmp('device_del', { id: str(a, 'id')! }); } },
  { name: 'eject', args: 'force:-f,device:B', params: '[-f] device', help: 'eject a removable medium (use -f to force it)',
    run: async (a, { qmp }) => {
      await qmp('eject', { ...(await mediaTarget(qmp, str(a, 'device')!)), force: a.force === true });
    } },
  { name: 'help|?', args: 'name:S?', params: '[cmd]', help: 'show the help',
    run: async (a, { print }) => print(helpText(str(a, 'name'))) },
  { name: 'info', args: 'item:s?', params: '[subcommand]', help: 'show various information about the system state',
    sub: infoCommands,
    run: async (_a, { print }) => print(helpText('info')) },
  { name: 'quit|q', args: '', params: '', help: 'quit the emulator',
    run: async (_a, { qmp }) => { await qmp('quit', {}); } },
  { name: 'stop|s', args: '', params: '', help: 'stop emulation',
    run: async (_a, { qmp }) => { await qmp('stop', {}); } },
  { name: 'system_powerdown', args: '', params: '', help: 'send system power down event',
    run: async (_a, { qmp }) => { await qmp('system_powerdown', {}); } },
  { name: 'system_reset', args: '', params: '', help: 'reset the system',
    run: async (_a, { qmp }) => { await qmp('system_reset', {}); } },
];

/** A failure the human monitor reports itself, printed as "Error: ..." like a QMP error. */
export class HmpUserError extends Error {}

/** device_add: -device's syntax (parsed by the argument parser), `help` lists, the rest is QMP device_add. */
async function deviceAdd(opts: Record<string, string>, { qmp, print }: HmpRunContext): Promise<void> {
  const driver = opts.driver;
  if (driver === 'help' || driver === '?') {
    const types = await qmp('qom-list-types', { implements: 'device', abstract: false });
    // Onboard devices cannot be added; QEMU leaves such types out of this list too.
    const onboard = new Set((await qmp('qom-list-types', { implements: 'sys-bus-device', abstract: false })).map((t) => t.name));
    for (const t of types.filter((x) => !onboard.has(x.name)).map((x) => x.name).sort()) print(`name "${t}"\n`);
    return;
  }
  if (driver !== undefined && ('help' in opts || '?' in opts)) {
    const props = await qmp('device-list-properties', { typename: driver });
    if (props.length === 0) {
      print(`There are no options for ${driver}.\n`);
      return;
    }
    print(`${driver} options:\n`);
    for (const p of [...props].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
      let s = `  ${p.name}=<${p.type}>`;
      const hasDefault = p['default-value'] !== undefined;
      if (p.description !== undefined || hasDefault) s = `${s.padEnd(24)} - `;
      if (p.description !== undefined) s += p.description;
      if (hasDefault) s += ` (default: ${JSON.stringify(p['default-value'])})`;
      print(`${s}\n`);
    }
    return;
  }
  await qmp('device_add', opts, { mode: 'keyval' });
}

function specLine(cmd: HmpCommandSpec, prefix: string[]): string {
  return `${prefix.map((p) => `${p} `).join('')}${cmd.name} ${cmd.params} -- ${cmd.help}\n`;
}

/** QEMU's help_cmd: the whole table, one command, or a sub-table ("help info"). */
export function helpText(name: string | undefined): string {
  const words = name === undefined ? [] : helpWords(name);
  if (words === undefined) return '';
  let table: readonly HmpCommand[] = hmpCommands;
  for (let i = 0; ; i++) {
    if (i >= words.length) return table.map((c) => specLine(c, words.slice(0, i))).join('');
    const cmd = table.find((c) => matchesName(words[i], c.name));
    if (!cmd) return `unknown command: '${words.slice(0, i + 1).join(' ')}'\n`;
    if (!cmd.sub) return specLine(cmd, words.slice(0, i));
    table = cmd.sub;
  }
}
