/* A polled virtio-mmio (version 2) block driver, enough for the prompt's `read`: one request in
   flight on queue 0, no interrupts. Written from the virtio 1.x specification (§2.7, §4.2, §5.2). */
#include "fw.h"

typedef unsigned short u16;
#define QN 4

struct desc { u64 addr; u32 len; u16 flags; u16 next; };
static struct {
  struct desc d[QN] __attribute__((aligned(16)));
  struct { u16 flags, idx, ring[QN], used_event; } avail __attribute__((aligned(2)));
  struct { u16 flags, idx; struct { u32 id, len; } ring[QN]; u16 avail_event; } used __attribute__((aligned(4)));
} q;
static u64 q_owner;
static u16 last_used;
static struct { u32 type, reserved; u64 sector; } req;
static volatile u8 status;

#define fence() __asm__ volatile("fence rw,rw" ::: "memory")

u32 virtio_id(u64 base) {
  if (mmio_r32(base) != 0x74726976 || mmio_r32(base + 4) != 2) return 0;
  return mmio_r32(base + 8);
}

u64 virtio_blk_sectors(u64 base) {
  return mmio_r32(base + 0x100) | ((u64)mmio_r32(base + 0x104) << 32);
}

/* Reset and bring up queue 0 accepting only VIRTIO_F_VERSION_1; 0 on success. */
static int setup(u64 base) {
  if (q_owner == base) return 0;
  q_owner = 0;
  mmio_w32(base + 0x70, 0);
  mmio_w32(base + 0x70, 1);
  mmio_w32(base + 0x70, 1 | 2);
  mmio_w32(base + 0x24, 0); mmio_w32(base + 0x20, 0);
  mmio_w32(base + 0x14, 1);
  if (!(mmio_r32(base + 0x10) & 1)) return -1;
  mmio_w32(base + 0x24, 1); mmio_w32(base + 0x20, 1);
  mmio_w32(base + 0x70, 1 | 2 | 8);
  if (!(mmio_r32(base + 0x70) & 8)) return -1;
  mmio_w32(base + 0x30, 0);
  if (mmio_r32(base + 0x44) != 0 || mmio_r32(base + 0x34) < QN) return -1;
  for (u64 i = 0; i < sizeof q; i++) ((u8 *)&q)[i] = 0;
  last_used = 0;
  mmio_w32(base + 0x38, QN);
  u64 d = (u64)q.d, a = (u64)&q.avail, u = (u64)&q.used;
  mmio_w32(base + 0x80, (u32)d); mmio_w32(base + 0x84, (u32)(d >> 32));
  mmio_w32(base + 0x90, (u32)a); mmio_w32(base + 0x94, (u32)(a >> 32));
  mmio_w32(base + 0xa0, (u32)u); mmio_w32(base + 0xa4, (u32)(u >> 32));
  mmio_w32(base + 0x44, 1);
  mmio_w32(base + 0x70, 1 | 2 | 4 | 8);
  q_owner = base;
  return 0;
}

/* Reads count 512-byte sectors from lba into buf; 0 on success. */
int virtio_blk_read(u64 base, u64 lba, void *buf, u32 count) {
  if (setup(base)) return -1;
  req.type = 0; /* VIRTIO_BLK_T_IN */
  req.reserved = 0;
  req.sector = lba;
  status = 0xff;
  q.d[0] = (struct desc){ (u64)&req, sizeof req, 1, 1 };
  q.d[1] = (struct desc){ (u64)buf, count * 512, 1 | 2, 2 };
  q.d[2] = (struct desc){ (u64)&status, 1, 2, 0 };
  q.avail.ring[q.avail.idx % QN] = 0;
  fence();
  q.avail.idx++;
  fence();
  mmio_w32(base + 0x50, 0);
  for (u64 spin = 0; spin < 100000000UL; spin++) {
    fence();
    if (*(volatile u16 *)&q.used.idx != last_used) {
      last_used++;
      mmio_w32(base + 0x64, mmio_r32(base + 0x60));
      return status == 0 ? 0 : -1;
    }
  }
  q_owner = 0; /* the device may still own the buffers: start over next time */
  return -1;
}
