// scsi-cd: a CD/DVD-ROM drive (MMC-6) with a tray. The tray and the medium are configuration
// (the device's 'tray-open' and 'drive' properties) so they are read live, never cached: QMP
// changes them and tells the drive through the media hooks below; the guest changes them through
// START STOP UNIT, which waits until the machine made the change durable.

import type { BlockDriver } from '../block/driver.ts';
import {
  SENSE, ScsiDisk, type ScsiReply, type Sense, be16, check, good, put16, put32,
} from './scsi-disk.ts';

/** GET EVENT STATUS NOTIFICATION media event codes (MMC-6 table 148). */
const MEDIA_EVENT = { none: 0, ejectRequest: 1, newMedia: 2, mediaRemoval: 3 } as const;
/** Above this many 2048-byte blocks a medium is reported as a DVD (an 80-minute CD's size). */
const CD_MAX_BLOCKS = 80 * 60 * 75;

export class ScsiCd extends ScsiDisk {
  readonly blockSize = 2048;
  readonly peripheralType = 0x05;
  readonly productName = 'QEMU CD-ROM';
  private mediaEvent: number = MEDIA_EVENT.none;
  /** Called when the drive has news for the guest (virtio-scsi sends a parameter-change event). */
  onChange: ((s: Sense) => void) | undefined;

  protected override get removable(): boolean { return true; }

  get trayOpen(): boolean {
    return this.dev.get('tray-open') === true;
  }

  private get locked(): boolean {
    return this.dev.state.locked === true;
  }

  protected ready(): BlockDriver | undefined {
    return this.trayOpen ? undefined : this.host.medium(this.dev);
  }

  protected override notReadySense(): Sense {
    return this.trayOpen ? SENSE.NO_MEDIUM_TRAY_OPEN : SENSE.NO_MEDIUM_TRAY_CLOSED;
  }

  // ---- told by the machine (QMP eject, blockdev-change-medium, ...) ----

  trayMoved(open: boolean): void {
    if (open) {
      this.mediaEvent = MEDIA_EVENT.mediaRemoval;
    } else if (this.host.medium(this.dev)) {
      // Whatever is in the tray now may not be what the guest last saw.
      this.mediaEvent = MEDIA_EVENT.newMedia;
      this.attention(SENSE.MEDIUM_CHANGED);
    }
  }

  mediumChanged(): void {
    // With the tray open the guest reads NOT READY anyway; the unit attention comes when it closes.
    if (!this.trayOpen && this.host.medium(this.dev)) {
      this.mediaEvent = MEDIA_EVENT.newMedia;
      this.attention(SENSE.MEDIUM_CHANGED);
    }
  }

  /** Someone asked to open a locked tray: the guest learns it by polling GET EVENT STATUS NOTIFICATION. */
  ejectRequest(): void {
    this.mediaEvent = MEDIA_EVENT.ejectRequest;
  }

  private attention(s: Sense): void {
    this.unitAttention = s;
    this.onChange?.(s);
  }

  // ---- commands ----

  protected override command(op: number, cdb: Uint8Array, dataOut: Uint8Array): ScsiReply | Promise<ScsiReply> {
    switch (op) {
      case 0x43: return this.readToc(cdb);
      case 0x46: return this.getConfiguration(cdb);
      case 0x4a: return this.eventStatus(cdb);
      default: return super.command(op, cdb, dataOut);
    }
  }

  protected override async startStop(cdb: Uint8Array): Promise<ScsiReply> {
    const start = (cdb[4] & 1) !== 0;
    const loej = (cdb[4] & 2) !== 0;
    if (!loej || (cdb[4] >> 4) !== 0) return good();
    if (!start) {
      if (this.locked) return check(SENSE.MEDIUM_REMOVAL_PREVENTED);
      if (!this.trayOpen) {
        await this.host.trayMove(this.dev, true);
        this.mediaEvent = MEDIA_EVENT.mediaRemoval;
      }
    } else if (this.trayOpen) {
      await this.host.trayMove(this.dev, false);
      if (this.host.medium(this.dev)) this.mediaEvent = MEDIA_EVENT.newMedia;
    }
    return good();
  }

  protected override preventAllow(cdb: Uint8Array): ScsiReply {
    this.host.trayLock(this.dev, (cdb[4] & 1) !== 0);
    return good();
  }

  private blocks(): number {
    const d = this.ready();
    return d ? Math.floor(d.size / this.blockSize) : 0;
  }

