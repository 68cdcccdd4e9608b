// What each QEMU cache mode means for emu's synchronous drivers.
//
// emu never keeps its own data cache, so the modes differ only in when data is forced to stable
// storage. `none` and `directsync` are O_DIRECT in QEMU; emu does not use O_DIRECT (Node buffers are
// not sector-aligned), which changes only host page-cache usage, never what the guest can observe
// about durability.

import type { CacheMode } from './driver.ts';
import { genericError } from '../../shared/errors.ts';

export const CACHE_MODES: readonly CacheMode[] = ['writeback', 'writethrough', 'none', 'directsync', 'unsafe'];

export interface CachePolicy {
  /** Every guest write is durable before it completes (QEMU: cache.writeback=off). */
  readonly writeThrough: boolean;
  /** Flushes are dropped entirely (QEMU: cache.no-flush=on); a host crash may lose anything. */
  readonly noFlush: boolean;
  /** QEMU would bypass the host page cache (cache.direct=on); recorded for query output only. */
  readonly direct: boolean;
}

export function cachePolicy(mode: CacheMode): CachePolicy {
  switch (mode) {
    case 'writeback': return { writeThrough: false, noFlush: false, direct: false };
    case 'writethrough': return { writeThrough: true, noFlush: false, direct: false };
    case 'none': return { writeThrough: false, noFlush: false, direct: true };
    case 'directsync': return { writeThrough: true, noFlush: false, direct: true };
    case 'unsafe': return { writeThrough: false, noFlush: true, direct: false };
  }
}

export function parseCacheMode(s: string): CacheMode {
  if ((CACHE_MODES as readonly string[]).includes(s)) return s as CacheMode;
  throw genericError('invalid cache option', { value: s, expected: CACHE_MODES });
}
