/* Reads the few facts the firmware reports from the flattened device tree (Devicetree
   Specification, chapter 5). The virt board uses #address-cells = #size-cells = 2 throughout. */
#include "fw.h"

static u32 be32(const void *p) {
  const u8 *b = p;
  return ((u32)b[0] << 24) | ((u32)b[1] << 16) | ((u32)b[2] << 8) | b[3];
}
static u64 be64(const void *p) { return ((u64)be32(p) << 32) | be32((const u8 *)p + 4); }

static int starts(const char *s, const char *prefix) {
  while (*prefix) if (*s++ != *prefix++) return 0;
  return 1;
}

static void copy(char *dst, const char *src, int cap) {
  int i = 0;
  for (; i < cap - 1 && src[i]; i++) dst[i] = src[i];
  dst[i] = 0;
}

int fdt_scan(const void *fdt, struct machine_info *mi) {
  const u8 *base = fdt;
  if (!fdt || be32(base) != 0xd00dfeed) return -1;
  const u8 *p = base + be32(base + 8);
  const char *strings = (const char *)base + be32(base + 12);
  const char *path[8] = {0};
  int depth = 0;
  for (;;) {
    u32 tok = be32(p);
    p += 4;
    if (tok == 1) { /* BEGIN_NODE */
      const char *name = (const char *)p;
      if (depth < 8) path[depth] = name;
      depth++;
      p += (strlen_(name) + 4) & ~3;
    } else if (tok == 2) { /* END_NODE */
      depth--;
    } else if (tok == 3) { /* PROP */
      u32 len = be32(p), nameoff = be32(p + 4);
      const u8 *val = p + 8;
      const char *prop = strings + nameoff;
      const char *node = depth >= 1 && depth <= 8 ? path[depth - 1] : "";
      const char *parent = depth >= 2 && depth <= 9 ? path[depth - 2] : "";
      if (depth == 1 && streq(prop, "model")) copy(mi->model, (const char *)val, sizeof mi->model);
      if (depth == 2 && starts(node, "memory@") && streq(prop, "reg")) {
        for (u32 o = 0; o + 16 <= len; o += 16) {
          u64 b = be64(val + o), s = be64(val + o + 8);
          if (!mi->mem_size || b < mi->mem_base) mi->mem_base = b;
          mi->mem_size += s;
        }
      }
      /* virt puts fw_cfg at the root, not under /soc */
      if (depth == 2 && starts(node, "fw-cfg@") && streq(prop, "reg") && len >= 8 && !mi->fwcfg_base) mi->fwcfg_base = be64(val);
      if (depth == 3 && streq(parent, "cpus") && starts(node, "cpu@") && streq(prop, "device_type")) mi->harts++;
      if (depth == 3 && streq(parent, "soc") && streq(prop, "reg") && len >= 8) {
        if (starts(node, "virtio_mmio@") && mi->nvirtio < 32) mi->virtio[mi->nvirtio++].base = be64(val);
        if (starts(node, "serial@") && !mi->uart_base) mi->uart_base = be64(val);
      }
      if (depth == 3 && streq(parent, "soc") && starts(node, "serial@") && streq(prop, "compatible"))
        copy(mi->uart_compat, (const char *)val, sizeof mi->uart_compat);
      p += 8 + ((len + 3) & ~3);
    } else if (tok == 4) { /* NOP */
    } else {
      break; /* END, or something this reader does not understand */
    }
  }
  /* The transports in device-tree order, highest address first as virt lists them: the order in
     which a kernel probes them, and the first -drive's disk comes first (disk0). */
  return 0;
}

static void put_be32(u8 *p, u32 v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static void put_be64(u8 *p, u64 v) { put_be32(p, v >> 32); put_be32(p + 4, (u32)v); }

/* Adds a /memreserve/ entry in front of the reservation block so the payload leaves the
   firmware's memory alone. The blob grows by 16 bytes in place: the loader puts it at a 2 MiB
   boundary below the end of RAM with room after it, and the payload reads it from there. */
int fdt_reserve(void *fdt, u64 base, u64 size, u64 limit) {
  u8 *b = fdt;
  if (!fdt || be32(b) != 0xd00dfeed) return -1;
  u32 total = be32(b + 4), off_struct = be32(b + 8), off_strings = be32(b + 12), off_rsv = be32(b + 16);
  if ((u64)b + total + 16 > limit || off_struct < off_rsv || off_strings < off_rsv) return -1;
  for (u32 i = total; i-- > off_rsv;) b[i + 16] = b[i];
  put_be64(b + off_rsv, base);
  put_be64(b + off_rsv + 8, size);
  put_be32(b + 4, total + 16);
  put_be32(b + 8, off_struct + 16);
  put_be32(b + 12, off_strings + 16);
  return 0;
}
