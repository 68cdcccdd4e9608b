// Loading a config file: read and parse it, bind its variables, follow its includes, expand its
// templates, merge everything into one machine document and validate that document against the
// schema — all before a single command runs. The result is the document plus, for every value in
// it, the file position it came from.

import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOCUMENT_FORMAT, type DocumentCommand, type MachineDocument, documentCommands } from '../../hw/machine/document.ts';
import { QmpError } from '../../shared/errors.ts';
import type { SchemaRegistry } from '../../qmp/schema/registry.ts';
import { schema } from '../../qmp/schema/index.ts';
import { Expander, type Item, type Origin, Origins, isPlainObject } from './expand.ts';
import { ConfigError, type Pos, type SNode, parseSource } from './source.ts';
import { DocumentValidator } from './validate.ts';
import { type VariableDecl, type VariableInput, checkValue, convertInput, parseDeclarations } from './variables.ts';

export interface SourcePosition extends Pos {
  /** Template frames (includes, loop iterations, variables), outermost first. */
  context: readonly string[];
}

export interface ConfigSources {
  /** Every file read, as absolute paths, in the order they were first read (the top file first). */
  files: string[];
  /** The top file's variables after defaults and the user's values were applied. */
  variables: Record<string, unknown>;
  /** Where the value (or key) at a path of the document was written; a missing member gives its object. */
  at(path: readonly (string | number)[], part?: 'value' | 'key'): SourcePosition | undefined;
}

export interface LoadedConfig {
  document: MachineDocument;
  sources: ConfigSources;
  /** A state file's generation number (docs/CONFIG.md), when the file has one. */
  generation?: number;
}

export interface LoadOptions {
  /** Validate the expanded document against the schema (default true). */
  validate?: boolean;
  registry?: SchemaRegistry;
  /** Reads a file as text (default: the file system). */
  readFile?: (path: string) => string;
}

const SECTIONS = ['format', 'generation', 'include', 'variables', 'machine', 'accel', 'actions', 'objects', 'chardevs', 'blockdevs', 'devices'];
const LISTS = ['objects', 'chardevs', 'blockdevs', 'devices'] as const;

/** One file's contribution before merging. */
interface Part {
  machine?: Item;
  accel?: Item;
  actions?: Item;
  objects: Item[];
  chardevs: Item[];
  blockdevs: Item[];
  devices: Item[];
  generation?: number;
}

/** Gives a file's variables their values, from its declarations. */
type Binder = (decls: Map<string, VariableDecl>) => Map<string, unknown>;

interface IncludeLink {
  file: string;
  display: string;
  pos: Pos | undefined;
}

class Loader {
  readonly origins = new Origins();
  readonly expander = new Expander(this.origins);
  readonly files: string[] = [];
  topVariables: Record<string, unknown> = {};

  constructor(private readonly readFile: (path: string) => string) {}

  load(abs: string, display: string, chain: IncludeLink[], bind: Binder, context: readonly string[]): Part {
    try {
      return this.loadFile(abs, display, chain, bind, context);
    } catch (e) {
      // Errors found before expansion (syntax, declarations) have no frames yet; inside an
      // included file they still need to say how the file was reached.
      if (e instanceof ConfigError && context.length && !e.context.length && e.file === display) {
        throw new ConfigError(e.reason, { file: e.file, line: e.line!, column: e.column! }, context);
      }
      throw e;
    }
  }

