/* The ns16550a serial console and a printf small enough for the banner. */
#include <stdarg.h>
#include "fw.h"

static u64 uart = 0x10000000UL; /* virt's UART0, until the device tree says otherwise */

void uart_init(u64 base) { if (base) uart = base; }

void putchar_(int c) {
  while (!(mmio_r8(uart + 5) & 0x20)) {}
  mmio_w8(uart, (u8)c);
}

int getchar_(void) {
  if (!(mmio_r8(uart + 5) & 1)) return -1;
  return mmio_r8(uart);
}

void puts_(const char *s) {
  for (; *s; s++) {
    if (*s == '\n') putchar_('\r');
    putchar_(*s);
  }
}

static void put_num(u64 v, unsigned base, int width, char pad) {
  char buf[24];
  int n = 0;
  do { buf[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
  while (n < width) buf[n++] = pad;
  while (n) putchar_(buf[--n]);
}

/* %s %c %d %u %x with an optional zero-padded width and l (the value is 64-bit either way). */
void printf_(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      if (*fmt == '\n') putchar_('\r');
      putchar_(*fmt);
      continue;
    }
    fmt++;
    char pad = ' ';
    int width = 0;
    if (*fmt == '0') pad = '0';
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    int lng = 0;
    while (*fmt == 'l') { lng = 1; fmt++; }
    switch (*fmt) {
      case 's': { const char *s = va_arg(ap, const char *); int n = strlen_(s); puts_(s); while (n++ < width) putchar_(' '); break; }
      case 'c': putchar_(va_arg(ap, int)); break;
      case 'd': {
        i64 v = lng ? va_arg(ap, i64) : va_arg(ap, int);
        if (v < 0) { putchar_('-'); v = -v; }
        put_num((u64)v, 10, width, pad);
        break;
      }
      case 'u': put_num(lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 10, width, pad); break;
      case 'x': put_num(lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 16, width, pad); break;
      case '%': putchar_('%'); break;
      default: putchar_('?');
    }
  }
  va_end(ap);
}

int strlen_(const char *s) { int n = 0; while (s[n]) n++; return n; }
int streq(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }
int strneq(const char *a, const char *b, int n) {
  for (int i = 0; i < n; i++) { if (a[i] != b[i]) return 0; if (!a[i]) return 1; }
  return 1;
}
