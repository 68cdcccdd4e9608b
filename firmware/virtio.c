/* Polled virtio-mmio (version 2) transport: one queue per device, one request (or one batch of
   requests) in flight, no interrupts. Written from the virtio 1.x specification (§2.7, §4.2); the block and SCSI drivers
   (§5.2, §5.6) build their requests on virtio_request(). Each device is reset and set up once, at
   its first request, and left running until a payload takes over: a reset has side effects (QEMU's
   virtio-scsi resets its units, which closes a CD tray the guest opened). */
#include "fw.h"

#define QN 64 /* descriptors: a batch of 16 three-buffer SCSI requests fits */
#define MAX_QUEUES 8 /* devices set up at once: virt has eight transports */

struct desc { u64 addr; u32 len; u16 flags; u16 next; };
struct vq {
  struct desc d[QN] __attribute__((aligned(16)));
  struct { u16 flags, idx, ring[QN], used_event; } avail __attribute__((aligned(2)));
  struct { u16 flags, idx; struct { u32 id, len; } ring[QN]; u16 avail_event; } used __attribute__((aligned(4)));
};
static struct vq queues[MAX_QUEUES] __attribute__((aligned(16)));
static struct { u64 base; u32 queue; u16 last_used, size; } owner[MAX_QUEUES];
static int nqueues;

#define fence() __asm__ volatile("fence rw,rw" ::: "memory")

u32 virtio_id(u64 base) {
  if (mmio_r32(base) != 0x74726976 || mmio_r32(base + 4) != 2) return 0;
  return mmio_r32(base + 8);
}

u32 virtio_config32(u64 base, u32 offset) { return mmio_r32(base + 0x100 + offset); }

/* Resets every device the firmware set up, so a payload finds them as after power-on. */
void virtio_release(void) {
  for (int i = 0; i < nqueues; i++)
    if (owner[i].base) mmio_w32(owner[i].base + 0x70, 0);
  nqueues = 0;
}

static void forget(int slot) {
  mmio_w32(owner[slot].base + 0x70, 0);
  owner[slot].base = 0;
}

/* The slot of base's queue, resetting the device, accepting only VIRTIO_F_VERSION_1, letting the
   device-specific driver write its configuration and bringing the queue up the first time; -1 on
   failure. */
static int setup(u64 base, u32 queue, void (*configure)(u64 base)) {
  for (int i = 0; i < nqueues; i++) {
    if (owner[i].base != base) continue;
    if (owner[i].queue == queue) return i;
    forget(i);
    break;
  }
  int slot = 0;
  while (slot < nqueues && owner[slot].base) slot++;
  if (slot == MAX_QUEUES) { virtio_release(); slot = 0; }
  struct vq *q = &queues[slot];
  mmio_w32(base + 0x70, 0);
  mmio_w32(base + 0x70, 1);
  mmio_w32(base + 0x70, 1 | 2);
  mmio_w32(base + 0x24, 0); mmio_w32(base + 0x20, 0);
  mmio_w32(base + 0x14, 1);
  if (!(mmio_r32(base + 0x10) & 1)) return -1;
  mmio_w32(base + 0x24, 1); mmio_w32(base + 0x20, 1);
  mmio_w32(base + 0x70, 1 | 2 | 8);
  if (!(mmio_r32(base + 0x70) & 8)) return -1;
  if (configure) configure(base);
  mmio_w32(base + 0x30, queue);
  u32 max = mmio_r32(base + 0x34), size = QN;
  while (size > max) size >>= 1; /* a power of two the device allows (split rings, §2.7) */
  if (mmio_r32(base + 0x44) != 0 || size < 4) return -1;
  for (u64 i = 0; i < sizeof *q; i++) ((u8 *)q)[i] = 0;
  mmio_w32(base + 0x38, size);
  u64 d = (u64)q->d, a = (u64)&q->avail, u = (u64)&q->used;
  mmio_w32(base + 0x80, (u32)d); mmio_w32(base + 0x84, (u32)(d >> 32));
  mmio_w32(base + 0x90, (u32)a); mmio_w32(base + 0x94, (u32)(a >> 32));
  mmio_w32(base + 0xa0, (u32)u); mmio_w32(base + 0xa4, (u32)(u >> 32));
  mmio_w32(base + 0x44, 1);
  mmio_w32(base + 0x70, 1 | 2 | 4 | 8);
  owner[slot].base = base;
  owner[slot].queue = queue;
  owner[slot].last_used = 0;
  owner[slot].size = (u16)size;
  if (slot == nqueues) nqueues++;
  return slot;
}