  private loadFile(abs: string, display: string, chain: IncludeLink[], bind: Binder, context: readonly string[]): Part {
    const key = canonical(abs);
    const seen = chain.findIndex((l) => canonical(l.file) === key);
    if (seen >= 0) {
      const loop = [...chain.slice(seen).map((l) => l.display), display].join(' -> ');
      throw new ConfigError(`include cycle: ${loop}`, chainPos(chain), context.slice(0, -1));
    }
    let text: string;
    try {
      text = this.readFile(abs);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code === 'ENOENT' ? 'No such file or directory' : err.message;
      throw new ConfigError(`could not read ${display}: ${why}`, chainPos(chain), chain.length ? context.slice(0, -1) : context);
    }
    if (!this.files.includes(abs)) this.files.push(abs);
    const root = parseSource(text, display);
    if (root.kind !== 'map') throw new ConfigError('a config file is a mapping of sections (machine, blockdevs, devices, ...)', root.pos);
    const byKey = new Map(root.entries.map((e) => [e.key, e]));
    for (const e of root.entries) {
      // x-* sections are the user's own (a place for YAML anchors), as in Compose files.
      if (!SECTIONS.includes(e.key) && !e.key.startsWith('x-')) {
        throw new ConfigError(`unknown section '${e.key}' (a config file has ${SECTIONS.join(', ')}, and x-NAME sections of your own)`, e.keyPos, context);
      }
    }
    const fmt = byKey.get('format');
    if (fmt && (fmt.value.kind !== 'scalar' || fmt.value.value !== DOCUMENT_FORMAT)) {
      throw new ConfigError(`unsupported format ${JSON.stringify(fmt.value.kind === 'scalar' ? fmt.value.value : '(not a string)')}; emu reads '${DOCUMENT_FORMAT}'`, fmt.value.pos, context);
    }
    const decls = parseDeclarations(byKey.get('variables')?.value);
    const scope = bind(decls);
    const frame = Expander.frame(scope, context);
    const part: Part = { objects: [], chardevs: [], blockdevs: [], devices: [] };
    const gen = byKey.get('generation');
    if (gen) {
      if (gen.value.kind !== 'scalar' || typeof gen.value.value !== 'number' || !Number.isSafeInteger(gen.value.value) || gen.value.value < 0) {
        throw new ConfigError("'generation' is a non-negative integer", gen.value.pos, context);
      }
      part.generation = gen.value.value;
    }

    // Included files come first, in order, so the including file can add to and override them.
    const parts: Part[] = [];
    const inc = byKey.get('include');
    if (inc) {
      for (const item of this.list(inc.value, frame, 'include')) {
        parts.push(this.include(item, abs, display, [...chain, { file: abs, display, pos: item.origin.pos }]));
      }
    }
    for (const name of ['machine', 'actions'] as const) {
      const e = byKey.get(name);
      if (!e) continue;
      const r = this.expander.expand(e.value, frame);
      if (r && !isPlainObject(r.v)) throw new ConfigError(`'${name}' must be a mapping`, e.value.pos, r.origin.context);
      if (r) part[name] = r;
    }
    const accel = byKey.get('accel');
    if (accel) {
      const r = this.expander.expand(accel.value, frame);
      if (r) part.accel = r;
    }
    for (const name of LISTS) {
      const e = byKey.get(name);
      if (e) part[name] = this.list(e.value, frame, name);
    }
    parts.push(part);
    return merge(parts, this.origins);
  }

  private list(node: SNode, frame: ReturnType<typeof Expander.frame>, what: string): Item[] {
    const r = this.expander.expand(node, frame);
    if (!r) return [];
    if (!Array.isArray(r.v)) throw new ConfigError(`'${what}' must be a list`, node.pos, r.origin.context);
    const arr = r.v;
    return arr.map((v, i) => ({ v, origin: this.origins.at(arr, [i]) ?? r.origin }));
  }

