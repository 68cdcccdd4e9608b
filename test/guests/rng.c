/* virtio-rng (virtio 1.x §5.4) as a guest driver uses it: find the device on the virt board's
   virtio-mmio transports (version 2 registers: QEMU needs -global virtio-mmio.force-legacy=false),
   negotiate no features, set up queue 0, and read entropy into buffers of several sizes and layouts.
   Printed: where the device is and what came back (lengths, whether the bytes vary), never the bytes,
   so the transcript can be compared with QEMU 7.2's. */
#include "guest.h"

typedef unsigned short u16;
#define MMIO(slot) (0x10001000UL + 0x1000UL * (slot))
#define R(b, off) (*(volatile u32 *)((b) + (off)))

#define QN 8
struct desc { u64 addr; u32 len; u16 flags, next; };
static struct desc descs[QN] __attribute__((aligned(4096)));
static struct { u16 flags, idx, ring[QN], used_event; } avail __attribute__((aligned(4096)));
static struct { u16 flags, idx; struct { u32 id, len; } ring[QN]; u16 avail_event; } used __attribute__((aligned(4096)));
static u8 pool[512];
static u16 last_used;

static u32 request(u64 base, int nsegs, const u32 *lens, u8 *at) {
  u8 *p = at;
  for (int i = 0; i < nsegs; i++) {
    descs[i].addr = (u64)p;
    descs[i].len = lens[i];
    descs[i].flags = (u16)(2 | (i + 1 < nsegs ? 1 : 0)); /* WRITE, NEXT */
    descs[i].next = (u16)(i + 1);
    p += lens[i] + 16;
  }
  avail.ring[avail.idx % QN] = 0;
  __asm__ volatile("fence rw,rw" ::: "memory");
  avail.idx++;
  __asm__ volatile("fence rw,rw" ::: "memory");
  R(base, 0x050) = 0;
  for (u32 spin = 0; *(volatile u16 *)&used.idx == last_used; spin++) {
    if (spin > 100000000) { puts_("timeout\n"); return 0; }
  }
  __asm__ volatile("fence rw,rw" ::: "memory");
  u32 len = used.ring[last_used % QN].len;
  last_used++;
  R(base, 0x064) = R(base, 0x060); /* acknowledge the interrupt */
  return len;
}

/* Byte loops through a volatile pointer: -O2 would otherwise call memset, which the guests lack. */
static void clear(u8 *p, u32 n) { volatile u8 *v = p; for (u32 i = 0; i < n; i++) v[i] = 0; }

static int varies(const u8 *p, u32 n) {
  int distinct = 0;
  u8 seen[256];
  clear(seen, sizeof seen);
  for (u32 i = 0; i < n; i++) if (!seen[p[i]]++) distinct++;
  return distinct > (int)(n / 4);
}

int main(void) {
  u64 base = 0;
  for (int slot = 0; slot < 8; slot++) {
    u64 b = MMIO(slot);
    if (R(b, 0x000) != 0x74726976 || R(b, 0x008) != 4) continue;
    puts_("virtio-rng at slot "); putdec((u64)slot); puts_(", version "); putdec(R(b, 0x004)); puts_("\n");
    base = b;
  }
  if (!base) { puts_("no virtio-rng\n"); return 1; }
  R(base, 0x070) = 0;
  R(base, 0x070) = 1 | 2;
  R(base, 0x014) = 0;
  check("device features", R(base, 0x010) & 0x0fffffff, 0);
  R(base, 0x024) = 0; R(base, 0x020) = 0;
  R(base, 0x024) = 1; R(base, 0x020) = 1; /* VIRTIO_F_VERSION_1 */
  R(base, 0x070) = 1 | 2 | 8;
  check("features ok", R(base, 0x070) & 8, 8);
  R(base, 0x030) = 0;
  check("queue max >= 8", R(base, 0x034) >= QN, 1);
  R(base, 0x038) = QN;
  R(base, 0x080) = (u32)(u64)descs; R(base, 0x084) = (u32)((u64)descs >> 32);
  R(base, 0x090) = (u32)(u64)&avail; R(base, 0x094) = (u32)((u64)&avail >> 32);
  R(base, 0x0a0) = (u32)(u64)&used; R(base, 0x0a4) = (u32)((u64)&used >> 32);
  R(base, 0x044) = 1;
  R(base, 0x070) = 1 | 2 | 8 | 4;

  static const u32 one64[] = {64}, one256[] = {256}, split[] = {16, 48};
  for (int round = 0; round < 2; round++) {
    clear(pool, sizeof pool);
    u32 n = request(base, 1, one64, pool);
    puts_("read "); putdec(n); puts_(" bytes, varied "); putdec((u64)varies(pool, 64)); puts_("\n");
  }
  u32 n = request(base, 1, one256, pool);
  puts_("read "); putdec(n); puts_(" bytes, varied "); putdec((u64)varies(pool, 256)); puts_("\n");
  clear(pool, sizeof pool);
  n = request(base, 2, split, pool);
  puts_("read "); putdec(n); puts_(" bytes in two segments, varied ");
  putdec((u64)(varies(pool, 16) && varies(pool + 32, 48))); puts_(", gap untouched ");
  putdec((u64)(pool[16] == 0 && pool[31] == 0)); puts_("\n");
  return failures;
}