u64 time_now(void) { return *(volatile u64 *)CLINT_MTIME; }

/* Puts nchains requests on `queue` of the device at base in one go (chain i is the next counts[i]
   of bufs, device-readable ones first), notifies once, and polls for all of them for at most
   timeout_ms. Returns the bytes the device wrote into the last chain, or -1. */
i64 virtio_requests(u64 base, u32 queue, void (*configure)(u64), const struct vbuf *bufs, const int *counts, int nchains, u32 timeout_ms) {
  int total = 0;
  for (int i = 0; i < nchains; i++) {
    if (counts[i] < 1) return -1;
    total += counts[i];
  }
  int slot = nchains < 1 ? -1 : setup(base, queue, configure);
  if (slot < 0 || total > owner[slot].size) return -1;
  struct vq *q = &queues[slot];
  u16 size = owner[slot].size;
  u16 head_of_last = 0;
  for (int i = 0, d = 0; i < nchains; i++) {
    q->avail.ring[(u16)(q->avail.idx + i) % size] = (u16)d;
    head_of_last = (u16)d;
    for (int j = 0; j < counts[i]; j++, d++, bufs++)
      q->d[d] = (struct desc){ (u64)bufs->addr, bufs->len, (u16)((j + 1 < counts[i] ? 1 : 0) | (bufs->in ? 2 : 0)), (u16)(d + 1) };
  }
  fence();
  q->avail.idx += (u16)nchains;
  fence();
  mmio_w32(base + 0x50, queue);
  u64 deadline = 0;
  i64 written = 0;
  for (int done = 0; done < nchains;) {
    fence();
    if (*(volatile u16 *)&q->used.idx != owner[slot].last_used) {
      u16 k = owner[slot].last_used % size;
      if (q->used.ring[k].id == head_of_last) written = q->used.ring[k].len;
      owner[slot].last_used++;
      done++;
      continue;
    }
    /* The clock is read only when the device did not answer during the notify. */
    if (!deadline) deadline = time_now() + (u64)timeout_ms * (TIMEBASE_HZ / 1000);
    else if (time_now() > deadline) {
      forget(slot); /* the device may still own the buffers: reset it and start over next time */
      return -1;
    }
  }
  mmio_w32(base + 0x64, mmio_r32(base + 0x60));
  return written;
}

i64 virtio_request(u64 base, u32 queue, void (*configure)(u64), const struct vbuf *bufs, int n, u32 timeout_ms) {
  return virtio_requests(base, queue, configure, bufs, &n, 1, timeout_ms);
}

/* ---- virtio-blk ---- */

u64 virtio_blk_sectors(u64 base) {
  return mmio_r32(base + 0x100) | ((u64)mmio_r32(base + 0x104) << 32);
}

static struct { u32 type, reserved; u64 sector; } blk_req;
static volatile u8 blk_status;

/* Reads count 512-byte sectors from lba into buf; 0 on success. */
int virtio_blk_read(u64 base, u64 lba, void *buf, u32 count) {
  blk_req.type = 0; /* VIRTIO_BLK_T_IN */
  blk_req.reserved = 0;
  blk_req.sector = lba;
  blk_status = 0xff;
  struct vbuf b[3] = { { &blk_req, sizeof blk_req, 0 }, { buf, count * 512, 1 }, { (void *)&blk_status, 1, 1 } };
  if (virtio_request(base, 0, 0, b, 3, 5000) < 0) return -1;
  return blk_status == 0 ? 0 : -1;
}
