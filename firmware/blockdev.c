/* The machine's block devices under the names the prompt uses: disks (virtio-blk and scsi-hd)
   are disk0, disk1, ... and CD drives cd0, cd1, ..., each numbered in device-tree order of their
   virtio transport, then by SCSI target and LUN, whatever the bus. */
#include "fw.h"

static struct bdev devs[MAX_BDEVS];
static int ndevs, ndisks, ncds;
static int scan_transport;

static void scsi_unit_found(const struct scsi_unit *u) {
  if (ndevs == MAX_BDEVS) return;
  struct bdev *d = &devs[ndevs];
  d->scsi = *u;
  d->transport = scan_transport;
  d->bus = BUS_SCSI;
  if (u->type == SCSI_TYPE_DISK) { d->kind = KIND_DISK; d->index = ndisks++; }
  else if (u->type == SCSI_TYPE_CD) { d->kind = KIND_CD; d->index = ncds++; }
  else { d->kind = KIND_OTHER; d->index = 0; }
  ndevs++;
}

void bdev_scan(const struct machine_info *mi) {
  ndevs = ndisks = ncds = 0;
  for (u32 i = 0; i < mi->nvirtio && ndevs < MAX_BDEVS; i++) {
    u64 base = mi->virtio[i].base;
    u32 id = virtio_id(base);
    if (id == 2) {
      struct bdev *d = &devs[ndevs++];
      d->bus = BUS_BLK;
      d->kind = KIND_DISK;
      d->index = ndisks++;
      d->transport = (int)i;
      d->scsi.base = base;
    } else if (id == 8) {
      scan_transport = (int)i;
      scsi_scan(base, scsi_unit_found);
    }
  }
  virtio_release();
}

int bdev_count(void) { return ndevs; }
struct bdev *bdev_at(int i) { return i >= 0 && i < ndevs ? &devs[i] : 0; }

/* "disk3" or "cd0"; 0 when no device has that name. */
struct bdev *bdev_find(const char *name, int len) {
  int kind, skip;
  if (len > 4 && strneq(name, "disk", 4)) { kind = KIND_DISK; skip = 4; }
  else if (len > 2 && strneq(name, "cd", 2)) { kind = KIND_CD; skip = 2; }
  else return 0;
  int n = 0;
  for (int i = skip; i < len; i++) {
    if (name[i] < '0' || name[i] > '9' || (i == skip && name[i] == '0' && len > skip + 1)) return 0;
    n = n * 10 + (name[i] - '0');
    if (n > MAX_BDEVS) return 0;
  }
  for (int i = 0; i < ndevs; i++)
    if (devs[i].kind == kind && devs[i].index == n) return &devs[i];
  return 0;
}

const char *bdev_prefix(const struct bdev *d) { return d->kind == KIND_CD ? "cd" : "disk"; }

/* The name into buf (8 bytes: "disk15" at most). */
void bdev_name(const struct bdev *d, char *buf) {
  const char *p = bdev_prefix(d);
  int n = 0;
  while (*p) buf[n++] = *p++;
  if (d->index >= 10) buf[n++] = (char)('0' + d->index / 10);
  buf[n++] = (char)('0' + d->index % 10);
  buf[n] = 0;
}

/* Asks the device now: a CD's tray and medium change under the firmware's feet. */
enum medium bdev_refresh(struct bdev *d) {
  if (d->bus == BUS_BLK) {
    d->block_size = 512;
    d->blocks = virtio_blk_sectors(d->scsi.base);
    return MEDIUM_READY;
  }
  enum medium m = scsi_medium(&d->scsi);
  d->blocks = 0;
  if (m == MEDIUM_READY && scsi_capacity(&d->scsi, &d->blocks, &d->block_size)) m = MEDIUM_ERROR;
  if (m != MEDIUM_READY) d->blocks = 0;
  return m;
}

int bdev_read(struct bdev *d, u64 lba, void *buf, u32 count) {
  if (d->bus == BUS_BLK) return virtio_blk_read(d->scsi.base, lba, buf, count);
  return scsi_read(&d->scsi, lba, buf, count, d->block_size);
}
