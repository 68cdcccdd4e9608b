/* scsi-cd on virtio-scsi, driven by test/virtio/scsi-cd-guest.test.ts through the serial line:
 * reads the disc, is refused an eject while it holds the tray locked (and sees the eject request
 * QMP made), ejects, gets NOT READY / medium not present, waits while the host changes the
 * medium, then sees UNIT ATTENTION (medium may have changed), the parameter-change event, and
 * the new disc's data. The guest waits for the host by polling the drive (GET EVENT STATUS
 * NOTIFICATION, TEST UNIT READY), never the serial line, so its output may go to a file. */
#include "virtio.h"

struct req { u8 lun[8]; u64 id; u8 attr, prio, crn; u8 cdb[32]; } __attribute__((packed));
struct resp { u32 sense_len, resid; u16 qual; u8 status, response; u8 sense[96]; } __attribute__((packed));
struct event { u32 event; u8 lun[8]; u32 reason; };

static struct vq ctlq __attribute__((aligned(4096))), evq __attribute__((aligned(4096))), rq __attribute__((aligned(4096)));
static struct req req;
static struct resp resp;
static u8 buf[4 * 2048] __attribute__((aligned(8)));
static struct event events[VQ_NUM];
static volatile u32 *m;
static int use_indirect;

static void say_waiting(const char *what) { puts_("WAIT "); puts_(what); puts_("\n"); }

/* One SCSI command to target 0 LUN 0; data-in into buf (in_len bytes). Returns the SCSI status,
 * or 0x100 + virtio response when the transport did not deliver one. */
static int scsi(const u8 *cdb, int cdb_len, u32 in_len) {
  memset_(&req, 0, sizeof req);
  req.lun[0] = 1; req.lun[1] = 0; req.lun[2] = 0x40; req.lun[3] = 0;
  req.id++;
  memcpy_(req.cdb, cdb, (u64)cdb_len);
  memset_(&resp, 0, sizeof resp);
  struct vdesc *d = use_indirect ? rq.indirect : rq.desc;
  int n = 0;
  vdesc_set(&d[n], &req, sizeof req, 1, (u16)(n + 1)); n++;
  vdesc_set(&d[n], &resp, sizeof resp, in_len ? 3 : 2, (u16)(n + 1)); n++;
  if (in_len) { vdesc_set(&d[n], buf, in_len, 2, 0); n++; }
  virtio_submit(m, &rq, n, use_indirect);
  if (virtio_wait(&rq) < 0) { puts_("request timed out\n"); guest_exit(90); }
  if (resp.response != 0) return 0x100 + resp.response;
  return resp.status;
}

static u32 sense_code(void) { /* key << 16 | asc << 8 | ascq */
  return resp.sense_len >= 14 ? ((u32)(resp.sense[2] & 15) << 16) | ((u32)resp.sense[12] << 8) | resp.sense[13] : 0xffffffff;
}
static u32 be32(const u8 *p) { return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3]; }

static const u8 TUR[6] = { 0x00 };
static const u8 INQUIRY[6] = { 0x12, 0, 0, 0, 96, 0 };
static const u8 READ_CAP10[10] = { 0x25 };
static const u8 READ10_4[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 4, 0 };
static const u8 READ16_1[16] = { 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0 };
static const u8 TOC[10] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 100, 0 };
static const u8 GESN[10] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0 };
static const u8 LOCK[6] = { 0x1e, 0, 0, 0, 1, 0 };
static const u8 UNLOCK[6] = { 0x1e, 0, 0, 0, 0, 0 };
static const u8 EJECT[6] = { 0x1b, 0, 0, 0, 2, 0 };
static const u8 REQ_SENSE[6] = { 0x03, 0, 0, 0, 18, 0 };
static const u8 REPORT_LUNS[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0 };
static const u8 MODE_SENSE10_2A[10] = { 0x5a, 0x08, 0x2a, 0, 0, 0, 0, 0, 64, 0 };
static const u8 GET_CONFIG[10] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 64, 0 };

