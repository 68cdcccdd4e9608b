/* The payload test/firmware/boot.test.ts boots from a disk carrying emu's boot header: it shows
   what the firmware handed it (hart, privilege, the device tree and its /memreserve/ entry) through
   the SBI console and powers off with SBI SRST. */
typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

static long sbi(long ext, long fid, long a0, long a1) {
  register long r0 __asm__("a0") = a0, r1 __asm__("a1") = a1;
  register long r6 __asm__("a6") = fid, r7 __asm__("a7") = ext;
  __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r6), "r"(r7) : "memory");
  return r0;
}
static void putc_(char c) { sbi(0x01, 0, c, 0); }
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void hex(u64 v) {
  puts_("0x");
  int started = 0;
  for (int i = 60; i >= 0; i -= 4) {
    int d = (v >> i) & 15;
    if (d || started || i == 0) { putc_("0123456789abcdef"[d]); started = 1; }
  }
}
static u32 be32(const u8 *p) { return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3]; }
static u64 be64(const u8 *p) { return ((u64)be32(p) << 32) | be32(p + 4); }

void main(u64 hartid, const u8 *dtb) {
  puts_("boot payload: hart ");
  hex(hartid);
  /* sstatus is readable only from S-mode or above; a U-mode entry would trap here. */
  u64 sstatus;
  __asm__ volatile("csrr %0, sstatus" : "=r"(sstatus));
  puts_(", S-mode, dtb ");
  if (be32(dtb) == 0xd00dfeed) {
    puts_("ok, memreserve ");
    const u8 *rsv = dtb + be32(dtb + 16);
    hex(be64(rsv));
    puts_("+");
    hex(be64(rsv + 8));
  } else {
    puts_("missing");
  }
  puts_("\r\n");
  sbi(0x53525354, 0, 0, 0); /* SRST: shutdown */
  for (;;) __asm__ volatile("wfi");
}
