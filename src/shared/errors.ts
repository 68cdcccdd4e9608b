// The one error type of emu. Every failure that reaches a user carries a QMP error class, so the
// same error can be sent over QMP verbatim or printed by a front end in its own convention.

export type QmpErrorClass =
  | 'GenericError'
  | 'CommandNotFound'
  | 'DeviceNotActive'
  | 'DeviceNotFound'
  | 'KVMMissingCap';

export class QmpError extends Error {
  readonly errorClass: QmpErrorClass;
  /** Structured facts about the failure for front ends that want to add advice (e.g. phase errors). */
  readonly details: Record<string, unknown> | undefined;

  constructor(desc: string, errorClass: QmpErrorClass = 'GenericError', details?: Record<string, unknown>) {
    super(desc);
    this.name = 'QmpError';
    this.errorClass = errorClass;
    this.details = details;
  }

  get desc(): string {
    return this.message;
  }

  toQmp(): { class: QmpErrorClass; desc: string } {
    return { class: this.errorClass, desc: this.message };
  }
}

export function genericError(desc: string, details?: Record<string, unknown>): QmpError {
  return new QmpError(desc, 'GenericError', details);
}

/** Wraps anything thrown into a QmpError; host bugs keep their message so they are never silent. */
export function toQmpError(e: unknown): QmpError {
  if (e instanceof QmpError) return e;
  if (e instanceof Error) return new QmpError(e.message, 'GenericError');
  return new QmpError(String(e), 'GenericError');
}
