// The emu-img command line: create, inspect, check and convert disk images without QEMU installed.
// Mirrors qemu-img's options, messages and exit codes for the subcommands it has; errors are
// `emu-img: <message>` with exit status 1. Output goes through `io` so tests run it in-process.

import { Command, CommanderError, Option } from 'commander';
import { EMU_VERSION, QEMU_COMPAT_VERSION } from '../shared/version.ts';
import { runCreate, ImgError } from './create.ts';
import { chainInfo, renderInfo } from './info.ts';
import { runCheck, EXIT_UNSUPPORTED } from './check.ts';
import { runConvert } from './convert.ts';
import { Progress } from './progress.ts';
import { FileDriver } from '../hw/block/file.ts';
import { probeFile, type ImageFormat } from '../hw/block/open.ts';

const PROG = 'emu-img';

class Exit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

export interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
}

let io: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

function fail(lines: string[] | string, status = 1, style: ImgError['style'] = {}): never {
  const all = typeof lines === 'string' ? [lines] : lines;
  const text = all.map((l, i) => (i === 0 || style.prefixAll ? `${PROG}: ${l}` : l)).join('\n');
  io.stderr(style.noFinalNewline ? text : text + '\n');
  throw new Exit(status);
}

/** qemu-img reports a failed open twice over: once for the image, once for the file under it. */
function opening<T>(filename: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Exit || e instanceof ImgError) throw e;
    fail(`Could not open '${filename}': ${(e as Error).message}`);
  }
}

function formatOf(f: string | undefined): ImageFormat | undefined {
  if (f === undefined) return undefined;
  if (f !== 'raw' && f !== 'qcow2') fail(`Unknown driver '${f}'`);
  return f;
}

function outputOf(o: string | undefined): 'human' | 'json' {
  if (o === undefined || o === 'human') return 'human';
  if (o === 'json') return 'json';
  return fail(`--output must be used with human or json as argument.`);
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function buildProgram(): Command {
  const program = new Command(PROG)
    .description('emu disk image utility (raw and qcow2), compatible with qemu-img for the commands it has')
    .version(`${PROG} version ${EMU_VERSION} (compatible with qemu-img ${QEMU_COMPAT_VERSION.major}.${QEMU_COMPAT_VERSION.minor}.${QEMU_COMPAT_VERSION.micro})`, '-V, --version')
    .helpOption('-h, --help')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (str, write) => write(`${PROG}: ${str.replace(/^error: /, '')}`),
    })
    .showHelpAfterError(`Try '${PROG} --help' for more information`);

  program
    .command('create')
    .description('create a new disk image')
    .usage('[-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] [-o options] filename [size]')
    .option('-f <fmt>', 'image format: raw or qcow2', 'raw')
    .option('-b <backing_file>', 'backing file (qcow2); relative names are relative to the new image')
    .option('-F <backing_fmt>', 'backing file format: raw or qcow2 (required with -b)')
    .option('-u', 'do not open the backing file (needs a size)')
    .option('-o <options>', 'format options, e.g. compat=0.10,cluster_size=64k,refcount_bits=16,lazy_refcounts=on', collect)
    .option('-q', 'quiet')
    .argument('<filename>')
    .argument('[size]', 'size in bytes, or with a k, M, G, T, P or E suffix')
    .action((filename: string, size: string | undefined, o: { f: string; b?: string; F?: string; u?: boolean; o?: string[]; q?: boolean }) => {
      runCreate({ filename, format: o.f, size, backing: o.b, backingFormat: o.F, unsafe: o.u, options: o.o, print: (l) => { if (!o.q) io.stdout(l + '\n'); } });
    });

  program
    .command('info')
    .description('show what an image is: format, sizes, backing file, format details')
    .usage('[-f fmt] [--output=ofmt] [--backing-chain] [-U] filename')
    .option('-f <fmt>', 'image format (probed when omitted)')
    .addOption(new Option('--output <ofmt>', 'human or json').default('human'))
    .option('--backing-chain', 'also describe every backing file below the image')
    .option('-U, --force-share', 'accepted for compatibility; emu-img never locks images')
    .argument('<filename>')
    .action((filename: string, o: { f?: string; output?: string; backingChain?: boolean }) => {
      const output = outputOf(o.output);
      const infos = opening(filename, () => chainInfo(filename, formatOf(o.f), !!o.backingChain));
      io.stdout(renderInfo(infos, output, !!o.backingChain));
    });

  program
    .command('check')
    .description('check a qcow2 image for consistency (exit 0 clean, 2 corrupt, 3 leaks only)')
    .usage('[-q] [-f fmt] [--output=ofmt] [-p] filename')
    .option('-f <fmt>', 'image format (probed when omitted)')
    .addOption(new Option('--output <ofmt>', 'human or json').default('human'))
    .option('-p', 'show progress')
    .option('-q', 'quiet')
    .option('-r <mode>', 'repair (not supported by emu-img; use qemu-img check -r)')
    .option('-U, --force-share', 'accepted for compatibility')
    .argument('<filename>')
    .action((filename: string, o: { f?: string; output?: string; p?: boolean; q?: boolean; r?: string }) => {
      const output = outputOf(o.output);
      if (o.r !== undefined) fail('emu-img check cannot repair images; use qemu-img check -r');
      let fmt = formatOf(o.f);
      if (fmt === undefined) {
        fmt = opening(filename, () => {
          const file = new FileDriver({ filename, readOnly: true });
          try {
            return probeFile(file);
          } finally {
            file.close();
          }
        });
      }
      if (fmt !== 'qcow2') fail('This image format does not support checks', EXIT_UNSUPPORTED);
      const progress = new Progress(!!o.p && output === 'human' && !o.q, io.stdout);
      const r = opening(filename, () => runCheck(filename, output, !!o.q, (d, t) => progress.update(d, t)));
      if (o.p && output === 'human' && !o.q) progress.finish();
      io.stderr(r.stderr);
      io.stdout(r.stdout);
      if (r.status) throw new Exit(r.status);
    });

  program
    .command('convert')
    .description('copy an image (through its backing chain) into a new raw or qcow2 image')
    .usage('[-p] [-f fmt] [-O output_fmt] [-o options] filename output_filename')
    .option('-f <fmt>', 'source format (probed when omitted)')
    .option('-O <output_fmt>', 'output format: raw or qcow2', 'raw')
    .option('-o <options>', 'output format options, as for create', collect)
    .option('-p', 'show progress')
    .option('-q', 'quiet')
    .argument('<filename>')
    .argument('<output_filename>')
    .action((source: string, target: string, o: { f?: string; O: string; o?: string[]; p?: boolean; q?: boolean }) => {
      runConvert({ source, target, sourceFormat: formatOf(o.f), targetFormat: o.O, options: o.o, progress: !!o.p && !o.q, write: io.stdout });
    });

  return program;
}

/** Runs emu-img with argv (without the program name) and returns its exit status. */
export function runEmuImg(argv: string[], out?: Io): number {
  const saved = io;
  if (out) io = out;
  try {
    return run(argv);
  } finally {
    io = saved;
  }
}

function run(argv: string[]): number {
  const program = buildProgram();
  try {
    program.parse(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof Exit) return e.status;
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    if (e instanceof ImgError) {
      try { fail(e.lines, 1, e.style); } catch (x) { if (x instanceof Exit) return x.status; }
    }
    const msg = e instanceof Error ? e.message : String(e);
    try { fail(msg); } catch (x) { if (x instanceof Exit) return x.status; }
    return 1;
  }
}
