/* QEMU's fw_cfg, memory-mapped ("qemu,fw-cfg-mmio", QEMU's docs/specs/fw_cfg.txt): a big-endian
   16-bit selector at +8 and the selected item's bytes in order from the data register at +0, or,
   when the device offers it, DMA (a big-endian FWCfgDmaAccess address written to +16/+20), which
   moves an item in one access instead of one per byte. The firmware reads the boot order (QEMU's
   `bootorder` file) and emu's own files under etc/emu/ (docs/FW-CFG.md). */
#include "fw.h"

#define KEY_SIGNATURE 0x0000
#define KEY_ID 0x0001
#define KEY_FILE_DIR 0x0019
#define ID_DMA 2
#define DMA_ERROR 1
#define DMA_READ 2
#define DMA_SELECT 8
#define MAX_FILES 32

static u64 fwcfg;
static int dma;
static struct { u32 control, length; u64 address; } access __attribute__((aligned(16)));
/* The file directory, read once by fwcfg_init: size (BE32), select (BE16), reserved, name[56]. */
static u8 dir[MAX_FILES][64];
static u32 nfiles;

static u32 bswap32(u32 v) { return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24); }
static u32 be32(const u8 *b) { return ((u32)b[0] << 24) | ((u32)b[1] << 16) | ((u32)b[2] << 8) | b[3]; }

/* Reads n bytes of the item at key (or, with key < 0, the next bytes of the selected one). */
static int read_item(int key, void *buf, u32 n) {
  if (dma) {
    access.control = bswap32((key >= 0 ? ((u32)key << 16) | DMA_SELECT : 0) | DMA_READ);
    access.length = bswap32(n);
    access.address = ((u64)bswap32((u32)(u64)buf) << 32) | bswap32((u32)((u64)buf >> 32));
    __asm__ volatile("fence rw,rw" ::: "memory");
    u64 a = (u64)&access;
    mmio_w32(fwcfg + 16, bswap32((u32)(a >> 32)));
    mmio_w32(fwcfg + 20, bswap32((u32)a));
    __asm__ volatile("fence rw,rw" ::: "memory");
    /* QEMU and emu finish the transfer during the write; the control word says how it went. */
    return (bswap32(*(volatile u32 *)&access.control) & DMA_ERROR) ? -1 : 0;
  }
  if (key >= 0) *(volatile u16 *)(fwcfg + 8) = (u16)((key >> 8) | (key << 8));
  u8 *b = buf;
  for (u32 i = 0; i < n; i++) b[i] = mmio_r8(fwcfg);
  return 0;
}

int fwcfg_init(u64 base) {
  fwcfg = base;
  dma = 0;
  nfiles = 0;
  if (!base) return -1;
  u8 b[4];
  read_item(KEY_SIGNATURE, b, 4);
  if (b[0] != 'Q' || b[1] != 'E' || b[2] != 'M' || b[3] != 'U') { fwcfg = 0; return -1; }
  read_item(KEY_ID, b, 4);
  dma = (b[0] & ID_DMA) != 0;
  if (read_item(KEY_FILE_DIR, b, 4)) { fwcfg = 0; return -1; }
  nfiles = be32(b) < MAX_FILES ? be32(b) : MAX_FILES;
  if (read_item(-1, dir, nfiles * 64)) nfiles = 0;
  return 0;
}

/* Reads the named file into buf (NUL-terminated, cut at cap - 1 bytes); its length, or -1 when
   there is no fw_cfg or no such file. */
int fwcfg_file(const char *name, char *buf, u32 cap) {
  if (!fwcfg || !cap) return -1;
  for (u32 i = 0; i < nfiles; i++) {
    dir[i][63] = 0;
    if (!streq((const char *)dir[i] + 8, name)) continue;
    u32 size = be32(dir[i]), n = size < cap - 1 ? size : cap - 1;
    if (read_item((dir[i][4] << 8) | dir[i][5], buf, n)) return -1;
    buf[n] = 0;
    return (int)n;
  }
  return -1;
}