  private include(item: Item, fromAbs: string, fromDisplay: string, chain: IncludeLink[]): Part {
    let file: unknown;
    let withValues: Record<string, unknown> = {};
    if (typeof item.v === 'string') file = item.v;
    else if (isPlainObject(item.v)) {
      for (const k of Object.keys(item.v)) {
        if (k !== 'file' && k !== 'with') {
          const o = this.origins.at(item.v, [k], 'key') ?? item.origin;
          throw new ConfigError(`'${k}' is unexpected in an include (it takes file, with)`, o.pos, o.context);
        }
      }
      file = item.v.file;
      if (item.v.with !== undefined) {
        if (!isPlainObject(item.v.with)) throw new ConfigError("an include's 'with' is a mapping of variables", item.origin.pos, item.origin.context);
        withValues = item.v.with;
      }
    }
    if (typeof file !== 'string' || file === '') {
      throw new ConfigError("an include is a file name or {file: NAME, with: {VARIABLE: VALUE}}", item.origin.pos, item.origin.context);
    }
    // Relative to the including file, wherever the user ran emu from.
    let abs = resolve(dirname(fromAbs), file);
    let display = isAbsolute(file) ? file : normalize(join(dirname(fromDisplay), file));
    if (isConfigName(file) && !existsSync(abs)) {
      // A bare name that is no file beside the includer is a standard config (virt-empty).
      const standard = searchConfigDirs(file, configDirs());
      if (standard) abs = display = standard;
    }
    const holder = item.v;
    const context = [...item.origin.context, `in ${display} included from ${fmtPos(item.origin.pos)}`];
    return this.load(abs, display, chain, (decls) => {
      const scope = new Map<string, unknown>();
      for (const [name, v] of Object.entries(withValues)) {
        const decl = decls.get(name);
        const o = (isPlainObject(holder) && isPlainObject(holder.with) ? this.origins.at(holder, ['with', name], 'key') : undefined) ?? item.origin;
        if (!decl) {
          throw new ConfigError(`unknown variable '${name}': ${display} declares ${listNames(decls)}`, o.pos, o.context);
        }
        scope.set(name, v === null ? null : checkValue(decl, v, (this.origins.at(holder as object, ['with', name]) ?? o).pos));
      }
      for (const d of decls.values()) {
        if (scope.has(d.name)) continue;
        if (d.required) {
          throw new ConfigError(`variable '${d.name}' of ${display} is required${d.doc ? ` (${d.doc})` : ''}; pass it with {file: ${file}, with: {${d.name}: ...}}`, item.origin.pos, item.origin.context);
        }
        scope.set(d.name, structuredClone(d.default));
      }
      return scope;
    }, context);
  }
}

function fmtPos(p: Pos): string {
  return `${p.file}:${p.line}:${p.column}`;
}

function chainPos(chain: IncludeLink[]): Pos | undefined {
  return chain.length ? chain[chain.length - 1].pos : undefined;
}

