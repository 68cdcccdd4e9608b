/* RV64I + M + C: arithmetic, shifts, compares, branches, loads/stores of every width,
 * sign/zero extension, W forms, MUL/MULH/DIV/REM edge cases. The compiler emits compressed
 * forms for most of the plain C; the asm blocks pin the exact instructions under test. */
#include "guest.h"

#define OP2(insn, a, b) ({ u64 __r; __asm__ volatile(insn " %0, %1, %2" : "=r"(__r) : "r"((u64)(a)), "r"((u64)(b))); __r; })
#define OPI(insn, a, imm) ({ u64 __r; __asm__ volatile(insn " %0, %1, " #imm : "=r"(__r) : "r"((u64)(a))); __r; })

static volatile u64 mem[4];
static volatile u64 vals[] = { 0, 1, 0xffffffffffffffffUL, 0x8000000000000000UL, 0x7fffffffffffffffUL,
  0x80000000UL, 0xffffffff80000000UL, 0x123456789abcdef0UL, 0xfedcba9876543210UL, 3, 7, 0xffffffff };

static u64 mix(u64 h, u64 v) { return (h ^ v) * 0x100000001b3UL; }

int main(void) {
  puts_("isa test\n");
  u64 a = vals[7], b = vals[8], m1 = vals[2], mn = vals[3];
  check("add", OP2("add", a, b), 0x1111111111111100UL);
  check("sub", OP2("sub", a, b), 0x13579be02468ace0UL);
  check("addi", OPI("addi", a, -1), 0x123456789abcdeefUL);
  check("addiw", OPI("addiw", a, 0x10), 0xffffffff9abcdf00UL);
  check("addw", OP2("addw", 0x7fffffffUL, 1), 0xffffffff80000000UL);
  check("subw", OP2("subw", 0, 1), m1);
  check("sll", OP2("sll", a, 36), 0xabcdef0000000000UL);
  check("srl", OP2("srl", b, 4), 0x0fedcba987654321UL);
  check("sra", OP2("sra", b, 4), 0xffedcba987654321UL);
  check("slli63", OPI("slli", 1, 63), mn);
  check("srai63", OPI("srai", mn, 63), m1);
  check("srli32", OPI("srli", b, 32), 0xfedcba98UL);
  check("sllw", OP2("sllw", 1, 31), 0xffffffff80000000UL);
  check("srlw", OP2("srlw", 0xffffffff80000000UL, 4), 0x08000000UL);
  check("sraw", OP2("sraw", 0x80000000UL, 4), 0xfffffffff8000000UL);
  check("slliw", OPI("slliw", 3, 30), 0xffffffffc0000000UL);
  check("srliw", OPI("srliw", m1, 28), 0xfUL);
  check("sraiw", OPI("sraiw", 0x80000000UL, 31), m1);
  check("slt", OP2("slt", m1, 0), 1);
  check("sltu", OP2("sltu", m1, 0), 0);
  check("slti", OPI("slti", mn, -1), 1);
  check("sltiu", OPI("sltiu", 5, -1), 1);
  check("xori", OPI("xori", a, -1), ~a);
  check("ori", OPI("ori", 0, -2048), 0xfffffffffffff800UL);
  check("andi", OPI("andi", m1, 0x7ff), 0x7ff);
  check("and/or/xor", OP2("and", a, b) ^ OP2("or", a, b) ^ OP2("xor", a, b), 0);
  u64 lui; __asm__ volatile("lui %0, 0x80000" : "=r"(lui));
  check("lui", lui, 0xffffffff80000000UL);
  u64 pc1, pc2; __asm__ volatile("auipc %0, 0\n auipc %1, 1" : "=r"(pc1), "=r"(pc2));
  check("auipc", pc2 - pc1, 0x1004);
  /* M */
  check("mul", OP2("mul", a, b), 0x236d88fe5618cf00UL);
  check("mulh", OP2("mulh", a, b), 0xffeb49923cc09532UL);
  check("mulhu", OP2("mulhu", a, b), 0x121fa00ad77d7422UL);
  check("mulhsu", OP2("mulhsu", b, a), 0xffeb49923cc09532UL);
  check("mulw", OP2("mulw", 0x10000, 0x10000), 0);
  check("div", OP2("div", b, 7), 0xffd663cca3309970UL);
  check("divu", OP2("divu", b, 7), 0x2468acf13579be02UL);
  check("rem", OP2("rem", b, 9), 0xfffffffffffffff9UL);
  check("remu", OP2("remu", b, 7), 2);
  check("div0", OP2("div", a, 0), m1);
  check("divu0", OP2("divu", a, 0), m1);
  check("rem0", OP2("rem", a, 0), a);
  check("divovf", OP2("div", mn, m1), mn);
  check("removf", OP2("rem", mn, m1), 0);
  check("divw", OP2("divw", 0xffffffff80000000UL, m1), 0xffffffff80000000UL);
  check("divuw", OP2("divuw", m1, 2), 0x7fffffff);
  check("remw", OP2("remw", 0xfffffffffffffff9UL, 2), m1);
  check("remuw", OP2("remuw", 0x100000007UL, 4), 3);
  check("divw0", OP2("divw", 5, 0), m1);
  check("mulh-small", OP2("mulh", m1, m1), 0);
  check("mulhu-max", OP2("mulhu", m1, m1), 0xfffffffffffffffeUL);
  check("mulhsu-neg", OP2("mulhsu", m1, m1), m1);
  /* loads and stores of every width, sign and zero extension */
  mem[0] = 0x8899aabbccddeeffUL; mem[1] = 0;
  volatile u8 *p8 = (volatile u8 *)mem;
  check("lb", (u64)(i64)(signed char)p8[0], 0xffffffffffffffffUL);
  check("lbu", p8[1], 0xee);
  check("lh", (u64)(i64)*(volatile short *)(p8 + 6), 0xffffffffffff8899UL);
  check("lhu", *(volatile unsigned short *)(p8 + 4), 0xaabb);
  check("lw", (u64)(i64)*(volatile int *)(p8 + 4), 0xffffffff8899aabbUL);
  check("lwu", *(volatile u32 *)(p8 + 4), 0x8899aabbUL);
  check("ld", mem[0], 0x8899aabbccddeeffUL);
  *(volatile unsigned short *)(p8 + 8) = 0x1234; p8[10] = 0x56; *(volatile u32 *)(p8 + 12) = 0xdeadbeef;
  check("sb/sh/sw", mem[1], 0xdeadbeef00561234UL);
  /* misaligned accesses work on virt (no trap) */
  check("ld-misaligned", *(volatile u64 *)(p8 + 3), 0x5612348899aabbccUL);
  /* branches over the whole value range */
  u64 h = 0;
  for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++)
    for (unsigned j = 0; j < sizeof vals / sizeof vals[0]; j++) {
      u64 x = vals[i], y = vals[j];
      h = mix(h, (x == y) | (x != y) << 1 | ((i64)x < (i64)y) << 2 | ((i64)x >= (i64)y) << 3 | (x < y) << 4 | (x >= y) << 5);
      h = mix(h, x + y); h = mix(h, x - y); h = mix(h, x * y);
      h = mix(h, y ? x / y : 0); h = mix(h, y ? x % y : 0);
      h = mix(h, y ? (u64)((i64)x / (i64)(y == 0xffffffffffffffffUL && x == 0x8000000000000000UL ? 1 : y)) : 0);
      h = mix(h, x << (y & 63)); h = mix(h, x >> (y & 63)); h = mix(h, (u64)((i64)x >> (y & 63)));
      h = mix(h, (u64)(i64)(i32)((u32)x + (u32)y));
    }
  check("mixhash", h, 0xaaab7f86075fb1b5UL);
  puts_(failures ? "isa FAILED\n" : "isa PASSED\n");
  return failures;
}
