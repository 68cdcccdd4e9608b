/* CPU-bound guest for measuring interpreter speed: bitwise CRC-32 over a buffer, then a
 * shell sort and a heap sort of pseudo-random 64-bit keys, repeated ROUNDS times. Prints
 * one checksum so a wrong interpreter cannot look fast, then powers off. */
#include "guest.h"
#ifndef ROUNDS
#define ROUNDS 20
#endif
#define N 4096
static u8 buf[16384];
static u64 a[N], b[N];

static u32 crc32(const u8 *p, u64 n, u32 crc) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}
static void shellsort(u64 *v, int n) {
  for (int gap = n / 2; gap > 0; gap /= 2)
    for (int i = gap; i < n; i++) {
      u64 t = v[i]; int j = i;
      for (; j >= gap && v[j - gap] > t; j -= gap) v[j] = v[j - gap];
      v[j] = t;
    }
}
static void sift(u64 *v, int start, int end) {
  int root = start;
  while (2 * root + 1 <= end) {
    int child = 2 * root + 1, sw = root;
    if (v[sw] < v[child]) sw = child;
    if (child + 1 <= end && v[sw] < v[child + 1]) sw = child + 1;
    if (sw == root) return;
    u64 t = v[root]; v[root] = v[sw]; v[sw] = t; root = sw;
  }
}
static void heapsort(u64 *v, int n) {
  for (int s = (n - 2) / 2; s >= 0; s--) sift(v, s, n - 1);
  for (int e = n - 1; e > 0; e--) { u64 t = v[e]; v[e] = v[0]; v[0] = t; sift(v, 0, e - 1); }
}

int main(void) {
  u64 x = 0x9e3779b97f4a7c15UL, sum = 0;
  for (unsigned i = 0; i < sizeof buf; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; buf[i] = (u8)x; }
  for (int r = 0; r < ROUNDS; r++) {
    u32 c = crc32(buf, sizeof buf, (u32)r);
    for (int i = 0; i < N; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; a[i] = b[i] = x; }
    shellsort(a, N);
    heapsort(b, N);
    for (int i = 0; i < N; i++) if (a[i] != b[i]) { puts_("sort mismatch\n"); return 1; }
    sum = sum * 31 + c + a[N / 2] + a[17];
  }
  puts_("cpubench checksum "); puthex(sum); puts_("\n");
  return 0;
}