function canonical(abs: string): string {
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

function listNames(decls: Map<string, VariableDecl>): string {
  return decls.size ? [...decls.keys()].join(', ') : 'no variables';
}

/** Mappings merge member by member, the later file winning; anything else is replaced. */
function mergeObjects(a: Item, b: Item, origins: Origins): Item {
  const out: Record<string, unknown> = {};
  origins.register(out, b.origin);
  const av = a.v as Record<string, unknown>;
  const bv = b.v as Record<string, unknown>;
  for (const [src, obj] of [[a, av], [b, bv]] as const) {
    for (const [k, v] of Object.entries(obj)) {
      const here: Item = { v, origin: origins.at(obj, [k]) ?? src.origin };
      const prev = out[k];
      if (src === b && isPlainObject(prev) && isPlainObject(v) && k in av) {
        const merged = mergeObjects({ v: prev, origin: origins.at(av, [k]) ?? a.origin }, here, origins);
        out[k] = merged.v;
        origins.member(out, k, merged.origin, origins.at(obj, [k], 'key'));
      } else {
        out[k] = v;
        origins.member(out, k, here.origin, origins.at(obj, [k], 'key'));
      }
    }
  }
  return { v: out, origin: b.origin };
}

function merge(parts: Part[], origins: Origins): Part {
  const out: Part = { objects: [], chardevs: [], blockdevs: [], devices: [] };
  for (const p of parts) {
    for (const name of ['machine', 'actions'] as const) {
      const v = p[name];
      if (!v) continue;
      const prev = out[name];
      out[name] = prev ? mergeObjects(prev, v, origins) : v;
    }
    if (p.accel) out.accel = p.accel;
    for (const name of LISTS) out[name].push(...p[name]);
    if (p.generation !== undefined) out.generation = p.generation;
  }
  return out;
}

function defaultReadFile(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * Loads a config file, expands it with `variables` (the name=value words given after it; a name
 * given several times is a list) and validates the result. Throws ConfigError (a QmpError) naming
 * file:line:column and the template frames involved.
 */
export function loadConfig(path: string, variables: Readonly<Record<string, VariableInput>> = {}, options: LoadOptions = {}): LoadedConfig {
  const loader = new Loader(options.readFile ?? defaultReadFile);
  const abs = resolve(path);
  const part = loader.load(abs, path, [], (decls) => {
    const scope = new Map<string, unknown>();
    for (const [name, input] of Object.entries(variables)) {
      const decl = decls.get(name);
      if (!decl) throw new ConfigError(`unknown variable '${name}': ${path} declares ${listNames(decls)}`);
      scope.set(name, convertInput(decl, input));
    }
    for (const d of decls.values()) {
      if (scope.has(d.name)) continue;
      if (d.required) {
        throw new ConfigError(`variable '${d.name}' is required${d.doc ? ` (${d.doc})` : ''}; give it as ${d.name}=VALUE after the config file`, d.pos);
      }
      scope.set(d.name, structuredClone(d.default));
    }
    loader.topVariables = Object.fromEntries(scope);
    return scope;
  }, []);

  const document: MachineDocument = { format: DOCUMENT_FORMAT, chardevs: [], blockdevs: [], devices: [] };
  const origins = loader.origins;
  const top: Origin = { pos: { file: path, line: 1, column: 1 }, context: [] };
  origins.register(document, top);
  if (part.machine) {
    document.machine = part.machine.v as Record<string, unknown>;
    origins.member(document, 'machine', part.machine.origin);
  }
  if (part.accel) {
    document.accel = part.accel.v as string;
    origins.member(document, 'accel', part.accel.origin);
  }
  if (part.actions) {
    document.actions = part.actions.v as Record<string, unknown>;
    origins.member(document, 'actions', part.actions.origin);
  }
  for (const name of LISTS) {
    // `objects` is optional in a document (machines without objects keep their old form).
    if (name === 'objects' && !part.objects.length) continue;
    const arr = part[name].map((i) => i.v);
    origins.register(arr, top);
    part[name].forEach((it, i) => origins.member(arr, i, it.origin));
    (document as unknown as Record<string, unknown>)[name] = arr;
  }
  if (document.accel !== undefined && typeof document.accel !== 'string') {
    const o = origins.at(document, ['accel'])!;
    throw new ConfigError("Invalid parameter type for 'accel', expected: string", o.pos, o.context);
  }
  const validator = new DocumentValidator(options.registry ?? schema(), origins);
  if (options.validate !== false) validator.check(document);

  const sources: ConfigSources = {
    files: loader.files,
    variables: loader.topVariables,
    at: (p, kind = 'value') => {
      const o = origins.at(document, p, kind);
      return o ? { ...o.pos, context: o.context } : undefined;
    },
  };
  const out: LoadedConfig = { document, sources };
  if (part.generation !== undefined) out.generation = part.generation;
  return out;
}

// ---- from document to commands ----

export interface ConfigCommand extends DocumentCommand {
  /** Where the command's arguments were written. */
  source: SourcePosition | undefined;
  /** The document path of the arguments (for tracing errors to a member). */
  path: (string | number)[];
}

/** The command stream that builds the loaded document (documentCommands), each with its position. */
export function configCommands(loaded: LoadedConfig): ConfigCommand[] {
  const counters: Record<string, number> = {};
  const pathOf = (execute: string): (string | number)[] => {
    const n = counters[execute] ?? 0;
    counters[execute] = n + 1;
    switch (execute) {
      case 'object-add': return ['objects', n];
      case 'chardev-add': return ['chardevs', n];
      case 'blockdev-add': return ['blockdevs', n];
      case 'device_add': return ['devices', n];
      case 'set-action': return ['actions'];
      case 'accel-set': return loaded.document.accel !== undefined ? ['accel'] : ['machine'];
      default: return ['machine'];
    }
  };
  return documentCommands(loaded.document).map((c) => {
    const path = pathOf(c.execute);
    return { ...c, path, source: loaded.sources.at(path) };
  });
}

/** What configCommands' consumer needs of a dispatcher (kept minimal so any core fits). */
export interface CommandSink {
  submit(name: string, args: Record<string, unknown> | undefined, opts?: { mode?: 'json'; source?: 'config' | 'state' }): Promise<unknown>;
}

/**
 * Runs the loaded document's commands in order. A failing command is reported at the position of
 * the entry (or member) that produced it, with the dispatcher's message unchanged.
 */
export async function applyConfig(dispatcher: CommandSink, loaded: LoadedConfig, source: 'config' | 'state' = 'config'): Promise<void> {
  for (const c of configCommands(loaded)) {
    try {
      await dispatcher.submit(c.execute, c.arguments, { mode: 'json', source });
    } catch (e) {
      if (!(e instanceof QmpError) || e instanceof ConfigError) throw e;
      throw commandError(loaded, c, e);
    }
  }
}

function commandError(loaded: LoadedConfig, c: ConfigCommand, e: QmpError): ConfigError {
  const m = /^(?:Parameter|Invalid parameter type for|Property) '(?:[^'.]*\.)?([^'.]+)'/.exec(e.message);
  const args = c.arguments;
  let pos: SourcePosition | undefined;
  if (m && m[1] in args) pos = loaded.sources.at([...c.path, m[1]], / not found$| is unexpected$/.test(e.message) ? 'key' : 'value');
  pos ??= c.source;
  return new ConfigError(e.message, pos, pos?.context ?? []);
}

// ---- finding configs by name ----

/** The folder of the standard configs shipped with emu (configs/ at the package root). */
export function standardConfigDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'configs');
    if (existsSync(join(candidate, 'virt-empty.yaml'))) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * A config argument as the user wrote it: a path when it names a file or looks like one (has a
 * folder or an extension), otherwise the name of a standard config (`virt-disk`), looked up in the
 * folders of EMU_CONFIG_PATH and then in emu's configs/.
 */
export function findConfig(nameOrPath: string, dirs?: readonly string[]): string {
  if (isFile(nameOrPath)) return nameOrPath;
  if (!isConfigName(nameOrPath)) throw new QmpError(`could not read ${nameOrPath}: No such file or directory`);
  const search = dirs ?? configDirs();
  const found = searchConfigDirs(nameOrPath, search);
  if (found) return found;
  const known = search.flatMap((d) => {
    try {
      return readdirNames(d);
    } catch {
      return [];
    }
  });
  throw new QmpError(`'${nameOrPath}' is neither a file nor a standard config${known.length ? ` (standard configs: ${[...new Set(known)].sort().join(', ')})` : ''}`);
}

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}

