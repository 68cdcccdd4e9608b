// The compat runner: each case is one machine written four ways — a legacy command line for
// emu-legacy, emu's options, an emu config file, and a QMP script sent to `emu --qmp-socket` from
// no-machine. Every variant is started as a real process, the machine document, the device tree
// and the run status are read from it over QMP, and all four must be identical after the
// normalisations listed in NORMALISATIONS (and nothing else). `emu-legacy --print-config` must
// also print the document the hand-written config builds. Cases that boot emu's embedded firmware
// also compare its serial output (banner, prompt, the answers to what the runner types).
//
// Case files and the format are described in compat-tests/README.md.

import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QmpClient } from '../src/qmp/client.ts';
import { parseFdt } from '../src/hw/fdt/reader.ts';
import { type FdtNode, FdtTree, serializeFdt } from '../src/hw/fdt/writer.ts';
import { runCreate } from '../src/img/create.ts';
import { childEnv, nodeCommand } from '../test/helpers/child-env.ts';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const CASES_DIR = join(ROOT, 'compat-tests/cases');

/** The documented normalisations: the only ways two variants may differ and still be identical. */
export const NORMALISATIONS = [
  'paths: the case folder is written ${dir} and each variant\'s own folder (sockets, logs, pid files) ${run}',
  'legacy: the chardev of the runner\'s own -qmp monitor (the last compat_monitorN, on the runner\'s socket) is removed',
  'paused machines: with -S, emu stops in whatever phase its command line reached (docs/PHASES.md); the runner sends finish-machine-init to a paused machine not yet machine-ready, as a management tool would, before reading the device tree',
  'member order: emu-legacy\'s QMP monitors write an object\'s members in QEMU\'s order, as QEMU does, so the four machines read over QMP are compared with members sorted by name (arrays keep their order); the print-config comparison, emu\'s own JSON on both sides, still requires the canonical order',
  'serial output: the case folder and the variant folder are written ${dir} and ${run}, as in documents',
] as const;

// ---- case format ----

/** A file made in the case folder before the variants start. */
export type FileSpec =
  | { raw: string }
  | { qcow2: string }
  /**
   * A RISC-V program usable as -bios or -kernel: `true` parks the hart (wfi in a loop); 'hello'
   * first writes HELLO_OUTPUT to the UART.
   */
  | { program: true | 'hello' }
  | { bytes: number }
  /** A small device tree of the user's own (for -dtb): a root with a model. */
  | { dtb: string }
  | { text: string | string[] };

/** A QMP step: [command] or [command, arguments]. */
export type QmpStep = [string] | [string, Record<string, unknown>];

export interface ConfigVariant {
  /** emu's argv: config file names (standard ones such as virt-disk, or `${dir}/NAME`) and variables. */
  args: string[];
  /** Written to the case folder as NAME before the run: YAML text (a string or lines) or a JSON value. */
  files?: Record<string, string | string[] | Record<string, unknown>>;
}

export interface CompatCase {
  name: string;
  /** What the case covers, and anything a reader must know about it. */
  about?: string;
  files?: Record<string, FileSpec>;
  legacy: string[];
  cli: string[];
  config: ConfigVariant;
  qmp: QmpStep[];
  /**
   * How the legacy variant is read. 'qmp' (the default) adds `-qmp unix:SOCKET,server=on,wait=off`
   * at the end of its command line. 'print-config' is for cases whose machine depends on QEMU's
   * default monitor, which any -qmp turns off: the document comes from --print-config and the
   * device tree from `-machine dumpdtb=FILE`; `legacyReason` says why.
   */
  legacyRead?: 'qmp' | 'print-config';
  legacyReason?: string;
  /**
   * The guest writes this to its serial port on stdio: each live variant's standard output is read
   * once it contains this text, and all must be equal.
   */
  guestOutput?: string;
  /** When the guest's output differs between the front ends although the machines are identical: why. */
  guestOutputDiffers?: string;
  /**
   * The case boots emu's embedded firmware (no -bios, no -kernel) with its serial port on stdio. In
   * every live variant the runner waits for the banner and the prompt, types each line of `input`
   * (Enter is sent as CR, as a terminal sends it) and waits for the prompt after it; the serial
   * outputs must be equal.
   */
  firmware?: { input?: string[] };
  /** When --print-config does not equal the hand-written config: why. */
  printConfigDiffers?: string;
}