int main(void) {
  int slot = virtio_find(8);
  check("virtio-scsi transport found", slot >= 0, 1);
  if (slot < 0) return 1;
  m = VIRTIO_MMIO(slot);
  /* INDIRECT_DESC is bit 28; HOTPLUG 1 and CHANGE 2 are virtio-scsi's. */
  i64 feat = virtio_init(m, (1u << 28) | (1u << 1) | (1u << 2));
  check("features accepted", feat >= 0, 1);
  check("indirect descriptors offered", (u64)feat >> 28 & 1, 1);
  check("parameter-change events offered", (u64)feat >> 2 & 1, 1);
  check("control queue", (u64)virtio_queue(m, &ctlq, 0), 0);
  check("event queue", (u64)virtio_queue(m, &evq, 1), 0);
  check("request queue", (u64)virtio_queue(m, &rq, 2), 0);
  m[R(0x70)] = 1 | 2 | 8 | 4;
  /* Post every event buffer at once. */
  for (int i = 0; i < VQ_NUM; i++) {
    vdesc_set(&evq.desc[i], &events[i], sizeof events[i], 2, 0);
    evq.avail.ring[i] = (u16)i;
  }
  mb();
  evq.avail.idx = VQ_NUM;
  mb();
  m[R(0x50)] = 1;

  check("INQUIRY", (u64)scsi(INQUIRY, 6, 96), 0);
  check("peripheral type CD/DVD", buf[0], 5);
  check("removable", buf[1], 0x80);
  check("product starts QEMU CD-ROM", buf[16] == 'Q' && buf[21] == 'C' && buf[22] == 'D', 1);
  check("TEST UNIT READY", (u64)scsi(TUR, 6, 0), 0);
  check("READ CAPACITY(10)", (u64)scsi(READ_CAP10, 10, 8), 0);
  u32 blocks = be32(buf) + 1;
  check("block size", be32(buf + 4), 2048);
  puts_("blocks "); putdec(blocks); puts_("\n");
  check("READ(10) of 4 sectors", (u64)scsi(READ10_4, 10, 4 * 2048), 0);
  check("residual", resp.resid, 0);
  puts_("disc A sectors 0-3 fnv "); puthex(fnv1a(buf, 4 * 2048)); puts_("\n");
  use_indirect = 1;
  check("READ(16) of sector 1 through an indirect table", (u64)scsi(READ16_1, 16, 2048), 0);
  use_indirect = 0;
  puts_("disc A sector 1 fnv "); puthex(fnv1a(buf, 2048)); puts_("\n");
  check("READ TOC", (u64)scsi(TOC, 10, 100), 0);
  check("TOC lead-out address = capacity", be32(buf + 16), blocks);
  check("GESN", (u64)scsi(GESN, 10, 8), 0);
  check("GESN media class, media present", ((u64)buf[2] << 8) | buf[5], 0x0402);
  check("GET CONFIGURATION", (u64)scsi(GET_CONFIG, 10, 64), 0);
  check("current profile CD-ROM", ((u64)buf[6] << 8) | buf[7], 8);
  check("MODE SENSE(10) capabilities page", (u64)scsi(MODE_SENSE10_2A, 10, 64), 0);
  check("page 0x2a with tray loading", ((u64)buf[8] << 8) | (buf[8 + 6] & 0xe0), 0x2a20);
  check("REPORT LUNS", (u64)scsi(REPORT_LUNS, 12, 64), 0);
  check("one LUN", be32(buf), 8);

  check("PREVENT MEDIUM REMOVAL", (u64)scsi(LOCK, 6, 0), 0);
  say_waiting("locked");
  /* The host tries QMP eject on the locked tray: it is refused and the drive reports that the
   * user asked for an eject. */
  int ev = 0, gst = 0;
  for (int i = 0; i < 2000000 && ev != 1; i++) { gst = scsi(GESN, 10, 8); ev = buf[4] & 15; }
  check("GESN after QMP eject", (u64)gst, 0);
  check("eject request event", (u64)ev, 1);
  check("eject while locked", (u64)scsi(EJECT, 6, 0), 2);
  check("sense: medium removal prevented", sense_code(), 0x55302);
  check("ALLOW MEDIUM REMOVAL", (u64)scsi(UNLOCK, 6, 0), 0);
  check("START STOP UNIT eject", (u64)scsi(EJECT, 6, 0), 0);
  check("TEST UNIT READY with the tray open", (u64)scsi(TUR, 6, 0), 2);
  check("sense: not ready, medium not present (tray open)", sense_code(), 0x23a02);
  check("READ(10) with the tray open", (u64)scsi(READ10_4, 10, 4 * 2048), 2);
  check("sense: not ready", sense_code() >> 16, 2);
  check("REQUEST SENSE", (u64)scsi(REQ_SENSE, 6, 18), 0);
  check("REQUEST SENSE reports no medium", ((u64)(buf[2] & 15) << 8) | buf[12], 0x23a);
  say_waiting("ejected");

  /* The host is changing the medium: poll until the drive reports something other than NOT READY. */
  int st = 2;
  u32 sc = 0;
  for (int i = 0; i < 1000000 && st == 2; i++) {
    st = scsi(TUR, 6, 0);
    sc = sense_code();
    if (st == 2 && (sc >> 16) != 2) break;
  }
  check("TEST UNIT READY after the change", (u64)st, 2);
  check("sense: unit attention, medium may have changed", sc, 0x62800);
  check("TEST UNIT READY once the attention is taken", (u64)scsi(TUR, 6, 0), 0);
  check("READ(10) of the new disc", (u64)scsi(READ10_4, 10, 4 * 2048), 0);
  puts_("disc B sectors 0-3 fnv "); puthex(fnv1a(buf, 4 * 2048)); puts_("\n");

  /* The parameter-change event for the new medium (ASC 0x28) is in the event queue. */
  int seen = 0;
  mb();
  for (u16 i = evq.last_used; i != *(volatile u16 *)&evq.used.idx; i++) {
    struct event *e = &events[evq.used.ring[i % VQ_NUM].id];
    if ((e->event & 0x7fffffff) == 3 && (e->reason & 0xff) == 0x28) seen = 1;
  }
  check("parameter-change event for the medium change", (u64)seen, 1);
  check("interrupt status shows used buffers", m[R(0x60)] & 1, 1);
  m[R(0x64)] = m[R(0x60)];
  puts_(failures ? "FAIL\n" : "PASS\n");
  return failures;
}
