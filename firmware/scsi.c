/* SCSI through virtio-scsi (virtio 1.x §5.6): the bus scan, and the few SPC/SBC/MMC commands the
   firmware needs, each polled to completion on the first request queue. Written from the virtio
   specification and the T10 command descriptions (SPC-4, SBC-3, MMC-6). */
#include "fw.h"

#define REQUEST_QUEUE 2 /* after the control and event queues */
#define CDB_SIZE 32
#define SENSE_SIZE 96

struct req {
  u8 lun[8];
  u64 id;
  u8 task_attr, prio, crn;
  u8 cdb[CDB_SIZE];
} __attribute__((packed));
struct resp {
  u32 sense_len, resid;
  u16 status_qualifier;
  u8 status, response;
  u8 sense[SENSE_SIZE];
} __attribute__((packed));
static struct req req;
static struct resp resp;

/* The outcome of one command: GOOD, CHECK CONDITION with its sense, or no such target/failure. */
enum { R_GOOD, R_CHECK, R_BAD_TARGET, R_FAIL };
static struct { u8 key, asc, ascq; } sense;

/* The request layout above assumes these sizes; the device's defaults may differ (§5.6.4). */
static void configure(u64 base) {
  mmio_w32(base + 0x100 + 20, SENSE_SIZE);
  mmio_w32(base + 0x100 + 24, CDB_SIZE);
}

static void fill(struct req *r, const struct scsi_unit *u, const u8 *cdb, int cdb_len) {
  for (u64 i = 0; i < sizeof *r; i++) ((u8 *)r)[i] = 0;
  r->lun[0] = 1;
  r->lun[1] = u->target;
  r->lun[2] = 0x40 | (u->lun >> 8); /* flat addressing, as the device decodes it */
  r->lun[3] = (u8)u->lun;
  for (int i = 0; i < cdb_len; i++) r->cdb[i] = cdb[i];
}

static int command(const struct scsi_unit *u, const u8 *cdb, int cdb_len, void *data, u32 len, u32 timeout_ms) {
  fill(&req, u, cdb, cdb_len);
  resp.response = 0xff;
  struct vbuf b[3] = { { &req, sizeof req, 0 }, { &resp, sizeof resp, 1 }, { data, len, 1 } };
  if (virtio_request(u->base, REQUEST_QUEUE, configure, b, len ? 3 : 2, timeout_ms) < 0) return R_FAIL;
  if (resp.response == 3) return R_BAD_TARGET; /* VIRTIO_SCSI_S_BAD_TARGET */
  if (resp.response != 0) return R_FAIL;
  if (resp.status == 0) return R_GOOD;
  if (resp.status != 2) return R_FAIL;
  sense.key = sense.asc = sense.ascq = 0;
  if (resp.sense_len >= 14 && (resp.sense[0] & 0x7e) == 0x70) { /* fixed format */
    sense.key = resp.sense[2] & 0x0f; sense.asc = resp.sense[12]; sense.ascq = resp.sense[13];
  } else if (resp.sense_len >= 4 && (resp.sense[0] & 0x7e) == 0x72) { /* descriptor format */
    sense.key = resp.sense[1] & 0x0f; sense.asc = resp.sense[2]; sense.ascq = resp.sense[3];
  }
  return R_CHECK;
}

/* A unit attention (a reset, a medium change) is news, not a failure: the command is repeated. */
static int command_retry(const struct scsi_unit *u, const u8 *cdb, int cdb_len, void *data, u32 len, u32 timeout_ms) {
  int r = R_FAIL;
  for (int tries = 0; tries < 4; tries++) {
    r = command(u, cdb, cdb_len, data, len, timeout_ms);
    if (r != R_CHECK || sense.key != 6) break;
  }
  return r;
}

static u32 be32(const u8 *b) { return ((u32)b[0] << 24) | ((u32)b[1] << 16) | ((u32)b[2] << 8) | b[3]; }
static void put_be32(u8 *b, u32 v) { b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v; }

static u8 data[256] __attribute__((aligned(16)));

#define MAX_LUNS 8 /* per target: enough for the firmware's prompt, and the scan stays short */

static void inquire(struct scsi_unit *u, scsi_found found) {
  const u8 cdb[6] = { 0x12, 0, 0, 0, 36, 0 };
  if (command(u, cdb, 6, data, 36, 1000) != R_GOOD) return;
  if (data[0] >> 5) return; /* peripheral qualifier: no unit at this LUN */
  u->type = data[0] & 0x1f;
  found(u);
}

#define BATCH 16 /* targets asked at once: one notify for many requests */
#define LUNS_LEN (8 + 8 * MAX_LUNS)
static struct req breq[BATCH];
static struct resp bresp[BATCH];
static u8 bdata[BATCH][LUNS_LEN] __attribute__((aligned(16)));

/* The units REPORT LUNS (in bdata[i]) lists; LUN 0 only when the target did not answer it. */
static void target_found(struct scsi_unit *u, int i, scsi_found found) {
  u->lun = 0;
  if (bresp[i].status != 0) { inquire(u, found); return; }
  u32 n = be32(bdata[i]) / 8;
  if (n > MAX_LUNS) n = MAX_LUNS;
  for (u32 k = 0; k < n; k++) {
    const u8 *l = bdata[i] + 8 + 8 * k;
    u->lun = (l[0] >> 6) == 1 ? (u16)(((l[0] & 0x3f) << 8) | l[1]) : l[1];
    inquire(u, found);
  }
}

