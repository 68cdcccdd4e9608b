// bin/emu-legacy: QEMU's traditional command line. The arguments are parsed as QEMU 7.2 parses them,
// translated into the shared command stream in QEMU's processing order, and run by the same
// dispatcher as everything else. Errors are printed in QEMU's format and end the process with
// status 1.

import { spawn } from 'node:child_process';
import { closeSync, writeFileSync, writeSync } from 'node:fs';
import { EMU_VERSION, QEMU_COMPAT_VERSION } from '../shared/version.ts';
import { QmpError } from '../shared/errors.ts';
import { createCore } from '../qmp/core.ts';
import { installProcessExit } from '../qmp/process-exit.ts';
import { documentCommands } from '../hw/machine/document.ts';
import { GuestMachine } from '../hw/machine/guest.ts';
import { objectHelp } from '../hw/objects/index.ts';
import { attachQmpMonitor } from '../qmp/chardev-monitor.ts';
import { installHmp } from '../qmp/hmp/index.ts';
import { startReadlineMonitor } from '../qmp/hmp/readline-monitor.ts';
import { monitorOverChardev } from '../qmp/hmp/chardev-adapter.ts';
import { LegacyError, formatError, formatWarning, locPrefix, NO_LOC } from './errors.ts';
import { parseCommandLine, type ParsedCommandLine } from './parse.ts';
import { translate, type LegacyCommand, type Notice } from './translate.ts';
import { helpText } from './help.ts';

const ARGV0 = 'emu-legacy';

/** Set in the background process of -daemonize: where to report readiness or the error. */
const DAEMON_FD = process.env.EMU_LEGACY_DAEMON_FD !== undefined ? Number(process.env.EMU_LEGACY_DAEMON_FD) : undefined;

function die(e: unknown): never {
  const text = e instanceof LegacyError ? formatError(ARGV0, e) : `${ARGV0}: ${e instanceof Error ? e.message : String(e)}\n`;
  if (DAEMON_FD !== undefined) writeSync(DAEMON_FD, text);
  else process.stderr.write(text);
  process.exit(e instanceof LegacyError ? e.status : 1);
}

/**
 * -daemonize: QEMU forks and the parent exits once the child is ready (monitors listening), so a
 * management tool finds the QMP socket when the command returns. Node cannot fork: the same command
 * line runs again in a detached process that reports "ready" or its error on a pipe.
 */
async function daemonize(argv: string[]): Promise<never> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...argv.filter((a) => a !== '-daemonize' && a !== '--daemonize')], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    env: { ...process.env, EMU_LEGACY_DAEMON_FD: '3' },
  });
  let report = '';
  const pipe = child.stdio[3] as NodeJS.ReadableStream;
  pipe.on('data', (d: Buffer) => { report += d.toString(); });
  const code = await new Promise<number>((resolve) => {
    pipe.on('end', () => resolve(report.startsWith('ready') ? 0 : 1));
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) process.stderr.write(report);
  else child.unref();
  process.exit(code);
}

function notify(n: Notice): void {
  if ('warning' in n) process.stderr.write(formatWarning(ARGV0, n.warning));
  else if ('report' in n) process.stderr.write(`${ARGV0}: ${n.report}\n`);
  else process.stderr.write(n.text);
}

function earlyExit(parsed: ParsedCommandLine, vmTypes: ReturnType<typeof createCore>['vm']['types']): boolean {
  const x = parsed.earlyExit;
  const deviceHelp = parsed.devices.find((d) => d.opts.driver === 'help' || d.opts.driver === '?' || d.opts.help !== undefined || d.opts['?'] !== undefined);
  if (x?.kind === 'version') {
    process.stdout.write(`emu-legacy version ${EMU_VERSION} (QEMU ${QEMU_COMPAT_VERSION.major}.${QEMU_COMPAT_VERSION.minor} command line)\n`);
    return true;
  }
  if (x?.kind === 'help') {
    process.stdout.write(helpText());
    return true;
  }
  if (x?.kind === 'machine-help') {
    process.stdout.write('Supported machines are:\nnone                 empty machine\nvirt                 RISC-V VirtIO board (default)\n');
    return true;
  }
  if (x?.kind === 'opts-help') {
    process.stdout.write(x.text);
    process.exitCode = x.status;
    return true;
  }
  if (x?.kind === 'object-help') {
    const text = objectHelp(vmTypes, x.type);
    if (text === undefined) die(new LegacyError(`Parameter 'qom-type' does not accept value '${x.type}'`, x.loc));
    process.stdout.write(text);
    return true;
  }
  if (x) die(new LegacyError(`help for ${x.kind} is not available in emu`));
  if (parsed.cpu && (parsed.cpu.model === 'help' || parsed.cpu.model === '?')) {
    process.stdout.write('Available CPUs:\n  rv64\n  max\n');
    return true;
  }
  if (deviceHelp) {
    const driver = deviceHelp.opts.driver;
    if (driver === 'help' || driver === '?') {
      const devices = vmTypes.all().filter((t) => t.userCreatable && !t.abstract);
      process.stdout.write(`Storage devices:\n${devices.map((t) => `name "${t.name}", bus ${vmTypes.inherited(t.name, 'busType')}, desc "${t.doc}"\n`).join('')}`);
      return true;
    }
    const t = vmTypes.get(driver);
    if (!t || !t.userCreatable) die(new LegacyError(`'${driver}' is not a valid device model name`, deviceHelp.loc));
    process.stdout.write(`${driver} options:\n${vmTypes.properties(driver).map((p) => `  ${`${p.name}=<${p.type}>`.padEnd(24)} - ${p.doc}${p.default !== undefined ? ` (default: ${String(p.default)})` : ''}\n`).join('')}`);
    return true;
  }
  return false;
}

