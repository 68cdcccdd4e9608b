// Write-through at the top of a block graph: every write is durable before it completes, which is
// QEMU's cache.writeback=off (cache=writethrough and cache=directsync). It sits on top rather than in
// the file driver so that a format driver's own metadata writes are batched and ordered by the format
// driver, and only the guest's request boundary costs a flush.

import type { BlockDriver } from './driver.ts';

export class WriteThrough implements BlockDriver {
  constructor(readonly inner: BlockDriver) {}
  get format(): string { return this.inner.format; }
  get size(): number { return this.inner.size; }
  get readOnly(): boolean { return this.inner.readOnly; }
  read(offset: number, buf: Uint8Array): void { this.inner.read(offset, buf); }
  write(offset: number, data: Uint8Array): void {
    this.inner.write(offset, data);
    this.inner.flush();
  }
  flush(): void { this.inner.flush(); }
  close(): void { this.inner.close(); }
}
