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

/* ---- what fw_cfg says about the devices ---- */

static char *put_str(char *p, const char *s) { while (*s) *p++ = *s++; return p; }
static char *put_hex(char *p, u64 v, int width) {
  char tmp[16];
  int n = 0;
  do { tmp[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
  while (n < width) tmp[n++] = '0';
  while (n) *p++ = tmp[--n];
  return p;
}

/* QEMU's OpenFirmware device path, as fw_cfg's bootorder and etc/emu/drives name the device. */
static void bdev_path(const struct bdev *d, char *buf) {
  char *p = put_str(buf, "/virtio-mmio@");
  p = put_hex(p, d->scsi.base, 16);
  if (d->bus == BUS_BLK) p = put_str(p, "/disk@0,0");
  else {
    p = put_str(p, "/channel@0/disk@");
    p = put_hex(p, d->scsi.target, 1);
    *p++ = ',';
    p = put_hex(p, d->scsi.lun, 1);
  }
  *p = 0;
}

/* The line of text (lines end at '\n' or NUL) starting with path followed by end; 0 if none. */
static const char *find_line(const char *text, const char *path, char end) {
  int n = strlen_(path);
  for (const char *l = text; *l;) {
    if (strneq(l, path, n) && (l[n] == end || (end == '\n' && l[n] == 0))) return l + n;
    while (*l && *l != '\n') l++;
    if (*l) l++;
  }
  return 0;
}

static char text[2048];

/* etc/emu/drives: "<path>\t<file name>\n" per drive, the name empty with no medium. */
static void read_backing_names(const struct machine_info *mi) {
  for (int i = 0; i < ndevs; i++) devs[i].backing[0] = 0;
  if (fwcfg_init(mi->fwcfg_base) || fwcfg_file("etc/emu/drives", text, sizeof text) < 0) return;
  for (int i = 0; i < ndevs; i++) {
    char path[64];
    bdev_path(&devs[i], path);
    const char *name = find_line(text, path, '\t');
    if (!name) continue;
    name++;
    int n = 0;
    while (name[n] && name[n] != '\n' && n < (int)sizeof devs[i].backing - 1) { devs[i].backing[n] = name[n]; n++; }
    devs[i].backing[n] = 0;
  }
}

static int in_list(struct bdev **list, int n, const struct bdev *d) {
  for (int i = 0; i < n; i++) if (list[i] == d) return 1;
  return 0;
}

/* The devices to try, in order: those fw_cfg's bootorder names (bootindex), then by the -boot
   letters in etc/emu/boot-order (c: disks, d: CD drives, each in device-tree order; only the
   classes named), unless a HALT line (-boot strict=on) ends the list there. Without
   fw_cfg, every disk and CD drive in device-tree order. Returns how many. */
int bdev_boot_order(const struct machine_info *mi, struct bdev **list, int max) {
  int n = 0;
  if (fwcfg_init(mi->fwcfg_base) == 0 && fwcfg_file("bootorder", text, sizeof text) >= 0) {
    int strict = 0;
    for (const char *l = text; *l && n < max;) {
      if (strneq(l, "HALT", 4) && (l[4] == '\n' || l[4] == 0)) { strict = 1; break; } /* -boot strict=on */
      for (int i = 0; i < ndevs; i++) {
        char path[64];
        bdev_path(&devs[i], path);
        int len = strlen_(path);
        if (devs[i].kind != KIND_OTHER && strneq(l, path, len) && (l[len] == '\n' || l[len] == 0) && !in_list(list, n, &devs[i])) {
          list[n++] = &devs[i];
          break;
        }
      }
      while (*l && *l != '\n') l++;
      if (*l) l++;
    }
    if (strict) return n;
    char letters[16];
    if (fwcfg_file("etc/emu/boot-order", letters, sizeof letters) < 0) { letters[0] = 'c'; letters[1] = 'd'; letters[2] = 0; }
    for (const char *c = letters; *c; c++) {
      int kind = *c == 'c' ? KIND_DISK : *c == 'd' ? KIND_CD : -1;
      if (kind < 0) continue;
      for (int i = 0; i < ndevs && n < max; i++)
        if (devs[i].kind == kind && !in_list(list, n, &devs[i])) list[n++] = &devs[i];
    }
    return n;
  }
  for (int i = 0; i < ndevs && n < max; i++)
    if (devs[i].kind != KIND_OTHER) list[n++] = &devs[i];
  return n;
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
  read_backing_names(mi);
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
