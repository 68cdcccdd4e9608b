// The contract between the block layer and its format/protocol drivers (file, raw, qcow2, ...).
//
// I/O is synchronous (fs.readSync / writeSync / fsyncSync). emu's device models run on one thread and
// a guest request completes inside the CPU slice that issued it; synchronous I/O keeps request
// ordering and crash ordering (data, then metadata, then refcounts) explicit and easy to reason about.

/** One open image layer. Offsets and lengths are in bytes of the *guest-visible* (virtual) disk. */
export interface BlockDriver {
  /** The driver name as QMP knows it: 'file', 'raw', 'qcow2'. */
  readonly format: string;
  /** Virtual size in bytes. */
  readonly size: number;
  readonly readOnly: boolean;
  /** Fill buf with the bytes at offset. Reading past the end is an error (callers clamp). */
  read(offset: number, buf: Uint8Array): void;
  /** Write data at offset. Throws QmpError if read-only or out of range. */
  write(offset: number, data: Uint8Array): void;
  /** Make every completed write durable (fsync), honouring the cache mode. */
  flush(): void;
  /** Release file handles. Idempotent. */
  close(): void;
}

/** Cache modes as QEMU names them; each maps to when flush() really reaches the disk. */
export type CacheMode = 'writeback' | 'writethrough' | 'none' | 'directsync' | 'unsafe';
