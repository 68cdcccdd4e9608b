/* A minimal polled virtio-mmio (version 2) driver for the test guests: one transport, split
 * queues with one request in flight, optional indirect descriptors. No interrupts: the guest
 * spins on the used ring (bounded), which keeps the tests deterministic. */
#ifndef VIRTIO_H
#define VIRTIO_H
#include "guest.h"
typedef unsigned short u16;

#define VIRTIO_MMIO(i) ((volatile u32 *)(0x10001000UL + (u64)(i) * 0x1000UL))
#define R(off) ((off) / 4)
#define VQ_NUM 8

struct vdesc { u64 addr; u32 len; u16 flags; u16 next; };
struct vavail { u16 flags; u16 idx; u16 ring[VQ_NUM]; u16 used_event; };
struct vused_elem { u32 id; u32 len; };
struct vused { u16 flags; u16 idx; struct vused_elem ring[VQ_NUM]; u16 avail_event; };

struct vq {
  struct vdesc desc[VQ_NUM] __attribute__((aligned(16)));
  struct vavail avail __attribute__((aligned(4)));
  struct vused used __attribute__((aligned(4)));
  struct vdesc indirect[16] __attribute__((aligned(16)));
  u16 last_used;
  u32 index;
};

#define mb() __asm__ volatile("fence rw,rw" ::: "memory")

static inline int virtio_find(u32 device_id) {
  for (int i = 0; i < 8; i++) {
    volatile u32 *m = VIRTIO_MMIO(i);
    if (m[R(0)] == 0x74726976 && m[R(4)] == 2 && m[R(8)] == device_id) return i;
  }
  return -1;
}

/* Reset, acknowledge, negotiate (the driver's wanted bits that the device offers) and return
 * the accepted feature bits of the low word, or -1 when FEATURES_OK does not stick. */
static inline i64 virtio_init(volatile u32 *m, u32 want_lo) {
  m[R(0x70)] = 0;
  m[R(0x70)] = 1;
  m[R(0x70)] = 1 | 2;
  m[R(0x14)] = 0;
  u32 lo = m[R(0x10)] & want_lo;
  m[R(0x14)] = 1;
  u32 hi = m[R(0x10)] & 1; /* VIRTIO_F_VERSION_1 */
  m[R(0x24)] = 0; m[R(0x20)] = lo;
  m[R(0x24)] = 1; m[R(0x20)] = hi;
  m[R(0x70)] = 1 | 2 | 8;
  if (!(m[R(0x70)] & 8)) return -1;
  return lo;
}

static inline int virtio_queue(volatile u32 *m, struct vq *q, u32 index) {
  m[R(0x30)] = index;
  if (m[R(0x44)] != 0 || m[R(0x34)] < VQ_NUM) return -1;
  m[R(0x38)] = VQ_NUM;
  u64 d = (u64)q->desc, a = (u64)&q->avail, u = (u64)&q->used;
  m[R(0x80)] = (u32)d; m[R(0x84)] = (u32)(d >> 32);
  m[R(0x90)] = (u32)a; m[R(0x94)] = (u32)(a >> 32);
  m[R(0xa0)] = (u32)u; m[R(0xa4)] = (u32)(u >> 32);
  m[R(0x44)] = 1;
  q->index = index;
  q->last_used = 0;
  return m[R(0x44)] == 1 ? 0 : -1;
}

/* Makes descriptor chain 0..n-1 (already filled) available; with `indirect`, the n descriptors
 * sit in q->indirect and one INDIRECT descriptor points at them. */
static inline void virtio_submit(volatile u32 *m, struct vq *q, int n, int indirect) {
  if (indirect) {
    q->desc[0].addr = (u64)q->indirect;
    q->desc[0].len = (u32)(n * sizeof(struct vdesc));
    q->desc[0].flags = 4;
    q->desc[0].next = 0;
  }
  q->avail.ring[q->avail.idx % VQ_NUM] = 0;
  mb();
  q->avail.idx++;
  mb();
  m[R(0x50)] = q->index;
}

/* Waits (bounded) for the next used element; returns its length, or -1 on timeout. */
static inline i64 virtio_wait(struct vq *q) {
  for (u64 spin = 0; spin < 200000000UL; spin++) {
    mb();
    if (*(volatile u16 *)&q->used.idx != q->last_used) {
      u32 len = q->used.ring[q->last_used % VQ_NUM].len;
      q->last_used++;
      return len;
    }
  }
  return -1;
}

static inline void vdesc_set(struct vdesc *d, void *addr, u32 len, u16 flags, u16 next) {
  d->addr = (u64)addr; d->len = len; d->flags = flags; d->next = next;
}

static inline void *memset_(void *p, int c, u64 n) { u8 *b = p; while (n--) *b++ = (u8)c; return p; }
static inline void *memcpy_(void *d, const void *s, u64 n) { u8 *a = d; const u8 *b = s; while (n--) *a++ = *b++; return d; }
static inline u32 fnv1a(const u8 *p, u64 n) { u32 h = 2166136261u; while (n--) { h ^= *p++; h *= 16777619u; } return h; }
#endif