export function loadCases(dir = CASES_DIR): CompatCase[] {
  const out: CompatCase[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const data = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { cases: CompatCase[] };
    out.push(...data.cases);
  }
  const seen = new Set<string>();
  for (const c of out) {
    if (seen.has(c.name)) throw new Error(`duplicate case name '${c.name}'`);
    seen.add(c.name);
    if (c.firmware && (c.guestOutput !== undefined || c.legacyRead === 'print-config')) {
      throw new Error(`case '${c.name}': 'firmware' reads the serial output of every live variant; it cannot be combined with 'guestOutput' or "legacyRead": "print-config"`);
    }
  }
  return out;
}

// ---- what is read from each variant ----

export type VariantName = 'legacy' | 'cli' | 'config' | 'qmp';
export const VARIANTS: readonly VariantName[] = ['legacy', 'cli', 'config', 'qmp'];

export interface MachineState {
  document: unknown;
  dtb: Uint8Array;
  /** query-status's status, when it could be asked. */
  status?: string;
  /** The phase before the runner's finish-machine-init (see NORMALISATIONS). */
  phase?: string;
  /** What the process wrote to standard output (the guest's serial port), when the case asks. */
  output?: string;
}

export interface Comparison {
  /** e.g. 'cli' or 'print-config'. */
  variant: string;
  identical: boolean;
  /** One line: what differs first. */
  summary?: string;
  /** A readable diff of the two documents (or device trees). */
  diff?: string;
}

export interface CaseResult {
  name: string;
  ok: boolean;
  comparisons: Comparison[];
  /** A variant failed to build its machine. */
  error?: string;
  ms: number;
}

export interface RunOptions {
  /** Live processes at once (default 4; COMPAT_JOBS). */
  jobs?: number;
  emu?: string;
  emuLegacy?: string;
  /** Limit for each wait (default 20 s). */
  timeoutMs?: number;
  only?: (c: CompatCase) => boolean;
  onResult?: (r: CaseResult) => void;
}

// ---- processes ----

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/** Every process the runner started and has not seen exit; killed by PID when a run ends. */
const live = new Set<ChildProcess>();

/** Private copies of the binaries (see runCases), removed when the run or the process ends. */
const snapshots = new Set<string>();

// A test that times out ends its process without settling the run: its children must not outlive it.
process.on('exit', () => {
  killAll();
  for (const s of snapshots) rmSync(s, { recursive: true, force: true });
});

export function killAll(): void {
  for (const p of live) if (p.pid !== undefined && p.exitCode === null && p.signalCode === null) process.kill(p.pid, 'SIGKILL');
  live.clear();
}

