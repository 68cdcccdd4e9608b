// One QMP session over any byte transport: QEMU 7.2's monitor behaviour (monitor/qmp.c,
// qapi/qmp-dispatch.c) as observed on the real binary — greeting, capabilities negotiation,
// request shape checks with QEMU's texts, id echo, ordered replies, events after negotiation only.
//
// Requests are read ahead and handed to the engine at once (the engine runs commands from all
// sessions strictly in submission order); replies go out in request order regardless of when each
// completes. Output is batched per tick so a pipelining client gets many replies per write.

import type { QmpEngine, QmpEvent, QmpSessionInfo } from '../engine.ts';
import { QmpError, toQmpError } from '../../shared/errors.ts';
import { JsonStreamer, type JsonValue } from '../wire/json-stream.ts';
import { encodeJson, encodeQmp, encodeString, qdictKeys } from '../wire/encode.ts';

/** Where a session's output goes and how it can slow its input down. */
export interface SessionSink {
  /** Complete QMP messages, in order, each one JSON text without a line terminator. */
  send(messages: string[]): void;
  /** Stop / restart reading input (read-ahead window full, or the peer is not reading replies). */
  pauseInput?(): void;
  resumeInput?(): void;
  /** The peer finished sending and every reply has been sent: the transport may close. */
  finished?(): void;
}

export interface QmpSessionOptions {
  transport: QmpSessionInfo['transport'];
  /** Accept input but send nothing (not even the greeting) until resume(). */
  suspended?: boolean;
  /** Requests read ahead before input is paused. */
  maxInFlight?: number;
  /**
   * 'given' (default): object members go out in the order the engine built them (and ids in the
   * order the client wrote them). 'qemu': in QEMU's QDict order, byte-identical to QEMU's output
   * provided the engine builds objects in QAPI declaration order, as QEMU's visitors do.
   */
  memberOrder?: 'qemu' | 'given';
}

let nextSessionId = 1;

type Slot = { line: string | undefined };

const SUSPENDED_INPUT_MAX = 1 << 20;
const NEGOTIATION_DESC = "Expecting capabilities negotiation with 'qmp_capabilities'";
const ALREADY_NEGOTIATED_DESC = 'Capabilities negotiation is already complete, command ignored';

// Every session encodes the same event object; encode it once.
let lastEvent: QmpEvent | undefined;
let lastEventEnc: Encoder | undefined;
let lastEventLine = '';
export function encodeEvent(ev: QmpEvent, enc: Encoder = encodeJson): string {
  if (ev === lastEvent && enc === lastEventEnc) return lastEventLine;
  const ts = ev.timestamp;
  let line = `{"timestamp": {"seconds": ${encodeJson(ts.seconds)}, "microseconds": ${encodeJson(ts.microseconds)}}, "event": ${encodeString(ev.event)}`;
  if (ev.data !== undefined) line += `, "data": ${enc(ev.data)}`;
  line += '}';
  lastEvent = ev;
  lastEventEnc = enc;
  lastEventLine = line;
  return line;
}

type Encoder = (v: unknown) => string;

// The envelopes are written in QEMU's member order: {"return", "id"} and {"id", "error"}.
function errorLine(enc: Encoder, hasId: boolean, id: unknown, err: QmpError): string {
  const body = `"error": {"class": "${err.errorClass}", "desc": ${encodeString(err.message)}}}`;
  return hasId ? `{"id": ${enc(id)}, ${body}` : `{${body}`;
}

function returnLine(enc: Encoder, hasId: boolean, id: unknown, ret: unknown): string {
  const r = ret === undefined ? '{}' : enc(ret);
  return hasId ? `{"return": ${r}, "id": ${enc(id)}}` : `{"return": ${r}}`;
}

const isPlainObject = (v: unknown): v is Record<string, JsonValue> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v !== 'bigint';

export class QmpSession {
  readonly info: QmpSessionInfo;
  private readonly engine: QmpEngine;
  private readonly sink: SessionSink;
  private readonly streamer: JsonStreamer;
  private readonly maxInFlight: number;
  private readonly enc: Encoder;

  private started = false;
  private suspended: boolean;
  private closedFlag = false;
  /** Commands dispatch in command mode once qmp_capabilities has been read... */
  private negotiated = false;
  /** ...but events flow only once its reply has been queued for output. */
  private eventsOn = false;
  private oobEnabled = false;
  private capsOffered: string[] = [];

  private readonly slots: Slot[] = [];
  private slotHead = 0;
  private out: string[] = [];
  private oobOut: string[] = [];
  private flushScheduled = false;
  private inputPaused = false;
  private pendingInput: Buffer[] = [];
  private pendingBytes = 0;
  private inputEnded = false;
  private unsubscribe: (() => void) | undefined;

