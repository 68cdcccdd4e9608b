/* Sequential read throughput through virtio-blk (bench/block/virtio-bench.ts): reads the whole
 * disk PASSES times in REQ-byte requests, one in flight, and prints the bytes read, the CLINT
 * ticks (10 MHz) it took and a sparse checksum so runs on different emulators can be compared. */
#include "virtio.h"

#define REQ (512 * 1024)
#define PASSES 4

struct blk_hdr { u32 type, reserved; u64 sector; };
static struct vq q __attribute__((aligned(4096)));
static struct blk_hdr hdr;
static volatile u8 status;
static u8 buf[REQ] __attribute__((aligned(4096)));

int main(void) {
  int slot = virtio_find(2);
  if (slot < 0) { puts_("no virtio-blk\n"); return 1; }
  volatile u32 *m = VIRTIO_MMIO(slot);
  if (virtio_init(m, 0) < 0 || virtio_queue(m, &q, 0) < 0) { puts_("virtio-blk set-up failed\n"); return 2; }
  m[R(0x70)] = 1 | 2 | 8 | 4;
  u64 sectors = (u64)m[R(0x100)] | ((u64)m[R(0x104)] << 32);
  u64 bytes = 0, sum = 0;
  u64 t0 = *CLINT_MTIME;
  for (int pass = 0; pass < PASSES; pass++) {
    for (u64 s = 0; s < sectors; s += REQ / 512) {
      u64 n = sectors - s < REQ / 512 ? sectors - s : REQ / 512;
      hdr.type = 0; hdr.sector = s;
      status = 0xff;
      vdesc_set(&q.desc[0], &hdr, sizeof hdr, 1, 1);
      vdesc_set(&q.desc[1], buf, (u32)(n * 512), 3, 2);
      vdesc_set(&q.desc[2], (void *)&status, 1, 2, 0);
      virtio_submit(m, &q, 3, 0);
      if (virtio_wait(&q) < 0 || status != 0) { puts_("read failed\n"); return 3; }
      bytes += n * 512;
      for (u64 i = 0; i < n * 512; i += 4096) sum = sum * 31 + *(u64 *)(buf + i);
    }
  }
  u64 ticks = *CLINT_MTIME - t0;
  puts_("bytes "); putdec(bytes); puts_(" ticks "); putdec(ticks); puts_(" sum "); puthex(sum); puts_("\n");
  return 0;
}
