// scsi-hd: a SCSI disk (SBC-3) of 512-byte blocks on a block node, writable unless the node is
// read-only (then WRITE fails with DATA PROTECT and MODE SENSE reports write protection).

import type { BlockDriver } from '../block/driver.ts';
import { ScsiDisk, type ScsiReply, be16, be32, be64, put32 } from './scsi-disk.ts';

export class ScsiHd extends ScsiDisk {
  readonly blockSize = 512;
  readonly peripheralType = 0x00;
  readonly productName = 'QEMU HARDDISK';

  protected override get removable(): boolean {
    return this.dev.get('removable') === true;
  }

  protected ready(): BlockDriver | undefined {
    return this.host.medium(this.dev);
  }

  protected override command(op: number, cdb: Uint8Array, dataOut: Uint8Array): ScsiReply | Promise<ScsiReply> {
    switch (op) {
      case 0x0a: return this.rw(true, ((cdb[1] & 0x1f) << 16) | (cdb[2] << 8) | cdb[3], cdb[4] === 0 ? 256 : cdb[4], dataOut);
      case 0x2a: return this.rw(true, be32(cdb, 2), be16(cdb, 7), dataOut);
      case 0xaa: return this.rw(true, be32(cdb, 2), be32(cdb, 6), dataOut);
      case 0x8a: return this.rw(true, be64(cdb, 2), be32(cdb, 10), dataOut);
      default:
        return super.command(op, cdb, dataOut);
    }
  }

  protected modePages(): Map<number, Uint8Array> {
    const recovery = new Uint8Array(12);
    recovery[0] = 0x01; recovery[1] = 10;
    const caching = new Uint8Array(20);
    caching[0] = 0x08; caching[1] = 18; caching[2] = 0x04; // WCE: writes are cached until SYNCHRONIZE CACHE
    return new Map([[0x01, recovery], [0x08, caching]]);
  }

  protected override modeDeviceSpecific(): number {
    return this.host.medium(this.dev)?.readOnly ? 0x80 : 0;
  }

  protected override blockDescriptor(): Uint8Array | null {
    const d = this.host.medium(this.dev);
    if (!d) return null;
    const b = new Uint8Array(8);
    const blocks = Math.floor(d.size / this.blockSize);
    put32(b, 0, Math.min(blocks, 0xffffff));
    b[0] = 0;
    put32(b, 4, this.blockSize);
    return b;
  }
}
