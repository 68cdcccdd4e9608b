// The one dispatcher. Every command, whatever its transport (QMP, the emu command line, a config or
// state file, the human monitor, emu-legacy's translation), runs here: validated against the schema,
// checked against the machine's phase, then handed to its handler. Commands run strictly one after
// another in submission order, so a command's effects are complete before the next one starts.

import { QmpError, toQmpError } from '../shared/errors.ts';
import { EMU_VERSION, QEMU_COMPAT_VERSION } from '../shared/version.ts';
import type { QmpEngine, QmpEvent, QmpSessionInfo } from './engine.ts';
import { type Phase, PHASES, phaseError, phaseIndex } from './phases.ts';
import type { CommandDecl } from './schema/dsl.ts';
import type { SchemaRegistry } from './schema/registry.ts';
import { type InputMode, Validator } from './schema/validate.ts';

/** Where a command came from; handlers and error formatting may depend on it. */
export type CommandSource = 'qmp' | 'cli' | 'config' | 'state' | 'hmp' | 'internal';

export interface CommandContext<Core extends PhaseHolder> {
  core: Core;
  source: CommandSource;
  /** How the arguments were written: extra members (device properties) are converted the same way. */
  mode: InputMode;
  session?: QmpSessionInfo;
  dispatcher: Dispatcher<Core>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler<Core extends PhaseHolder> = (args: any, ctx: CommandContext<Core>) => unknown;

/** What the dispatcher needs to know about the machine it drives. */
export interface PhaseHolder {
  readonly phase: Phase;
}

/** The commands that move the machine from one phase to the next, run by implicit advancement. */
export const PHASE_TRANSITIONS: Partial<Record<Phase, string>> = {
  'machine-created': 'accel-set',
  'accel-created': 'machine-init',
  'machine-initialized': 'finish-machine-init',
};

export interface RunOptions {
  mode?: InputMode;
  source?: CommandSource;
  session?: QmpSessionInfo;
}

export type CommitHook = (command: CommandDecl, args: Record<string, unknown>, source: CommandSource) => Promise<void> | void;

export class Dispatcher<Core extends PhaseHolder> implements QmpEngine {
  readonly validator: Validator;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly eventListeners = new Set<(e: QmpEvent) => void>();
  private readonly commitHooks: CommitHook[] = [];

  constructor(
    readonly registry: SchemaRegistry,
    private readonly handlers: Record<string, Handler<Core>>,
    readonly core: Core,
  ) {
    this.validator = new Validator(registry);
    for (const name of registry.commands.keys()) {
      if (!handlers[name]) throw new Error(`dispatcher: command '${name}' has no handler`);
    }
    for (const name of Object.keys(handlers)) {
      if (!registry.commands.has(name)) throw new Error(`dispatcher: handler '${name}' has no schema declaration`);
    }
  }

  // ---- QmpEngine ----

  greeting(): { version: unknown; capabilities: string[] } {
    return { version: versionInfo(), capabilities: ['oob'] };
  }

  hasCommand(name: string): boolean {
    return this.registry.commands.has(name);
  }

  allowsOob(name: string): boolean {
    return this.registry.commands.get(name)?.allowOob === true;
  }

  execute(name: string, args: Record<string, unknown> | undefined, session: QmpSessionInfo): Promise<unknown> {
    return this.submit(name, args, { mode: 'json', source: session.transport === 'internal' ? 'internal' : 'qmp', session });
  }

  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  // ---- emu's own interface ----

  /**
   * Queues a command behind every command submitted before it. The queue moves on as soon as the
   * command has run; the returned promise settles when its configuration change is durable too
   * (commit hooks), so durable writes of consecutive changes can coalesce.
   */
  submit(name: string, args?: Record<string, unknown>, opts: RunOptions = {}): Promise<unknown> {
    const executed = this.tail.then(() => this.run(name, args, opts));
    const result = executed.then(async (r) => {
      await r.settled;
      return r.result;
    });
    // The next command starts once the caller has seen this one's reply (the extra hop lets the
    // caller's own reaction to `result` run first), so an event of the next command never overtakes
    // this reply, as in QEMU. A reply waiting for durability does not hold the queue: changes that
    // follow are written together with it.
    this.tail = executed.then(
      (r) => (r.waitsForCommit ? undefined : result.then(() => undefined, () => undefined).then(() => undefined)),
      () => undefined,
    );
    return result;
  }

