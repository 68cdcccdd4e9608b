/* fw_cfg (QEMU's docs/specs/fw_cfg.txt) as a firmware reads it on virt: the signature and feature
   bits, the file directory, the bootorder file and the numbered keys, through the data register and
   again through DMA. emu's own files (etc/emu/...) are skipped so the transcript can be compared
   with QEMU 7.2's byte for byte. */
#include "guest.h"

typedef unsigned short u16;
#define FW_CFG 0x10100000UL
#define FW_DATA ((volatile u8 *)FW_CFG)
#define FW_SELECTOR ((volatile u16 *)(FW_CFG + 8))
#define FW_DMA_HI ((volatile u32 *)(FW_CFG + 16))
#define FW_DMA_LO ((volatile u32 *)(FW_CFG + 20))

static u32 bswap32(u32 v) { return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24); }
static void select_key(u16 k) { *FW_SELECTOR = (u16)((k >> 8) | (k << 8)); }
static u8 rd8(void) { return *FW_DATA; }
static u32 be32(void) { u32 v = 0; for (int i = 0; i < 4; i++) v = v << 8 | rd8(); return v; }
static u16 be16(void) { u16 v = 0; for (int i = 0; i < 2; i++) v = (u16)(v << 8 | rd8()); return v; }
static int starts_with(const char *s, const char *p) { while (*p) if (*s++ != *p++) return 0; return 1; }
static int same(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }

struct dma_access { u32 control, length; u64 address; };
static volatile struct dma_access dma __attribute__((aligned(16)));

/* One DMA transfer: control bits (read 2, skip 4, select 8 | key << 16), big-endian fields. */
static u32 dma_run(u32 control, void *buf, u32 len) {
  dma.control = bswap32(control);
  dma.length = bswap32(len);
  u64 a = (u64)buf;
  dma.address = (u64)bswap32((u32)a) << 32 | bswap32((u32)(a >> 32));
  u64 p = (u64)&dma;
  __asm__ volatile("fence rw,rw" ::: "memory");
  *FW_DMA_HI = bswap32((u32)(p >> 32));
  *FW_DMA_LO = bswap32((u32)p);
  __asm__ volatile("fence rw,rw" ::: "memory");
  return bswap32(dma.control);
}

static struct { u32 size; u16 sel; char name[57]; } files[32];
static char buf[4096], dbuf[4096];

int main(void) {
  select_key(0);
  char sig[5];
  for (int i = 0; i < 4; i++) sig[i] = (char)rd8();
  sig[4] = 0;
  puts_("signature "); puts_(sig); puts_("\n");
  select_key(1);
  u32 id = 0;
  for (int i = 0; i < 4; i++) id |= (u32)rd8() << (8 * i);
  check("features (traditional, DMA)", id, 3);
  u32 dsig_hi = *FW_DMA_HI, dsig_lo = *FW_DMA_LO;
  check("DMA register signature QEMU CFG", (u64)bswap32(dsig_hi) << 32 | bswap32(dsig_lo), 0x51454d5520434647UL);

  select_key(0x19);
  u32 n = be32(), shown = 0;
  for (u32 i = 0; i < n && i < 32; i++) {
    files[i].size = be32();
    files[i].sel = be16();
    be16();
    for (int j = 0; j < 56; j++) files[i].name[j] = (char)rd8();
    files[i].name[56] = 0;
  }
  for (u32 i = 0; i < n && i < 32; i++) if (!starts_with(files[i].name, "etc/emu/")) shown++;
  puts_("files "); putdec(shown); puts_("\n");
  for (u32 i = 0; i < n && i < 32; i++) {
    if (starts_with(files[i].name, "etc/emu/")) continue;
    puts_("  "); puts_(files[i].name); puts_(" size "); putdec(files[i].size); puts_("\n");
  }
  for (u32 i = 0; i < n && i < 32; i++) {
    if (!same(files[i].name, "bootorder") || files[i].size > sizeof buf) continue;
    select_key(files[i].sel);
    for (u32 j = 0; j < files[i].size; j++) buf[j] = (char)rd8();
    puts_("bootorder:\n");
    for (u32 j = 0; j < files[i].size; j++) {
      if (buf[j] == '\n') puts_("\n");
      else if (buf[j]) putc_(buf[j]);
      else puts_("<NUL>");
    }
    puts_("\n");
    /* the same file by DMA: select and read in one access, then a skip and a short read */
    for (u32 j = 0; j < sizeof dbuf; j++) dbuf[j] = 'x';
    check("DMA select+read status", dma_run(8 | 2 | (u32)files[i].sel << 16, dbuf, files[i].size), 0);
    int equal = 1;
    for (u32 j = 0; j < files[i].size; j++) if (dbuf[j] != buf[j]) equal = 0;
    check("DMA bytes equal the data register's", equal, 1);
    if (files[i].size > 8) {
      check("DMA select+skip status", dma_run(8 | 4 | (u32)files[i].sel << 16, 0, 8), 0);
      check("DMA read after skip", dma_run(2, dbuf, 1), 0);
      check("byte 8 of bootorder", (u8)dbuf[0], (u8)buf[8]);
    }
  }
  for (u32 i = 0; i < n && i < 32; i++) {
    if (!same(files[i].name, "etc/boot-fail-wait")) continue;
    select_key(files[i].sel);
    u32 v = 0;
    for (int j = 0; j < 4; j++) v |= (u32)rd8() << (8 * j);
    puts_("boot-fail-wait "); puthex(v); puts_("\n");
  }
  /* reading past the end yields zeros */
  select_key(0);
  for (int i = 0; i < 4; i++) rd8();
  check("past the end", rd8(), 0);
  for (u16 k = 2; k < 0x19; k++) {
    select_key(k);
    puts_("key "); puthex(k); puts_(" ");
    for (int j = 0; j < 16; j++) { u8 c = rd8(); putc_("0123456789abcdef"[c >> 4]); putc_("0123456789abcdef"[c & 15]); }
    puts_("\n");
  }
  return failures;
}
