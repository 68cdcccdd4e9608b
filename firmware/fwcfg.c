/* QEMU's fw_cfg, memory-mapped ("qemu,fw-cfg-mmio", QEMU's docs/specs/fw_cfg.txt), read through
   the traditional interface: a big-endian 16-bit selector at +8, then the item's bytes in order
   from the data register at +0. The firmware reads the boot order (QEMU's `bootorder` file) and
   emu's own files under etc/emu/ (src/hw/machine/fw-cfg-content.ts documents them). */
#include "fw.h"

static u64 fwcfg;

static void select_key(u16 key) {
  *(volatile u16 *)(fwcfg + 8) = (u16)((key >> 8) | (key << 8));
}

static void read_bytes(void *buf, u32 n) {
  u8 *b = buf;
  for (u32 i = 0; i < n; i++) b[i] = mmio_r8(fwcfg);
}

static u32 be32(const u8 *b) { return ((u32)b[0] << 24) | ((u32)b[1] << 16) | ((u32)b[2] << 8) | b[3]; }

int fwcfg_init(u64 base) {
  fwcfg = 0;
  if (!base) return -1;
  fwcfg = base;
  u8 sig[4];
  select_key(0x0000);
  read_bytes(sig, 4);
  if (sig[0] != 'Q' || sig[1] != 'E' || sig[2] != 'M' || sig[3] != 'U') { fwcfg = 0; return -1; }
  return 0;
}

/* Reads the named file into buf (NUL-terminated, cut at cap - 1 bytes); its length, or -1 when
   there is no fw_cfg or no such file. */
int fwcfg_file(const char *name, char *buf, u32 cap) {
  if (!fwcfg || !cap) return -1;
  u8 b[64];
  select_key(0x0019);
  read_bytes(b, 4);
  u32 count = be32(b);
  for (u32 i = 0; i < count && i < 4096; i++) {
    read_bytes(b, 64); /* size (BE32), select (BE16), reserved, name[56] */
    b[63] = 0;
    if (!streq((const char *)b + 8, name)) continue;
    u32 size = be32(b), n = size < cap - 1 ? size : cap - 1;
    select_key((u16)((b[4] << 8) | b[5]));
    read_bytes(buf, n);
    buf[n] = 0;
    return (int)n;
  }
  return -1;
}
