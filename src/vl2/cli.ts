// emu's command line: options read left to right into an ordered list of feed items. Options that
// configure the machine come from the schema (every command with a `cli` declaration becomes an
// option taking keyval or JSON); the rest set up the process (monitors, state file, -S).
//
// commander parses and validates the options and produces --help and --version; its per-option
// callbacks run in argv order, which is how interleaved options keep their order. Positional words
// (config files and their name=value variables) are placed by their position in argv.

import { Command, Option } from 'commander';
import { EMU_VERSION } from '../shared/version.ts';
import type { SchemaRegistry } from '../qmp/schema/registry.ts';

export interface CommandItem {
  kind: 'command';
  /** 1-based position of the option word in argv, for error messages. */
  position: number;
  /** The option as typed, e.g. `--device virtio-blk-device,drive=d0`. */
  text: string;
  command: string;
  value: string;
  impliedKey: string | undefined;
}

export interface ConfigItem {
  kind: 'config';
  position: number;
  text: string;
  /** A path, or the name of a standard config in configs/. */
  path: string;
  /** name=value words after it; a name given several times makes a list. */
  variables: Record<string, string | string[]>;
}

export type FeedItem = CommandItem | ConfigItem;

export interface MonitorSpec {
  kind: 'unix' | 'tcp' | 'websocket' | 'stdio';
  address: string;
}

export interface EmuOptions {
  items: FeedItem[];
  monitors: MonitorSpec[];
  paused: boolean;
  stateFile: string | undefined;
  stateReset: boolean;
  printCommands: boolean;
  check: boolean;
  /** No argument at all: print help. */
  empty: boolean;
}

interface Recorded {
  flag: string;
  value: string | true;
}

export function buildProgram(registry: SchemaRegistry, recorded: Recorded[]): Command {
  const program = new Command('emu')
    .description('RISC-V virt emulator: command-line options, config files and QMP commands are one in-order stream.')
    .usage('[options] [CONFIG [NAME=VALUE...]]...')
    .version(EMU_VERSION, '--version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .allowExcessArguments(true)
    .argument('[config-and-variables...]', 'config files (a path or a name from configs/), each followed by its NAME=VALUE variables')
    .showHelpAfterError(false)
    .configureOutput({ outputError: (str, write) => write(`emu: ${str.replace(/^error: /, '')}`) })
    .exitOverride();
  const record = (flag: string) => (value: string | true) => {
    recorded.push({ flag, value });
    return value;
  };
  for (const c of registry.commands.values()) {
    if (!c.cli) continue;
    program.addOption(new Option(`--${c.cli.option} <${c.cli.impliedKey ? `${c.cli.impliedKey}[,...]` : 'key=value,...'}|json>`,
      `${c.cli.help ?? c.doc} (runs ${c.command})`).argParser(record(`--${c.cli.option}`)));
  }
  const fixed: [string, string, boolean][] = [
    ['--config <file>', 'read a config file here (its commands run at this position)', true],
    ['--qmp-socket <path>', 'serve QMP on a unix socket (mode 0600)', true],
    ['--qmp-tcp <host:port>', 'serve QMP on TCP (loopback unless another host is named)', true],
    ['--qmp-ws <host:port>', 'serve QMP over WebSocket (loopback unless another host is named)', true],
    ['--qmp-stdio', 'serve QMP on standard input and output', false],
    ['-S, --paused', 'do not start the guest after the command line (send cont over QMP)', false],
    ['--state-file <path>', 'keep the machine document in PATH, rewritten durably after every change', true],
    ['--state-reset', 'with --state-file: ignore the existing file and start over', false],
    ['--print-commands', 'print the expanded command stream as JSON and exit', false],
    ['--check', 'validate everything, start nothing', false],
  ];
  for (const [flags, help] of fixed) {
    const opt = new Option(flags, help);
    const long = flags.split(/[ ,]+/).find((f) => f.startsWith('--'))!;
    if (opt.required || opt.optional) program.addOption(opt.argParser(record(long) as (v: string) => string));
    else {
      // Flags without a value get no argParser call; their event keeps the order instead.
      program.addOption(opt);
      program.on(`option:${opt.name()}`, () => recorded.push({ flag: long, value: true }));
    }
  }
  return program;
}

/** Parses argv (without node and script) into emu's options, keeping the order of everything. */
export function parseEmuArgs(registry: SchemaRegistry, argv: string[]): EmuOptions {
  const recorded: Recorded[] = [];
  const program = buildProgram(registry, recorded);
  program.parse(argv, { from: 'user' });
  const opts: EmuOptions = {
    items: [], monitors: [], paused: false, stateFile: undefined, stateReset: false, printCommands: false, check: false,
    empty: argv.length === 0,
  };
  const cliByOption = new Map<string, { command: string; impliedKey?: string }>();
  for (const c of registry.commands.values()) if (c.cli) cliByOption.set(`--${c.cli.option}`, { command: c.command, impliedKey: c.cli.impliedKey });
  const takesValue = new Set<string>();
  const shortToLong = new Map<string, string>();
  for (const o of program.options) {
    if (o.long && (o.required || o.optional)) takesValue.add(o.long);
    if (o.short && o.long) shortToLong.set(o.short, o.long);
  }
  // Walk argv to find each option's position; recorded[] holds the values in the same order.
  let r = 0;
  let lastConfig: ConfigItem | undefined;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word.startsWith('-') && word !== '-') {
      const eq = word.indexOf('=');
      const flag = shortToLong.get(word) ?? (word.startsWith('--') && eq > 0 ? word.slice(0, eq) : word);
      const inline = word.startsWith('--') && eq > 0;
      const rec = recorded[r++];
      const position = i + 1;
      if (takesValue.has(flag) && !inline) i++;
      const value = rec?.value;
      const text = typeof value === 'string' ? `${flag} ${value}` : flag;
      const cli = cliByOption.get(flag);
      if (cli) {
        opts.items.push({ kind: 'command', position, text, command: cli.command, value: value as string, impliedKey: cli.impliedKey });
        continue;
      }
      switch (flag) {
        case '--config':
          lastConfig = { kind: 'config', position, text, path: value as string, variables: {} };
          opts.items.push(lastConfig);
          break;
        case '--qmp-socket': opts.monitors.push({ kind: 'unix', address: value as string }); break;
        case '--qmp-tcp': opts.monitors.push({ kind: 'tcp', address: value as string }); break;
        case '--qmp-ws': opts.monitors.push({ kind: 'websocket', address: value as string }); break;
        case '--qmp-stdio': opts.monitors.push({ kind: 'stdio', address: 'stdio' }); break;
        case '--paused': opts.paused = true; break;
        case '--state-file': opts.stateFile = value as string; break;
        case '--state-reset': opts.stateReset = true; break;
        case '--print-commands': opts.printCommands = true; break;
        case '--check': opts.check = true; break;
      }
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_-]*)=(.*)$/s.exec(word);
    if (m && lastConfig) {
      const prev = lastConfig.variables[m[1]];
      lastConfig.variables[m[1]] = prev === undefined ? m[2] : [...(Array.isArray(prev) ? prev : [prev]), m[2]];
      continue;
    }
    lastConfig = { kind: 'config', position: i + 1, text: word, path: word, variables: {} };
    opts.items.push(lastConfig);
  }
  return opts;
}