/* Every target up to the device's max_target: REPORT LUNS on LUN 0 finds the target's units (an
   absent target answers BAD_TARGET at once, so the scan never waits), INQUIRY their type. The
   targets are asked BATCH at a time, each batch with one notify: most of them are absent, and a
   request costs a device far less than a notify and its round trip. */
void scsi_scan(u64 base, scsi_found found) {
  u32 max_target = virtio_config32(base, 28) >> 16;
  if (max_target > 255) max_target = 255;
  u8 cdb[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
  put_be32(cdb + 6, LUNS_LEN);
  for (u32 first = 0; first <= max_target; first += BATCH) {
    int n = max_target - first + 1 < BATCH ? (int)(max_target - first + 1) : BATCH;
    struct vbuf b[3 * BATCH];
    int counts[BATCH];
    for (int i = 0; i < n; i++) {
      struct scsi_unit u = { base, (u8)(first + i), 0, 0 };
      if (first == 0) fill(&breq[i], &u, cdb, 12);
      else breq[i].lun[1] = u.target; /* the rest of the request stays as the first batch made it */
      bresp[i].response = 0xff;
      b[3 * i] = (struct vbuf){ &breq[i], sizeof breq[i], 0 };
      b[3 * i + 1] = (struct vbuf){ &bresp[i], sizeof bresp[i], 1 };
      b[3 * i + 2] = (struct vbuf){ bdata[i], LUNS_LEN, 1 };
      counts[i] = 3;
    }
    if (virtio_requests(base, REQUEST_QUEUE, configure, b, counts, n, 1000) < 0) return;
    for (int i = 0; i < n; i++) {
      if (bresp[i].response != 0) continue; /* BAD_TARGET: nobody there */
      struct scsi_unit u = { base, (u8)(first + i), 0, 0 };
      target_found(&u, i, found);
    }
  }
}

/* A CD drive's tray and medium from GET EVENT STATUS NOTIFICATION's media status (MMC-6 §6.7):
   TEST UNIT READY alone cannot tell an open tray from an empty one on every drive (QEMU's answers
   "medium not present" for both). */
static int cd_status(const struct scsi_unit *u, enum medium *m) {
  const u8 cdb[10] = { 0x4a, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0 }; /* polled, media class */
  if (command(u, cdb, 10, data, 8, 1000) != R_GOOD) return -1;
  if ((data[2] & 0x87) != 0x04 || ((data[0] << 8) | data[1]) < 4) return -1; /* media class, 4 bytes */
  if (data[5] & 1) *m = MEDIUM_TRAY_OPEN;
  else if (!(data[5] & 2)) *m = MEDIUM_ABSENT;
  else *m = MEDIUM_READY;
  return 0;
}

enum medium scsi_medium(const struct scsi_unit *u) {
  enum medium m;
  if (u->type == SCSI_TYPE_CD && cd_status(u, &m) == 0 && m != MEDIUM_READY) return m;
  const u8 cdb[6] = { 0x00, 0, 0, 0, 0, 0 }; /* TEST UNIT READY */
  int r = command_retry(u, cdb, 6, 0, 0, 1000);
  if (r == R_GOOD) return MEDIUM_READY;
  if (r == R_CHECK && sense.key == 2 && sense.asc == 0x3a) return sense.ascq == 2 ? MEDIUM_TRAY_OPEN : MEDIUM_ABSENT;
  return MEDIUM_ERROR;
}

int scsi_capacity(const struct scsi_unit *u, u64 *blocks, u32 *block_size) {
  const u8 cdb10[10] = { 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
  if (command_retry(u, cdb10, 10, data, 8, 1000) != R_GOOD) return -1;
  u64 last = be32(data);
  *block_size = be32(data + 4);
  if (last == 0xffffffffUL) { /* too big for READ CAPACITY(10) */
    u8 cdb16[16] = { 0x9e, 0x10 };
    put_be32(cdb16 + 10, 32);
    if (command_retry(u, cdb16, 16, data, 32, 1000) != R_GOOD) return -1;
    last = ((u64)be32(data) << 32) | be32(data + 4);
    *block_size = be32(data + 8);
  }
  *blocks = last + 1;
  return *block_size ? 0 : -1;
}

/* READ(10), or READ(16) past the 32-bit block addresses; 0 on success. */
int scsi_read(const struct scsi_unit *u, u64 lba, void *buf, u32 count, u32 block_size) {
  u8 cdb[16] = { 0 };
  int len = 10;
  if (lba + count > 0xffffffffUL) {
    cdb[0] = 0x88;
    put_be32(cdb + 2, (u32)(lba >> 32)); put_be32(cdb + 6, (u32)lba);
    put_be32(cdb + 10, count);
    len = 16;
  } else {
    cdb[0] = 0x28;
    put_be32(cdb + 2, (u32)lba);
    cdb[7] = count >> 8; cdb[8] = (u8)count;
  }
  return command_retry(u, cdb, len, buf, count * block_size, 5000) == R_GOOD ? 0 : -1;
}

/* START STOP UNIT with LoEj: load 0 opens the tray, 1 closes it. The drive answers once the move
   is made (and recorded when the machine keeps a state file), so the wait is generous. */
int scsi_start_stop(const struct scsi_unit *u, int load) {
  const u8 cdb[6] = { 0x1b, 0, 0, 0, (u8)(2 | (load ? 1 : 0)), 0 };
  int r = command_retry(u, cdb, 6, 0, 0, 15000);
  if (r == R_GOOD) return 0;
  if (r == R_CHECK && sense.key == 5 && sense.asc == 0x53) return -2; /* medium removal prevented */
  return -1;
}
