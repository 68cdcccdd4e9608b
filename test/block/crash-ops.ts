// The write stream of the crash test, shared by the writer child and the checking parent.
import { rng, randomBytes } from './helpers.ts';

export interface CrashOp {
  offset: number;
  data: Uint8Array;
  flushAfter: boolean;
}

export function crashOp(seed: number, size: number): () => CrashOp {
  const next = rng(seed);
  return () => {
    const len = 1 + Math.floor(next() * (next() < 0.1 ? 100000 : 6000));
    const offset = Math.floor(next() * (size - len));
    return { offset, data: randomBytes(next, len), flushAfter: next() < 0.1 };
  };
}
