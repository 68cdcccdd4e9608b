/* Booting from a disk that carries emu's boot header in its first sector (README.md, "The boot
   header"): the payload is loaded where the header says, checked, and entered in S-mode as a
   -kernel payload is (a0 = hartid, a1 = DTB with the firmware's /memreserve/). */
#include "fw.h"

struct boot_header {
  char magic[8];      /* "EMU-BOOT" */
  u32 version;        /* 1 */
  u32 header_size;    /* 64 */
  u64 load, entry;
  u64 lba;            /* the payload's first 512-byte sector */
  u32 sectors;        /* the payload's length in 512-byte sectors */
  u32 payload_crc;    /* CRC-32 of those sectors */
  u8 reserved[12];    /* zero */
  u32 header_crc;     /* CRC-32 of the 60 bytes before it */
};
_Static_assert(sizeof(struct boot_header) == 64, "the boot header is 64 bytes");

static u32 crc_table[256];

/* CRC-32 as zlib and IEEE 802.3 compute it (reflected polynomial 0xedb88320). */
static u32 crc32(const u8 *p, u64 n) {
  if (!crc_table[1])
    for (u32 i = 0; i < 256; i++) {
      u32 c = i;
      for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      crc_table[i] = c;
    }
  u32 c = 0xffffffffu;
  while (n--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static u8 sector0[512] __attribute__((aligned(16)));
static const char *why;

static int overlaps(u64 a, u64 alen, u64 b, u64 blen) { return a < b + blen && b < a + alen; }

static u32 be32(const u8 *b) { return ((u32)b[0] << 24) | ((u32)b[1] << 16) | ((u32)b[2] << 8) | b[3]; }

/* Loads the payload; 0 with *entry set, or -1 with `why` saying what is wrong. */
static int load(struct bdev *d, const struct machine_info *mi, const void *dtb, u64 *entry) {
  if (d->kind != KIND_DISK) { why = "not a disk (the firmware boots disks)"; return -1; }
  if (bdev_refresh(d) != MEDIUM_READY || !d->blocks) { why = "not ready"; return -1; }
  if (d->block_size != 512) { why = "block size is not 512 bytes"; return -1; }
  if (bdev_read(d, 0, sector0, 1)) { why = "error reading sector 0"; return -1; }
  const struct boot_header *h = (const struct boot_header *)sector0;
  if (!strneq(h->magic, "EMU-BOOT", 8)) { why = "no boot header"; return -1; }
  if (h->version != 1 || h->header_size != sizeof *h) { why = "boot header of an unknown version"; return -1; }
  if (crc32(sector0, 60) != h->header_crc) { why = "boot header checksum mismatch"; return -1; }
  u64 bytes = (u64)h->sectors * 512;
  u64 ram_end = mi->mem_base + mi->mem_size;
  u64 dtb_size = be32((const u8 *)dtb + 4) + 16; /* + the /memreserve/ entry it will get */
  if (!h->sectors || h->lba == 0 || h->lba + h->sectors > d->blocks) { why = "payload outside the disk"; return -1; }
  if (h->load < mi->mem_base || h->load > ram_end || bytes > ram_end - h->load ||
      overlaps(h->load, bytes, FW_BASE, FW_SIZE) || overlaps(h->load, bytes, (u64)dtb, dtb_size)) {
    why = "load address outside the RAM a payload may use"; return -1;
  }
  if (h->entry < h->load || h->entry >= h->load + bytes) { why = "entry point outside the payload"; return -1; }
  u64 load_addr = h->load, lba = h->lba, e = h->entry;
  u32 crc = h->payload_crc;
  for (u64 done = 0; done < h->sectors;) {
    u32 n = h->sectors - done > 128 ? 128 : (u32)(h->sectors - done);
    if (bdev_read(d, lba + done, (void *)(load_addr + done * 512), n)) { why = "error reading the payload"; return -1; }
    done += n;
  }
  if (crc32((const u8 *)load_addr, bytes) != crc) { why = "payload checksum mismatch"; return -1; }
  *entry = e;
  return 0;
}

const char *boot_from(struct bdev *d, const struct machine_info *mi, u64 hartid, void *dtb) {
  u64 entry;
  if (load(d, mi, dtb, &entry)) return why;
  printf_("Booting %s%d: entry 0x%lx\n", bdev_prefix(d), d->index, entry);
  /* Hand the machine over quiet: no device mid-request, no firmware interrupt sources. */
  virtio_release();
  prompt_quiesce();
  fdt_reserve(dtb, FW_BASE, FW_SIZE, mi->mem_base + mi->mem_size);
  __asm__ volatile("fence.i" ::: "memory");
  enter_smode(entry, hartid, (u64)dtb);
}
