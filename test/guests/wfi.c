/* WFI idling: arm the CLINT timer 300 ms ahead, sleep in WFI until it fires (MIE clear, so
 * no trap), report, power off. Hart 1 (if any) stays parked in WFI all along. The host side
 * checks that the sleep cost almost no host CPU. */
#include "guest.h"

int main(void) {
  puts_("sleeping\n");
  u64 start = *CLINT_MTIME;
  *CLINT_MTIMECMP = start + 3000000; /* 300 ms at 10 MHz */
  csr_set(mie, 1 << 7);
  u64 wakes = 0;
  while (!(csr_read(mip) & (1 << 7))) { __asm__ volatile("wfi"); wakes++; }
  u64 slept = *CLINT_MTIME - start;
  puts_("woke after >= 300 ms: "); puts_(slept >= 3000000 ? "yes" : "no"); puts_("\n");
  return slept >= 3000000 ? 0 : 1;
}