interface Proc {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

// childEnv() and nodeCommand(): the binaries run without the test harness's preloads (the reason
// and the measurements are in test/helpers/child-env.ts, shared with the tests' own spawns).
export { childEnv, nodeCommand } from '../test/helpers/child-env.ts';

function start(binary: string, args: string[], cwd: string): Proc {
  const [command, argv] = nodeCommand(binary, args);
  const proc = spawn(command, argv, { cwd, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  proc.on('exit', () => live.delete(proc));
  // 'close', not 'exit': only then has everything the process wrote been read ('exit' can come
  // before the last chunk of a --print-config, which then does not parse).
  const exited = new Promise<number | null>((resolve) => {
    proc.on('close', (code) => {
      live.delete(proc);
      resolve(code);
    });
    proc.on('error', () => {
      live.delete(proc);
      resolve(null);
    });
  });
  return { proc, stdout: () => out, stderr: () => err, exited };
}

function stop(p: Proc): void {
  if (p.proc.pid !== undefined && p.proc.exitCode === null && p.proc.signalCode === null) process.kill(p.proc.pid, 'SIGKILL');
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a binary to its end and returns stdout; a non-zero exit is an error carrying stderr. */
async function runToEnd(binary: string, args: string[], cwd: string, timeoutMs: number, what: string): Promise<string> {
  const p = start(binary, args, cwd);
  p.proc.stdin!.end();
  try {
    const code = await withTimeout(p.exited, timeoutMs, what);
    if (code !== 0) throw new Error(`${what} exited with ${code}: ${p.stderr().trim()}`);
    return p.stdout();
  } finally {
    stop(p);
  }
}

/** Connects to a QMP socket the process is about to serve; fails early when the process dies. */
async function connect(p: Proc, socket: string, timeoutMs: number, what: string): Promise<QmpClient> {
  let died = false;
  void p.exited.then(() => { died = true; });
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (died) throw new Error(`${what} exited: ${p.stderr().trim()}`);
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}'s QMP socket`);
    if (existsSync(socket)) {
      try {
        return await QmpClient.connect(socket, { timeoutMs: Math.max(1000, end - Date.now()) });
      } catch (e) {
        // The socket file exists from bind() on, a moment before listen().
        if (!/ECONNREFUSED/.test((e as Error).message)) throw new Error(`${what}: ${(e as Error).message}; stderr: ${p.stderr().trim()}`);
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Reads document, device tree and status over QMP, completing a paused machine first. */
async function readMachine(c: QmpClient): Promise<MachineState> {
  // Sent together: a running guest delays each reply, so one round trip costs less than four.
  const [phaseInfo, statusInfo, document, dtb] = await Promise.allSettled([
    c.execute<{ phase: string }>('query-machine-phase'),
    c.execute<{ status: string }>('query-status'),
    c.execute('x-query-machine-document'),
    c.execute<{ data: string }>('x-query-dtb'),
  ]);
  if (phaseInfo.status === 'rejected') throw phaseInfo.reason;
  if (statusInfo.status === 'rejected') throw statusInfo.reason;
  const phase = phaseInfo.value.phase;
  const status = statusInfo.value.status;
  if (status === 'prelaunch' && phase !== 'machine-ready') {
    await c.execute('finish-machine-init');
    const [doc2, dtb2] = await Promise.all([c.execute('x-query-machine-document'), c.execute<{ data: string }>('x-query-dtb')]);
    return { document: doc2, dtb: new Uint8Array(Buffer.from(dtb2.data, 'base64')), status, phase };
  }
  if (document.status === 'rejected') throw document.reason;
  if (dtb.status === 'rejected') throw dtb.reason;
  return { document: document.value, dtb: new Uint8Array(Buffer.from(dtb.value.data, 'base64')), status, phase };
}

async function quit(c: QmpClient, p: Proc): Promise<void> {
  try {
    await c.execute('quit', undefined, { timeoutMs: 2000 });
  } catch {
    // The process may close the connection before the reply is read; it is killed below anyway.
  }
  c.close();
  await withTimeout(p.exited, 2000, 'exit after quit').catch(() => undefined);
  stop(p);
}

// ---- substitution and files ----

export function substitute<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') {
    return value.replace(/\$\{(dir|run)\}/g, (m, k: string) => vars[k] ?? m) as T;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)])) as T;
  }
  return value;
}

// wfi; j .-4 — a hart that waits for interrupts forever, so a running guest costs no CPU.
const PARK = new Uint8Array([0x73, 0x00, 0x50, 0x10, 0xf5, 0xbf, 0x01, 0x00]);

// Writes HELLO_OUTPUT to the 16550 at 0x10000000 byte by byte, then parks like PARK:
//   auipc a0,0; addi a0,a0,40; lui t0,0x10000
//   1: lbu t1,0(a0); beqz t1,2f; sb t1,0(t0); addi a0,a0,1; j 1b
//   2: wfi; j 2b
//   .asciz "emu compat\n"
export const HELLO_OUTPUT = 'emu compat\n';
const HELLO = new Uint8Array([
  ...[0x00000517, 0x02850513, 0x100002b7, 0x00054303, 0x00030863, 0x00628023, 0x00150513, 0xff1ff06f, 0x10500073, 0xffdff06f]
    .flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24]),
  ...Buffer.from(`${HELLO_OUTPUT}\0`, 'latin1'),
]);

