/* Self-modifying code: a routine in writable memory is run until it is hot (compiled by emu's
 * block compiler), patched, and after fence.i the new instructions must run; also code copied
 * to a new address (as firmware relocating itself does). */
#include "guest.h"

static u32 code[4] __attribute__((aligned(8))) = {
  0x00100513, /* li a0, 1 */
  0x00008067, /* ret */
};
static u32 copy[4] __attribute__((aligned(8)));

static u64 call(u32 *fn) { return ((u64 (*)(void))fn)(); }

int main(void) {
  puts_("smc test\n");
  u64 sum = 0;
  for (int i = 0; i < 3000; i++) sum += call(code);
  check("before patch", sum, 3000);
  code[0] = 0x00200513; /* li a0, 2 */
  __asm__ volatile("fence.i" ::: "memory");
  sum = 0;
  for (int i = 0; i < 3000; i++) sum += call(code);
  check("after patch + fence.i", sum, 6000);
  for (int i = 0; i < 2; i++) copy[i] = code[i];
  copy[0] = 0x00300513; /* li a0, 3 */
  __asm__ volatile("fence.i" ::: "memory");
  check("copied code", call(copy), 3);
  puts_(failures ? "smc FAILED\n" : "smc PASSED\n");
  return failures;
}