async function main(argv: string[]): Promise<void> {
  let parsed: ParsedCommandLine;
  try {
    parsed = parseCommandLine(argv, { onWarning: (w) => process.stderr.write(formatWarning(ARGV0, w)) });
  } catch (e) {
    die(e);
  }
  if (parsed.daemonize && DAEMON_FD === undefined && !parsed.printConfig && !parsed.printCommands && !parsed.earlyExit) {
    await daemonize(argv);
  }
  const core = createCore();
  const { vm, dispatcher } = core;
  installHmp(core);
  if (earlyExit(parsed, vm.types)) return;
  let t;
  try {
    t = translate(parsed, notify);
  } catch (e) {
    die(e);
  }
  const run = async (cmds: LegacyCommand[]) => {
    for (const c of cmds) {
      try {
        await dispatcher.submit(c.execute, c.arguments, { mode: c.mode, source: 'cli' });
      } catch (e) {
        const msg = e instanceof QmpError ? e.message : e instanceof Error ? e.message : String(e);
        die(new LegacyError(msg, c.loc));
      }
    }
  };
  const markMonitorChardevs = () => {
    for (const id of t.monitorChardevs) {
      const c = vm.chardevs.get(id);
      if (c) c.monitorOnly = true;
    }
  };
  if (parsed.printCommands || parsed.printConfig) {
    // Configuration only: nothing reaches the host, nothing runs.
    await run(t.commands);
    markMonitorChardevs();
    const doc = vm.document();
    const out = parsed.printConfig ? doc : documentCommands(doc);
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    vm.blocks.closeAll();
    return;
  }
  vm.chardevHost = {};
  if (!t.dumpdtb) vm.guestFactory = (m) => new GuestMachine(m);
  const monitors: { close(): void }[] = [];
  const exit = installProcessExit(core, {
    monitors,
    onSignal: (sig) => process.stderr.write(`${ARGV0}: terminating on signal ${sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1}\n`),
  });
  await run(t.commands);
  markMonitorChardevs();
  try {
    if (t.dumpdtb) {
      await dispatcher.submit('finish-machine-init', {}, { source: 'cli' });
      writeFileSync(t.dumpdtb, vm.dtb());
      process.stderr.write(`${locPrefix(ARGV0, NO_LOC)}info: dtb dumped to ${t.dumpdtb}. Exiting.\n`.replace(`${ARGV0}: info`, 'info'));
      await exit(0);
      return;
    }
    for (const m of t.monitors) {
      const chardev = vm.chardevs.get(m.chardev)?.chardev;
      if (!chardev) continue;
      if (m.mode === 'control') monitors.push(attachQmpMonitor(dispatcher, chardev, { pretty: m.pretty }));
      else {
        const mon = startReadlineMonitor(core, monitorOverChardev(chardev), { echo: process.stdin.isTTY === true && (chardev.kind === 'stdio' || chardev.kind === 'mux') });
        monitors.push({ close: () => mon.close() });
      }
    }
    if (parsed.pidfile) writeFileSync(parsed.pidfile, `${process.pid}\n`);
    await dispatcher.submit('finish-machine-init', {}, { source: 'cli' });
    if (!t.paused) await dispatcher.submit('cont', {}, { source: 'cli' });
    vm.startupComplete();
  } catch (e) {
    die(new LegacyError(e instanceof Error ? e.message : String(e)));
  }
  if (DAEMON_FD !== undefined) {
    writeSync(DAEMON_FD, 'ready\n');
    closeSync(DAEMON_FD);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${ARGV0}: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