function ownDtb(model: string): Uint8Array {
  const tree = new FdtTree();
  tree.root.props.push({ name: 'model', value: { type: 'string', value: model } });
  tree.root.addChild('chosen');
  return serializeFdt(tree);
}

function makeFiles(dir: string, files: Record<string, FileSpec> | undefined): void {
  for (const [name, spec] of Object.entries(files ?? {})) {
    const path = join(dir, name);
    if ('raw' in spec) runCreate({ filename: path, format: 'raw', size: spec.raw });
    else if ('qcow2' in spec) runCreate({ filename: path, format: 'qcow2', size: spec.qcow2 });
    else if ('program' in spec) writeFileSync(path, spec.program === 'hello' ? HELLO : PARK);
    else if ('dtb' in spec) writeFileSync(path, ownDtb(spec.dtb));
    else if ('bytes' in spec) writeFileSync(path, new Uint8Array(spec.bytes).map((_, i) => (i * 7 + 3) & 0xff));
    else writeFileSync(path, Array.isArray(spec.text) ? `${spec.text.join('\n')}\n` : spec.text);
  }
}

function writeConfigFiles(dir: string, files: ConfigVariant['files']): void {
  for (const [name, content] of Object.entries(files ?? {})) {
    const text = typeof content === 'string' ? content
      : Array.isArray(content) ? `${content.join('\n')}\n`
        : `${JSON.stringify(content, null, 2)}\n`;
    writeFileSync(join(dir, name), text);
  }
}

// ---- normalisation ----

/** Replaces the folders by ${dir} and ${run} in every string of a document. */
export function normalisePaths(doc: unknown, dir: string, run: string): unknown {
  if (typeof doc === 'string') return doc.split(run).join('${run}').split(dir).join('${dir}');
  if (Array.isArray(doc)) return doc.map((v) => normalisePaths(v, dir, run));
  if (doc && typeof doc === 'object') return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, normalisePaths(v, dir, run)]));
  return doc;
}

/** The same value with every object's members sorted by name; arrays keep their order. */
export function sortMembers(doc: unknown): unknown {
  if (Array.isArray(doc)) return doc.map(sortMembers);
  if (doc && typeof doc === 'object') {
    return Object.fromEntries(Object.keys(doc).sort().map((k) => [k, sortMembers((doc as Record<string, unknown>)[k])]));
  }
  return doc;
}

/** Removes the chardev of the runner's own -qmp monitor from a legacy machine's document. */
export function dropRunnerMonitor(doc: unknown, socket: string): unknown {
  const d = doc as { chardevs?: { id: string; backend: { data?: { addr?: { data?: { path?: string } } } } }[] };
  if (!Array.isArray(d.chardevs)) return doc;
  return { ...d, chardevs: d.chardevs.filter((c) => !(c.id.startsWith('compat_monitor') && c.backend.data?.addr?.data?.path === socket)) };
}

// ---- diffs ----

/** The path and values of the first difference between two JSON values, or undefined. */
export function firstDifference(a: unknown, b: unknown, path = ''): { path: string; a: unknown; b: unknown } | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const d = firstDifference(a[i], b[i], `${path}[${i}]`);
        if (d) return d;
      }
    } else {
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])];
      for (const k of keys) {
        const d = firstDifference(ao[k], bo[k], path ? `${path}.${k}` : k);
        if (d) return d;
      }
      // Same members and values in another order.
      return { path: path || '(document)', a: Object.keys(ao), b: Object.keys(bo) };
    }
  }
  return { path: path || '(document)', a, b };
}

const show = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v));

/** A line diff with a few lines of context around each change (longest common subsequence). */
export function lineDiff(aText: string, bText: string, labels: [string, string], context = 3, maxLines = 60): string {
  const a = aText.split('\n');
  const b = bText.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops: { t: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { ops.push({ t: ' ', line: a[i] }); i++; j++; }
    // Removals before additions, as diff(1) shows a changed line.
    else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) { ops.push({ t: '-', line: a[i] }); i++; }
    else { ops.push({ t: '+', line: b[j] }); j++; }
  }
  const keep = new Array<boolean>(ops.length).fill(false);
  ops.forEach((o, k) => {
    if (o.t === ' ') return;
    for (let x = Math.max(0, k - context); x <= Math.min(ops.length - 1, k + context); x++) keep[x] = true;
  });
  const out = [`--- ${labels[0]}`, `+++ ${labels[1]}`];
  let skipped = false;
  ops.forEach((o, k) => {
    if (!keep[k]) {
      if (!skipped) out.push('  ...');
      skipped = true;
      return;
    }
    skipped = false;
    out.push(`${o.t} ${o.line}`);
  });
  return (out.length > maxLines ? [...out.slice(0, maxLines), `  ... (${out.length - maxLines} more lines)`] : out).join('\n');
}

