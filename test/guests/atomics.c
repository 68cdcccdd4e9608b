/* A extension: every AMO in .w and .d form (old value returned, memory updated, .w results
 * sign-extended), LR/SC success, SC failure without a reservation and after the reservation
 * was consumed, and an LR/SC counter loop. */
#include "guest.h"

static volatile u64 d;
static volatile u32 w[2];

#define AMO_D(op, val) ({ u64 __r; __asm__ volatile(op ".d %0, %2, (%1)" : "=r"(__r) : "r"(&d), "r"((u64)(val)) : "memory"); __r; })
#define AMO_W(op, val) ({ u64 __r; __asm__ volatile(op ".w %0, %2, (%1)" : "=r"(__r) : "r"(&w[0]), "r"((u64)(val)) : "memory"); __r; })

int main(void) {
  puts_("atomics test\n");
  d = 10;
  check("amoadd.d old", AMO_D("amoadd", 5), 10); check("amoadd.d new", d, 15);
  check("amoswap.d", AMO_D("amoswap", 0x8000000000000001UL), 15); check("amoswap.d new", d, 0x8000000000000001UL);
  check("amoxor.d", AMO_D("amoxor", 3), 0x8000000000000001UL); check("amoxor.d new", d, 0x8000000000000002UL);
  check("amoor.d", AMO_D("amoor", 0x10), 0x8000000000000002UL); check("amoor.d new", d, 0x8000000000000012UL);
  check("amoand.d", AMO_D("amoand", 0xff), 0x8000000000000012UL); check("amoand.d new", d, 0x12);
  d = (u64)-5;
  AMO_D("amomin", 3); check("amomin.d", d, (u64)-5);
  AMO_D("amomax", 3); check("amomax.d", d, 3);
  d = (u64)-5;
  AMO_D("amominu", 3); check("amominu.d", d, 3);
  AMO_D("amomaxu", (u64)-1); check("amomaxu.d", d, (u64)-1);
  w[0] = 0x7fffffff; w[1] = 0x55555555;
  check("amoadd.w old", AMO_W("amoadd", 1), 0x7fffffff); check("amoadd.w new", w[0], 0x80000000);
  check("amoadd.w sext", AMO_W("amoadd", 0), 0xffffffff80000000UL);
  check("amoswap.w", AMO_W("amoswap", 0x1234), 0xffffffff80000000UL); check("amoswap.w new", w[0], 0x1234);
  check("amoxor.w", AMO_W("amoxor", 0xffffffff), 0x1234); check("amoxor.w new", w[0], 0xffffedcb);
  check("amoand.w", AMO_W("amoand", 0xff), 0xffffffffffffedcbUL); check("amoand.w new", w[0], 0xcb);
  check("amoor.w", AMO_W("amoor", 0x100), 0xcb); check("amoor.w new", w[0], 0x1cb);
  w[0] = 0xfffffffe; AMO_W("amomin", 1); check("amomin.w", w[0], 0xfffffffe);
  AMO_W("amomax", 1); check("amomax.w", w[0], 1);
  w[0] = 0xfffffffe; AMO_W("amominu", 1); check("amominu.w", w[0], 1);
  AMO_W("amomaxu", 0x80000000); check("amomaxu.w", w[0], 0x80000000);
  check("neighbour untouched", w[1], 0x55555555);
  /* LR/SC */
  u64 v, rc;
  d = 100;
  __asm__ volatile("lr.d %0, (%2)\n sc.d %1, %3, (%2)" : "=&r"(v), "=&r"(rc) : "r"(&d), "r"(200UL) : "memory");
  check("lr.d value", v, 100); check("sc.d success", rc, 0); check("sc.d stored", d, 200);
  __asm__ volatile("sc.d %0, %2, (%1)" : "=&r"(rc) : "r"(&d), "r"(300UL) : "memory");
  check("sc.d without reservation fails", rc != 0, 1); check("sc.d failed store", d, 200);
  w[0] = 0xfffffff0;
  __asm__ volatile("lr.w %0, (%2)\n sc.w %1, %3, (%2)" : "=&r"(v), "=&r"(rc) : "r"(&w[0]), "r"(7UL) : "memory");
  check("lr.w sext", v, 0xfffffffffffffff0UL); check("sc.w success", rc, 0); check("sc.w stored", w[0], 7);
  /* an LR/SC increment loop */
  d = 0;
  for (int i = 0; i < 1000; i++) {
    __asm__ volatile("1: lr.d.aq %0, (%1)\n addi %0, %0, 3\n sc.d.rl %0, %0, (%1)\n bnez %0, 1b" : "=&r"(v) : "r"(&d) : "memory");
  }
  check("lr/sc loop", d, 3000);
  puts_(failures ? "atomics FAILED\n" : "atomics PASSED\n");
  return failures;
}