  constructor(engine: QmpEngine, sink: SessionSink, opts: QmpSessionOptions) {
    this.engine = engine;
    this.sink = sink;
    this.info = { id: nextSessionId++, transport: opts.transport };
    this.suspended = opts.suspended ?? false;
    this.maxInFlight = opts.maxInFlight ?? 512;
    this.enc = opts.memberOrder === 'qemu' ? encodeQmp : encodeJson;
    this.streamer = new JsonStreamer((v) => this.onValue(v), (e) => this.onParseError(e));
  }

  get closed(): boolean { return this.closedFlag; }
  /** True once qmp_capabilities succeeded. */
  get isNegotiated(): boolean { return this.negotiated; }
  get isSuspended(): boolean { return this.suspended; }

  /** The transport is connected: greet now, or on resume() if suspended. */
  start(): void {
    if (this.started || this.closedFlag) return;
    this.started = true;
    this.unsubscribe = this.engine.onEvent((ev) => {
      if (this.eventsOn && !this.closedFlag) this.push(encodeEvent(ev, this.enc));
    });
    if (!this.suspended) this.greet();
  }

  /** Leaves the suspended state: sends the greeting and processes input that arrived meanwhile. */
  resume(): void {
    if (!this.suspended) return;
    this.suspended = false;
    if (!this.started || this.closedFlag) return;
    this.greet();
    const pending = this.pendingInput;
    this.pendingInput = [];
    this.pendingBytes = 0;
    for (const chunk of pending) this.streamer.feed(chunk);
    this.checkWindow();
    this.maybeFinished();
  }

  /** Raw input bytes from the transport. */
  feed(chunk: Buffer): void {
    if (this.closedFlag) return;
    if (this.suspended || !this.started) {
      this.pendingInput.push(chunk);
      this.pendingBytes += chunk.length;
      // Nothing is processed before the greeting; stop reading rather than buffer without bound.
      if (this.pendingBytes > SUSPENDED_INPUT_MAX && !this.inputPaused) {
        this.inputPaused = true;
        this.sink.pauseInput?.();
      }
      return;
    }
    this.streamer.feed(chunk);
    this.checkWindow();
  }

  /**
   * The peer will send nothing more (e.g. `echo ... | socat`): answer what was received, then tell
   * the sink it may close.
   */
  endInput(): void {
    if (this.closedFlag || this.inputEnded) return;
    this.inputEnded = true;
    this.maybeFinished();
  }

  private maybeFinished(): void {
    if (!this.inputEnded || this.closedFlag || this.suspended || this.inFlight() > 0) return;
    // After the replies already queued: flush runs on the next tick, so do this one later.
    process.nextTick(() => process.nextTick(() => { if (!this.closedFlag) this.sink.finished?.(); }));
  }