/** The device tree as one line per property, for diffs: `/soc/serial@10000000: compatible = "ns16550a"`. */
export function dtbText(blob: Uint8Array): string {
  const lines: string[] = [];
  const tree = parseFdt(blob).tree;
  for (const r of tree.reservations) lines.push(`/memreserve/ ${r.address.toString(16)} ${r.size.toString(16)}`);
  const walk = (node: FdtNode) => {
    lines.push(`${node.path} {`);
    for (const p of node.props) {
      const v = p.value;
      const bytes = v.type === 'bytes' ? v.bytes : new Uint8Array();
      lines.push(`${node.path}: ${p.name} = ${bytesText(bytes)}`);
    }
    for (const c of node.children) walk(c);
  };
  walk(tree.root);
  return lines.join('\n');
}

function bytesText(b: Uint8Array): string {
  if (b.length === 0) return '(empty)';
  // Printable NUL-terminated strings read as strings; everything else as cells or bytes.
  if (b[b.length - 1] === 0 && b[0] !== 0 && b.every((x) => x === 0 || (x >= 0x20 && x < 0x7f))) {
    return Buffer.from(b.subarray(0, -1)).toString('latin1').split('\0').map((s) => JSON.stringify(s)).join(', ');
  }
  if (b.length % 4 === 0) {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const cells: string[] = [];
    for (let i = 0; i < b.length; i += 4) cells.push(`0x${dv.getUint32(i).toString(16)}`);
    return `<${cells.join(' ')}>`;
  }
  return `[${Buffer.from(b).toString('hex')}]`;
}

export function compareStates(variant: string, ref: MachineState, other: MachineState, labels: [string, string]): Comparison {
  const d = firstDifference(ref.document, other.document);
  if (d) {
    return {
      variant, identical: false,
      summary: `document ${d.path}: ${labels[0]} ${show(d.a)}, ${labels[1]} ${show(d.b)}`,
      diff: lineDiff(JSON.stringify(ref.document, null, 2), JSON.stringify(other.document, null, 2), labels),
    };
  }
  if (ref.status !== undefined && other.status !== undefined && ref.status !== other.status) {
    return { variant, identical: false, summary: `status: ${labels[0]} ${ref.status}, ${labels[1]} ${other.status}` };
  }
  if (Buffer.compare(Buffer.from(ref.dtb), Buffer.from(other.dtb)) !== 0) {
    const ta = dtbText(ref.dtb);
    const tb = dtbText(other.dtb);
    const first = ta.split('\n').find((l, k) => l !== tb.split('\n')[k]);
    return { variant, identical: false, summary: `device tree differs at ${first ?? '(header)'}`, diff: lineDiff(ta, tb, labels) };
  }
  // Last, so that a documented difference of output (guestOutputDiffers) cannot hide another one.
  if (ref.output !== undefined && other.output !== undefined && ref.output !== other.output) {
    const a = ref.output.split('\n');
    const b = other.output.split('\n');
    let k = 0;
    while (k < a.length && a[k] === b[k]) k++;
    return {
      variant, identical: false,
      summary: `guest serial output line ${k + 1}: ${labels[0]} ${show(a[k])}, ${labels[1]} ${show(b[k])}`,
      // Carriage returns are the guest's; left in, a diff line would end invisibly in one.
      diff: lineDiff(ref.output.replace(/\r\n/g, '\n'), other.output.replace(/\r\n/g, '\n'), labels),
    };
  }
  return { variant, identical: true };
}

// ---- running a case ----

