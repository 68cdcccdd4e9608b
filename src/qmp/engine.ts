// What a QMP transport needs from the core: the contract between src/qmp/server (wire protocol,
// sessions, transports) and the dispatcher. The server owns framing, negotiation and id echo; the
// engine owns commands. Nothing here knows about sockets.

import type { QmpError } from '../shared/errors.ts';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  /** Host wall clock when the event was emitted. */
  timestamp: { seconds: number; microseconds: number };
}

/** Who is asking: lets the engine tell monitors apart (e.g. for `quit` or per-session state). */
export interface QmpSessionInfo {
  readonly id: number;
  readonly transport: 'unix' | 'tcp' | 'stdio' | 'websocket' | 'chardev' | 'internal';
}

export interface QmpEngine {
  /** The `QMP` member of the greeting: `{version, capabilities}`. */
  greeting(): { version: unknown; capabilities: string[] };
  /** True when a command of that name exists (used for `exec-oob` checks). */
  hasCommand(name: string): boolean;
  /** True when the command may run out-of-band. */
  allowsOob(name: string): boolean;
  /**
   * Runs one command. Resolves with the command's return value (`{}` for commands without one) or
   * rejects with a QmpError. Commands from all sessions run strictly in the order they were
   * submitted.
   */
  execute(name: string, args: Record<string, unknown> | undefined, session: QmpSessionInfo): Promise<unknown>;
  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: (event: QmpEvent) => void): () => void;
}

export type { QmpError };
