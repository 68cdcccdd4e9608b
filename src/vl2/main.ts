// bin/emu: the phase-based startup. The command line is read into an ordered stream of commands
// (options and config files), monitors are opened suspended, the stream is fed to the dispatcher,
// `cont` follows unless -S, and only then do the monitors greet their clients.

import { existsSync } from 'node:fs';
import { CommanderError } from 'commander';
import { createCore } from '../qmp/core.ts';
import { installProcessExit } from '../qmp/process-exit.ts';
import { installHmp } from '../qmp/hmp/index.ts';
import { GuestMachine } from '../hw/machine/guest.ts';
import { schema } from '../qmp/schema/index.ts';
import { parseEmuArgs, buildProgram } from './cli.ts';
import { expandItems, FeedError, jsonArguments, runFeed } from './feed.ts';
import { openMonitors } from './monitors.ts';
import type { QmpListener } from '../qmp/server/transports.ts';
import type { DurableWriteFault } from '../shared/durable-write.ts';
import { StateFileWriter, StateLock } from './state-file.ts';
import type { FeedCommand } from './feed.ts';

function fail(message: string): never {
  process.stderr.write(`emu: ${message}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const registry = schema();
  let opts;
  try {
    opts = parseEmuArgs(registry, argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    throw e;
  }
  if (opts.empty) {
    process.stdout.write(buildProgram(registry, []).helpInformation());
    return;
  }
  let commands: FeedCommand[];
  try {
    // The config layer (and its YAML parser, a quarter of start-up) loads only when a file is used.
    const config = opts.items.some((i) => i.kind === 'config') ? await import('./config/index.ts') : undefined;
    commands = expandItems(opts.items, config ? (path, vars) => config.expandConfigFile(path, vars) : undefined);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const core = createCore();
  const { vm, dispatcher } = core;
  installHmp(core);
  if (opts.printCommands) {
    try {
      const printed = commands.map((c) => ({ execute: c.execute, arguments: jsonArguments(dispatcher, c) }));
      process.stdout.write(`${JSON.stringify(printed, null, 2)}\n`);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    }
    return;
  }
  let lock: StateLock | undefined;
  let generation = 0;
  let created = true;
  if (opts.stateFile !== undefined) {
    try {
      // --check reads the state file without taking it over.
      if (!opts.check) lock = StateLock.acquire(opts.stateFile);
      // The state file is a config file as emu writes it: loaded, validated, positions in errors.
      const config = existsSync(opts.stateFile) ? await import('./config/index.ts') : undefined;
      const existing = config?.loadConfig(opts.stateFile);
      if (existing) generation = existing.generation ?? 0;
      if (existing && !opts.stateReset) {
        const hw = opts.items[0];
        if (hw) {
          throw new Error(`state file '${opts.stateFile}' exists and is the machine; argument ${hw.position} (${hw.text}) cannot change it — use --state-reset to start over`);
        }
        commands = config!.configCommands(existing).map((c): FeedCommand => ({
          execute: c.execute, arguments: c.arguments, mode: 'json',
          origin: c.source ? `${c.source.file}:${c.source.line}:${c.source.column}` : `state file ${opts.stateFile}`,
        }));
        created = false;
      }
    } catch (e) {
      lock?.release();
      fail(e instanceof Error ? e.message : String(e));
    }
  }
  if (opts.check) {
    try {
      await runFeed(dispatcher, commands);
    } catch (e) {
      fail(e instanceof FeedError ? e.message : String(e));
    } finally {
      vm.blocks.closeAll();
    }
    process.stdout.write('emu: the configuration is valid\n');
    return;
  }
  // From here on chardevs reach the host (sockets, files, stdio) and the guest runs.
  vm.chardevHost = {};
  vm.guestFactory = (m) => new GuestMachine(m);
  let monitors: QmpListener[] = [];
  try {
    monitors = await openMonitors(dispatcher, opts.monitors);
  } catch (e) {
    lock?.release();
    fail(e instanceof Error ? e.message : String(e));
  }
  installProcessExit(core, { monitors, release: () => lock?.release() });
  try {
    await runFeed(dispatcher, commands);
    if (opts.stateFile !== undefined) {
      // From here on every change is written before it is acknowledged.
      const writer = new StateFileWriter(opts.stateFile, vm, (ev, data) => dispatcher.emit(ev, data), generation, { fault: stateFault() });
      dispatcher.onCommit((decl, _args, source) => writer.change({ source, command: decl.command }));
      vm.persist = (c) => writer.change(c);
      if (created) await writer.change({ source: 'cli', what: 'created' });
    }
    if (!opts.paused && vm.phase !== 'no-machine') await dispatcher.submit('cont', {}, { source: 'cli' });
  } catch (e) {
    await Promise.all(monitors.map((m) => m.close()));
    vm.blocks.closeAll();
    lock?.release();
    fail(e instanceof FeedError ? e.message : e instanceof Error ? e.message : String(e));
  }
  vm.startupComplete();
  for (const m of monitors) m.resume();
}

/** EMU_STATE_FAULT=STEP:N fails the Nth state-file write at STEP (tests of crash consistency). */
function stateFault(): { step: DurableWriteFault; write: number } | undefined {
  const v = process.env.EMU_STATE_FAULT;
  if (!v) return undefined;
  const [step, n] = v.split(':');
  if (!['before-fsync', 'before-rename', 'before-dir-fsync'].includes(step)) fail(`EMU_STATE_FAULT: unknown step '${step}'`);
  return { step: step as DurableWriteFault, write: Number(n ?? '1') };
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`emu: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