interface Ctx {
  emu: string;
  emuLegacy: string;
  timeoutMs: number;
  sem: Semaphore;
}

/** What the runner reads from a live variant's standard output (its serial port), if anything. */
type SerialRead = { text: string } | { firmware: string[] } | undefined;

function serialRead(c: CompatCase): SerialRead {
  if (c.firmware) return { firmware: c.firmware.input ?? [] };
  return c.guestOutput !== undefined ? { text: c.guestOutput } : undefined;
}

/** The embedded firmware's prompt, and the first line of its banner (the sign that it ran). */
export const FIRMWARE_PROMPT = 'emu> ';
export const FIRMWARE_BANNER = /^emu firmware \d+\.\d+\.\d+\r?$/m;

/** Polls until ready() holds; fails when the process ends first or the time is up. */
async function waitOutput(p: Proc, ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  let ended = false;
  void p.exited.then(() => { ended = true; });
  const end = Date.now() + timeoutMs;
  while (!ready()) {
    if (ended) throw new Error(`${what} (the process ended; standard output ${JSON.stringify(p.stdout())}, stderr ${JSON.stringify(p.stderr().trim())})`);
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${what} (standard output so far ${JSON.stringify(p.stdout())})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The firmware session: its banner and prompt, then each input line and the prompt that follows.
 * Lines are typed only at a prompt, so what the guest echoes and answers is in the same order in
 * every variant.
 */
async function driveFirmware(p: Proc, input: string[], timeoutMs: number, what: string): Promise<string> {
  const prompts = () => p.stdout().split(FIRMWARE_PROMPT).length - 1;
  await waitOutput(p, () => prompts() >= 1, timeoutMs, `${what}: waiting for the firmware's prompt ${JSON.stringify(FIRMWARE_PROMPT)}`);
  if (!FIRMWARE_BANNER.test(p.stdout())) throw new Error(`${what}: no firmware banner before the prompt (standard output ${JSON.stringify(p.stdout())})`);
  for (const [k, line] of input.entries()) {
    p.proc.stdin!.write(`${line}\r`);
    await waitOutput(p, () => prompts() >= k + 2 && p.stdout().endsWith(FIRMWARE_PROMPT), timeoutMs,
      `${what}: waiting for the firmware's prompt after ${JSON.stringify(line)}`);
  }
  return p.stdout();
}

async function runLive(ctx: Ctx, what: string, binary: string, args: string[], cwd: string, socket: string,
  script?: QmpStep[], serial?: SerialRead): Promise<MachineState> {
  return ctx.sem.use(async () => {
    const p = start(binary, args, cwd);
    try {
      const c = await connect(p, socket, ctx.timeoutMs, what);
      try {
        for (const [cmd, a] of script ?? []) {
          try {
            await c.execute(cmd, a, { timeoutMs: ctx.timeoutMs });
          } catch (e) {
            throw new Error(`${what}: ${cmd}: ${(e as Error).message}`);
          }
        }
        const state = await readMachine(c);
        if (serial && 'firmware' in serial) state.output = await driveFirmware(p, serial.firmware, ctx.timeoutMs, what);
        else if (serial) {
          const text = serial.text;
          await waitOutput(p, () => p.stdout().includes(text), ctx.timeoutMs, `${what}: the guest did not write ${JSON.stringify(text)}`);
          state.output = p.stdout();
        }
        return state;
      } finally {
        await quit(c, p);
      }
    } finally {
      stop(p);
    }
  });
}

export async function runCase(c: CompatCase, ctx: Ctx): Promise<CaseResult> {
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), `compat-${c.name.replace(/[^\w.-]/g, '_')}-`));
  const runs: Record<VariantName | 'print', string> = { legacy: '', cli: '', config: '', qmp: '', print: '' };
  for (const v of [...VARIANTS, 'print'] as const) {
    runs[v] = join(dir, `run-${v}`);
    mkdirSync(runs[v]);
  }
  const at = (v: VariantName | 'print') => ({ dir, run: runs[v] });
  const comparisons: Comparison[] = [];
  try {
    // Files are shared by the variants: only ${dir} is theirs to name.
    makeFiles(dir, substitute(c.files, { dir }));
    // Config files may name ${run}: the config variant's folder.
    writeConfigFiles(dir, substitute(c.config.files, at('config')));
    const sock = (v: VariantName) => join(runs[v], 'qmp.sock');
    const legacyArgs = substitute(c.legacy, at('legacy'));
    const legacyRead = c.legacyRead ?? 'qmp';
    const printConfig = (run: VariantName | 'print') => ctx.sem.use(() => runToEnd(ctx.emuLegacy, [...substitute(c.legacy, at(run)), '--print-config'], dir, ctx.timeoutMs, 'emu-legacy --print-config'))
      .then((s) => normalisePaths(JSON.parse(s) as unknown, dir, runs[run]));
    // A legacy machine read with --print-config is the print-config variant's own output: one process, not two.
    const printed = legacyRead === 'print-config' ? printConfig('legacy') : printConfig('print');
    const legacy: Promise<MachineState> = legacyRead === 'qmp'
      ? runLive(ctx, 'emu-legacy', ctx.emuLegacy, [...legacyArgs, '-qmp', `unix:${sock('legacy')},server=on,wait=off`], dir, sock('legacy'), undefined, serialRead(c))
        .then((s) => ({ ...s, document: dropRunnerMonitor(s.document, sock('legacy')) }))
      : (async () => {
        const out = join(runs.legacy, 'dump.dtb');
        await ctx.sem.use(() => runToEnd(ctx.emuLegacy, [...legacyArgs, '-machine', `dumpdtb=${out}`], dir, ctx.timeoutMs, 'emu-legacy -machine dumpdtb'));
        return { document: await printed, dtb: new Uint8Array(readFileSync(out)) };
      })();
    const cli = runLive(ctx, 'emu (options)', ctx.emu, ['--qmp-socket', sock('cli'), ...substitute(c.cli, at('cli'))], dir, sock('cli'), undefined, serialRead(c));
    const config = runLive(ctx, 'emu (config)', ctx.emu, ['--qmp-socket', sock('config'), ...substitute(c.config.args, at('config'))], dir, sock('config'), undefined, serialRead(c));
    const qmp = runLive(ctx, 'emu (QMP)', ctx.emu, ['--qmp-socket', sock('qmp')], dir, sock('qmp'), substitute(c.qmp, at('qmp')), serialRead(c));
    const settled = await Promise.allSettled([legacy, cli, config, qmp, printed]);
    const errors = settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
    if (errors.length) return { name: c.name, ok: false, comparisons, error: errors.join('\n'), ms: Date.now() - t0 };
    const read = (settled.slice(0, 4) as PromiseFulfilledResult<MachineState>[]).map((s, k) => {
      const v = VARIANTS[k];
      const out = s.value.output;
      return { ...s.value, document: normalisePaths(s.value.document, dir, runs[v]), ...(out !== undefined ? { output: normalisePaths(out, dir, runs[v]) as string } : {}) };
    });
    const [L, C, F, Q] = read.map((s) => ({ ...s, document: sortMembers(s.document) }));
    const explained = (cmp: Comparison): Comparison =>
      (!cmp.identical && c.guestOutputDiffers && cmp.summary?.startsWith('guest serial output')
        ? { variant: cmp.variant, identical: true, summary: `differs as explained: ${c.guestOutputDiffers} (${cmp.summary})` } : cmp);
    comparisons.push(explained(compareStates('cli', L, C, ['emu-legacy', 'emu (options)'])));
    comparisons.push(explained(compareStates('config', L, F, ['emu-legacy', 'emu (config)'])));
    comparisons.push(explained(compareStates('qmp', L, Q, ['emu-legacy', 'emu (QMP)'])));
    const P = (settled[4] as PromiseFulfilledResult<unknown>).value;
    const pc = compareStates('print-config', { document: read[2].document, dtb: new Uint8Array() }, { document: P, dtb: new Uint8Array() }, ['emu (config)', 'emu-legacy --print-config']);
    if (!pc.identical && c.printConfigDiffers) comparisons.push({ variant: 'print-config', identical: true, summary: `differs as explained: ${c.printConfigDiffers}` });
    else comparisons.push(pc);
    return { name: c.name, ok: comparisons.every((x) => x.identical), comparisons, ms: Date.now() - t0 };
  } catch (e) {
    return { name: c.name, ok: false, comparisons, error: (e as Error).message, ms: Date.now() - t0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs cases with limited concurrency; results in case order. */
export async function runCases(cases: CompatCase[], opts: RunOptions = {}): Promise<CaseResult[]> {
  const jobs = opts.jobs ?? (Number(process.env.COMPAT_JOBS) || 4);
  // A private copy of the built binaries, so that a rebuild of dist/ during a long run (another
  // checkout's `npm test` in the same tree) cannot hand some variants a half-written bundle. It sits
  // in dist/ so that the bundles' package imports resolve as the originals' do.
  const snapshot = join(ROOT, 'dist', `compat-${process.pid}-${Date.now()}`);
  mkdirSync(snapshot, { recursive: true });
  snapshots.add(snapshot);
  const copy = (name: string) => {
    const to = join(snapshot, name);
    copyFileSync(join(ROOT, 'dist', name), to);
    return to;
  };
  const ctx: Ctx = {
    emu: opts.emu ?? copy('emu.js'),
    emuLegacy: opts.emuLegacy ?? copy('emu-legacy.js'),
    timeoutMs: opts.timeoutMs ?? 20_000,
    sem: new Semaphore(jobs),
  };
  const selected = cases.filter(opts.only ?? (() => true));
  const results: CaseResult[] = new Array<CaseResult>(selected.length);
  // A few cases in flight keep the process slots busy without starting everything at once.
  let next = 0;
  const worker = async () => {
    while (next < selected.length) {
      const k = next++;
      results[k] = await runCase(selected[k], ctx);
      opts.onResult?.(results[k]);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.ceil(jobs / 2)) }, worker));
  } finally {
    killAll();
    rmSync(snapshot, { recursive: true, force: true });
    snapshots.delete(snapshot);
  }
  return results;
}