  private readToc(cdb: Uint8Array): ScsiReply {
    if (!this.ready()) return check(this.notReadySense());
    const msf = (cdb[1] & 2) !== 0;
    let format = cdb[2] & 0x0f;
    if (format === 0 && cdb[9] >> 6) format = cdb[9] >> 6; // the old place of the format field
    const startTrack = cdb[6];
    const alloc = be16(cdb, 7);
    const addr = (b: Uint8Array, o: number, lba: number) => {
      if (!msf) { put32(b, o, lba); return; }
      const f = lba + 150;
      b[o] = 0; b[o + 1] = Math.floor(f / 4500); b[o + 2] = Math.floor(f / 75) % 60; b[o + 3] = f % 75;
    };
    if (format === 0) {
      if (startTrack > 1 && startTrack !== 0xaa) return check(SENSE.INVALID_FIELD);
      const descs: [number, number][] = [];
      if (startTrack <= 1) descs.push([1, 0]);
      descs.push([0xaa, this.blocks()]);
      const b = new Uint8Array(4 + 8 * descs.length);
      put16(b, 0, b.length - 2);
      b[2] = 1; b[3] = 1;
      descs.forEach(([track, lba], i) => {
        const o = 4 + 8 * i;
        b[o + 1] = 0x14; // ADR 1 (position), control 4 (data track)
        b[o + 2] = track;
        addr(b, o + 4, lba);
      });
      return good(b, alloc);
    }
    if (format === 1) { // session information
      const b = new Uint8Array(12);
      put16(b, 0, 10);
      b[2] = 1; b[3] = 1;
      b[5] = 0x14; b[6] = 1;
      addr(b, 8, 0);
      return good(b, alloc);
    }
    return check(SENSE.INVALID_FIELD);
  }

  private getConfiguration(cdb: Uint8Array): ScsiReply {
    const rt = cdb[1] & 3;
    if (rt === 3) return check(SENSE.INVALID_FIELD);
    const start = be16(cdb, 2);
    const present = this.ready() !== undefined;
    const dvd = present && this.blocks() > CD_MAX_BLOCKS;
    const profile = !present ? 0 : dvd ? 0x0010 : 0x0008;
    const feature = (code: number, flags: number, body: number[]) => {
      const f = new Uint8Array(4 + body.length);
      put16(f, 0, code);
      f[2] = flags;
      f[3] = body.length;
      f.set(body, 4);
      return { code, f };
    };
    const features = [
      feature(0x0000, 0x03, [0x00, 0x10, dvd ? 1 : 0, 0, 0x00, 0x08, present && !dvd ? 1 : 0, 0]),
      feature(0x0001, 0x0b, [0, 0, 0, 1, 1, 0, 0, 0]), // core: SCSI interface, DBE
      feature(0x0003, 0x03, [0x29 | (this.locked ? 0x04 : 0), 0, 0, 0]), // removable medium: tray, eject, lock
    ];
    const chosen = features.filter(({ code }) => (rt === 2 ? code === start : code >= start));
    const len = 8 + chosen.reduce((n, x) => n + x.f.length, 0);
    const b = new Uint8Array(len);
    put32(b, 0, len - 4);
    put16(b, 6, profile);
    let o = 8;
    for (const { f } of chosen) { b.set(f, o); o += f.length; }
    return good(b, be16(cdb, 7));
  }

  private eventStatus(cdb: Uint8Array): ScsiReply {
    if ((cdb[1] & 1) === 0) return check(SENSE.INVALID_FIELD); // only polled operation
    const alloc = be16(cdb, 7);
    // The event descriptor length counts the bytes after the 4-byte header (MMC-6; QEMU's too).
    if ((cdb[4] & 0x10) === 0) {
      const b = new Uint8Array(4);
      put16(b, 0, 0);
      b[2] = 0x80; // no event available
      b[3] = 0x10;
      return good(b, alloc);
    }
    const b = new Uint8Array(8);
    put16(b, 0, 4);
    b[2] = 0x04; // media class
    b[3] = 0x10;
    b[4] = this.mediaEvent;
    b[5] = (this.trayOpen ? 1 : 0) | (this.host.medium(this.dev) && !this.trayOpen ? 2 : 0);
    this.mediaEvent = MEDIA_EVENT.none;
    return good(b, alloc);
  }

  protected modePages(): Map<number, Uint8Array> {
    const recovery = new Uint8Array(12);
    recovery[0] = 0x01; recovery[1] = 10;
    const caps = new Uint8Array(22);
    caps[0] = 0x2a; caps[1] = 20;
    caps[2] = 0x3b; // reads CD-R, CD-RW, method 2, DVD-ROM
    caps[4] = 0x71; // audio play, composite, digital ports, multi-session
    caps[5] = 0xff;
    caps[6] = 0x29 | (this.locked ? 0x02 : 0); // tray loading, eject, lock supported (+ locked)
    put16(caps, 8, 706); // max read speed (KB/s), obsolete but read by drivers
    put16(caps, 10, 2);
    put16(caps, 12, 512);
    put16(caps, 14, 706);
    return new Map([[0x01, recovery], [0x2a, caps]]);
  }
}