  /** Runs a command immediately (callers must already hold the queue, e.g. from inside a handler). */
  async runNow(name: string, args: Record<string, unknown> | undefined, opts: RunOptions = {}): Promise<unknown> {
    const r = await this.run(name, args, opts);
    await r.settled;
    return r.result;
  }

  private async run(name: string, args: Record<string, unknown> | undefined, opts: RunOptions): Promise<{ result: unknown; settled: Promise<void>; waitsForCommit: boolean }> {
    const decl = this.registry.commands.get(name);
    if (!decl) throw new QmpError(`The command ${name} has not been found`, 'CommandNotFound');
    // QEMU checks the phase before the arguments; nothing changes until both checks pass.
    const mustAdvance = this.checkPhase(decl);
    const valid = this.validateArgs(decl, args ?? {}, opts.mode ?? 'json');
    if (mustAdvance) await this.advanceTo(decl, opts);
    const ctx: CommandContext<Core> = {
      core: this.core, source: opts.source ?? 'internal', mode: opts.mode ?? 'json', session: opts.session, dispatcher: this,
    };
    let result: unknown;
    try {
      result = await this.handlers[name](valid, ctx);
    } catch (e) {
      throw toQmpError(e);
    }
    const waitsForCommit = decl.changesConfig === true && this.commitHooks.length > 0;
    const settled = waitsForCommit
      ? Promise.all(this.commitHooks.map((hook) => hook(decl, valid, ctx.source))).then(() => undefined, (e: unknown) => {
        throw toQmpError(e);
      })
      : Promise.resolve();
    settled.catch(() => undefined);
    return { result: result === undefined ? {} : result, settled, waitsForCommit };
  }

  /** Validates arguments without running anything (used by --check and by front ends). */
  validateArgs(decl: CommandDecl, args: Record<string, unknown>, mode: InputMode): Record<string, unknown> {
    const argType = this.registry.argTypeOf(decl);
    if (!argType) {
      const extra = Object.keys(args)[0];
      if (extra !== undefined) throw new QmpError(`Parameter '${extra}' is unexpected`);
      return {};
    }
    if (decl.extraMembers) {
      // Declared members are validated; the rest go to the handler, which knows their types.
      const out: Record<string, unknown> = {};
      const seen = this.validator.members(this.registry.structMembers(argType), args, '', mode, out);
      for (const [k, v] of Object.entries(args)) if (!seen.has(k)) out[k] = v;
      return out;
    }
    return this.validator.value(argType, args, '', mode) as Record<string, unknown>;
  }

  /**
   * Checks a command's phase rule. Returns true when the command may run after the machine is first
   * advanced to the command's first allowed phase (implicit advancement), throws when it may not run.
   */
  checkPhase(decl: CommandDecl): boolean {
    if (decl.phases === 'any') return false;
    const allowed = decl.phases;
    const current = this.core.phase;
    if (allowed.includes(current)) return false;
    const canAdvance = decl.implicitAdvance === true
      && phaseIndex(current) >= phaseIndex('machine-created')
      && phaseIndex(current) < phaseIndex(allowed[0]);
    if (!canAdvance) throw phaseError(decl.command, allowed, current);
    return true;
  }

  private async advanceTo(decl: CommandDecl, opts: RunOptions): Promise<void> {
    const target = (decl.phases as readonly Phase[])[0];
    while (phaseIndex(this.core.phase) < phaseIndex(target)) {
      const step = PHASE_TRANSITIONS[this.core.phase];
      if (!step) throw phaseError(decl.command, decl.phases as readonly Phase[], this.core.phase);
      await this.runNow(step, {}, { ...opts, mode: 'json' });
    }
  }

  onCommit(hook: CommitHook): void {
    this.commitHooks.push(hook);
  }

  emit(event: string, data?: Record<string, unknown>): void {
    const now = Date.now() * 1000 + Math.floor((performance.now() % 1) * 1000);
    const ev: QmpEvent = {
      timestamp: { seconds: Math.floor(now / 1e6), microseconds: now % 1e6 },
      event,
      ...(data !== undefined ? { data } : {}),
    };
    for (const l of this.eventListeners) l(ev);
  }
}

export function versionInfo(): { qemu: { micro: number; minor: number; major: number }; package: string } {
  const v = QEMU_COMPAT_VERSION;
  return { qemu: { micro: v.micro, minor: v.minor, major: v.major }, package: `emu ${EMU_VERSION}` };
}

export { PHASES };