// ---- the table ----

export function formatTable(results: CaseResult[]): string {
  const rows: string[][] = [['case', 'emu options', 'emu config', 'emu QMP', 'print-config']];
  const cell = (r: CaseResult, v: string) => {
    if (r.error) return 'error';
    const c = r.comparisons.find((x) => x.variant === v);
    return !c ? '-' : c.identical ? (c.summary ? 'identical*' : 'identical') : 'DIFFERS';
  };
  for (const r of results) rows.push([r.name, cell(r, 'cli'), cell(r, 'config'), cell(r, 'qmp'), cell(r, 'print-config')]);
  const widths = rows[0].map((_, k) => Math.max(...rows.map((row) => row[k].length)));
  const line = (row: string[]) => row.map((x, k) => x.padEnd(widths[k])).join('  ').trimEnd();
  const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  for (const r of results) {
    if (r.error) out.push('', `${r.name}: error`, indent(r.error));
    for (const c of r.comparisons) {
      if (c.identical && !c.summary) continue;
      if (c.identical) {
        out.push('', `${r.name} (${c.variant}): ${c.summary}`);
        continue;
      }
      out.push('', `${r.name} (${c.variant}): first difference: ${c.summary}`);
      if (c.diff) out.push(indent(c.diff));
    }
  }
  return `${out.join('\n')}\n`;
}

const indent = (s: string) => s.split('\n').map((l) => `    ${l}`).join('\n');

/** `emu-legacy --print-config` of a case's legacy command line, paths normalised as in a run. */
export async function runPrintConfig(c: CompatCase, opts: { emuLegacy?: string; timeoutMs?: number } = {}): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), `compat-${c.name.replace(/[^\w.-]/g, '_')}-`));
  const run = join(dir, 'run-print');
  mkdirSync(run);
  try {
    makeFiles(dir, substitute(c.files, { dir }));
    const out = await runToEnd(opts.emuLegacy ?? join(ROOT, 'dist/emu-legacy.js'), [...substitute(c.legacy, { dir, run }), '--print-config'], dir,
      opts.timeoutMs ?? 20_000, 'emu-legacy --print-config');
    return normalisePaths(JSON.parse(out) as unknown, dir, run);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