  /** The transport is gone. Commands already submitted still complete; their replies are dropped. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.out = [];
    this.oobOut = [];
    this.pendingInput = [];
  }

  private greet(): void {
    const g = this.engine.greeting();
    this.capsOffered = g.capabilities.slice();
    this.push(`{"QMP": {"version": ${this.enc(g.version)}, "capabilities": ${encodeJson(g.capabilities)}}}`);
  }

  private push(line: string): void {
    this.out.push(line);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flush);
    }
  }

  /**
   * Output of out-of-band requests. With oob enabled, QEMU handles any request shaped as OOB
   * ('exec-oob' without 'execute', even an invalid one) at once in its I/O thread, while in-band
   * requests wait in a queue for the main thread; so OOB answers overtake in-band answers produced
   * from the same input.
   */
  private pushOob(line: string): void {
    this.oobOut.push(line);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.closedFlag) return;
    let out = this.out;
    if (this.oobOut.length > 0) {
      out = this.oobOut.concat(out);
      this.oobOut = [];
    }
    if (out.length === 0) return;
    this.out = [];
    this.sink.send(out);
  };

  private inFlight(): number {
    return this.slots.length - this.slotHead;
  }

  private checkWindow(): void {
    const n = this.inFlight();
    if (!this.inputPaused && n >= this.maxInFlight) {
      this.inputPaused = true;
      this.sink.pauseInput?.();
    } else if (this.inputPaused && n <= this.maxInFlight >> 1) {
      this.inputPaused = false;
      this.sink.resumeInput?.();
    }
  }

  /** Reserves the next place in the reply order. */
  private slot(): Slot {
    const s: Slot = { line: undefined };
    this.slots.push(s);
    return s;
  }

  private fill(s: Slot, line: string): void {
    s.line = line;
    if (this.closedFlag) return;
    const slots = this.slots;
    let head = this.slotHead;
    while (head < slots.length && slots[head].line !== undefined) {
      this.push(slots[head].line as string);
      head++;
    }
    if (head === slots.length) {
      slots.length = 0;
      head = 0;
    } else if (head > 1024) {
      slots.splice(0, head);
      head = 0;
    }
    this.slotHead = head;
    if (this.inputPaused) this.checkWindow();
    if (this.inputEnded && head === 0) this.maybeFinished();
  }

  private reply(line: string): void {
    this.fill(this.slot(), line);
  }

  private onParseError(desc: string): void {
    this.reply(errorLine(this.enc, false, undefined, new QmpError(desc)));
  }

  private onValue(v: JsonValue): void {
    if (!isPlainObject(v)) {
      this.reply(errorLine(this.enc, false, undefined, new QmpError('QMP input must be a JSON object')));
      return;
    }
    const hasId = Object.prototype.hasOwnProperty.call(v, 'id');
    const id = hasId ? v.id : undefined;
    // Without oob enabled QEMU reads no further than one in-band request, so nothing can overtake.
    const oobShaped = this.oobEnabled && v['exec-oob'] !== undefined && v.execute === undefined;
    const fail = (desc: string, cls: QmpError['errorClass'] = 'GenericError'): void => {
      const line = errorLine(this.enc, hasId, id, new QmpError(desc, cls));
      if (oobShaped) this.pushOob(line); else this.reply(line);
    };

    // QEMU's qmp_dispatch_check_obj: members are checked in QEMU's QDict iteration order, so when
    // several are wrong the one QEMU names is named here too.
    const execute = v.execute;
    const hasExecute = execute !== undefined;
    const hasOob = v['exec-oob'] !== undefined;
    let hasExecKey = false;
    for (const k of qdictKeys(v)) {
      if (k === 'execute' || (k === 'exec-oob' && this.oobEnabled)) {
        if (typeof v[k] !== 'string') return fail(`QMP input member '${k}' must be a string`);
        if (hasExecKey) return fail("QMP input member 'execute' clashes with 'exec-oob'");
        hasExecKey = true;
      } else if (k === 'arguments') {
        if (!isPlainObject(v[k])) return fail("QMP input member 'arguments' must be an object");
      } else if (k !== 'id') {
        return fail(`QMP input member '${k}' is unexpected`);
      }
    }
    if (!hasExecKey) return fail("QMP input lacks member 'execute'");
    const args = v.arguments;
    const name = (hasExecute ? execute : v['exec-oob']) as string;
    const argObj = args as Record<string, unknown> | undefined;

    if (name === 'qmp_capabilities' && !hasOob) {
      const bad = this.checkCapsArgs(argObj);
      if (bad) return fail(bad);
      if (this.negotiated) return fail(ALREADY_NEGOTIATED_DESC, 'CommandNotFound');
      this.negotiated = true;
      const enable = (argObj?.enable as string[] | undefined) ?? [];
      this.oobEnabled = enable.includes('oob');
      this.reply(returnLine(this.enc, hasId, id, {}));
      // Nothing may separate the greeting from this reply; from here on events flow.
      this.eventsOn = true;
      return;
    }
    if (!this.negotiated) return fail(NEGOTIATION_DESC, 'CommandNotFound');

    if (hasOob) {
      if (!this.engine.hasCommand(name)) return fail(`The command ${name} has not been found`, 'CommandNotFound');
      if (!this.engine.allowsOob(name)) return fail(`The command ${name} does not support OOB`);
      // Out-of-band: answered as soon as done, overtaking queued in-band replies.
      this.run(name, argObj).then(
        (ret) => { if (!this.closedFlag) this.pushOob(returnLine(this.enc, hasId, id, ret)); },
        (e) => { if (!this.closedFlag) this.pushOob(errorLine(this.enc, hasId, id, toQmpError(e))); },
      );
      return;
    }

    const s = this.slot();
    this.run(name, argObj).then(
      (ret) => this.fill(s, returnLine(this.enc, hasId, id, ret)),
      (e) => this.fill(s, errorLine(this.enc, hasId, id, toQmpError(e))),
    );
  }

  private run(name: string, args: Record<string, unknown> | undefined): Promise<unknown> {
    try {
      return this.engine.execute(name, args, this.info);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Argument checks of qmp_capabilities, with the texts QEMU's visitor produces: declared members
   * first, then leftovers.
   */
  private checkCapsArgs(args: Record<string, unknown> | undefined): string | undefined {
    if (!args) return undefined;
    const enable = args.enable;
    if (enable !== undefined) {
      if (!Array.isArray(enable)) return "Invalid parameter type for 'enable', expected: array";
      for (let i = 0; i < enable.length; i++) {
        const cap = enable[i];
        if (typeof cap !== 'string') return `Invalid parameter type for 'enable[${i}]', expected: string`;
        if (cap !== 'oob') return `Parameter 'null' does not accept value '${cap}'`;
        if (!this.capsOffered.includes(cap)) return `Capability '${cap}' not available`;
      }
    }
    for (const k in args) if (k !== 'enable') return `Parameter '${k}' is unexpected`;
    return undefined;
  }
}
