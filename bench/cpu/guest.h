/* Tiny runtime for the test guests: UART0 output and the sifive,test finisher. */
#ifndef GUEST_H
#define GUEST_H
typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef int i32;
typedef unsigned char u8;

#define UART0 ((volatile u8 *)0x10000000UL)
#define TEST_DEV ((volatile u32 *)0x100000UL)
#define CLINT_MSIP ((volatile u32 *)0x2000000UL)
#define CLINT_MTIMECMP ((volatile u64 *)0x2004000UL)
#define CLINT_MTIME ((volatile u64 *)0x200bff8UL)
#define PLIC ((volatile u32 *)0xc000000UL)

#define csr_read(csr) ({ u64 __v; __asm__ volatile("csrr %0, " #csr : "=r"(__v)); __v; })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"((u64)(val)))
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" ::"rK"((u64)(val)))
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" ::"rK"((u64)(val)))

static inline void putc_(char c) {
  while (!(UART0[5] & 0x20)) {}
  UART0[0] = (u8)c;
}
static inline void puts_(const char *s) { while (*s) { if (*s == '\n') putc_('\r'); putc_(*s++); } }
static inline void puthex(u64 v) {
  puts_("0x");
  for (int i = 60; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]);
}
static inline void putdec(u64 v) {
  char b[24]; int n = 0;
  do { b[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (n) putc_(b[--n]);
}
static int failures;
static inline void check(const char *name, u64 got, u64 want) {
  puts_(name); puts_(got == want ? " ok " : " FAIL "); puthex(got);
  if (got != want) { puts_(" want "); puthex(want); failures++; }
  puts_("\n");
}
void guest_exit(int code) __attribute__((noreturn));
#endif