/** A name without folder or extension, which may name a standard config. */
function isConfigName(s: string): boolean {
  return !/[\\/]/.test(s) && !EXTENSIONS.some((x) => s.toLowerCase().endsWith(x));
}

/** Where standard configs are looked up: EMU_CONFIG_PATH's folders, then emu's configs/. */
export function configDirs(): string[] {
  return [
    ...(process.env.EMU_CONFIG_PATH ?? '').split(':').filter((d) => d !== ''),
    ...[standardConfigDir()].filter((d): d is string => d !== undefined),
  ];
}

function searchConfigDirs(name: string, dirs: readonly string[]): string | undefined {
  for (const d of dirs) {
    for (const x of EXTENSIONS) {
      const p = join(d, name + x);
      if (isFile(p)) return p;
    }
  }
  return undefined;
}

function readdirNames(d: string): string[] {
  return readdirSync(d)
    .filter((f) => EXTENSIONS.some((x) => f.endsWith(x)) && !f.endsWith('.schema.json'))
    .map((f) => f.replace(/\.(ya?ml|json)$/, ''));
}

// ---- for the command-line feed ----

/** A command of a config file as the emu command line feeds it (src/vl2/feed.ts's FeedCommand). */
export interface FeedConfigCommand extends DocumentCommand {
  mode: 'json';
  /** `file:line:column` of the entry that produced the command, and its template frames. */
  origin: string;
}

/**
 * Finds (findConfig), loads and validates a config file and returns its commands, each with its
 * origin for messages. This is the shape the in-order feed's ConfigExpander takes.
 */
export function expandConfigFile(nameOrPath: string, variables: Readonly<Record<string, VariableInput>> = {}, options: LoadOptions = {}): { commands: FeedConfigCommand[]; loaded: LoadedConfig } {
  const loaded = loadConfig(findConfig(nameOrPath), variables, options);
  const commands = configCommands(loaded).map((c) => {
    const s = c.source;
    const origin = s ? [`${s.file}:${s.line}:${s.column}`, ...s.context].join(': ') : nameOrPath;
    return { execute: c.execute, arguments: c.arguments, mode: 'json' as const, origin };
  });
  return { commands, loaded };
}
