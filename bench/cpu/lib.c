#include "guest.h"
void guest_exit(int code) {
  *TEST_DEV = code == 0 ? 0x5555 : (0x3333 | ((u32)code << 16));
  for (;;) __asm__ volatile("wfi");
}
