/* Checks the firmware's SBI from S-mode, printing through the legacy console call. Prints
   "SBI: all checks passed" or "SBI: FAIL <what>", then shuts down through SRST. */
typedef unsigned long u64;
typedef long i64;

struct ret { i64 err; u64 val; };

static struct ret sbi(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2) {
  register u64 r0 __asm__("a0") = a0, r1 __asm__("a1") = a1, r2 __asm__("a2") = a2;
  register u64 r6 __asm__("a6") = fid, r7 __asm__("a7") = ext;
  __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
  return (struct ret){ (i64)r0, r1 };
}

static void putc_(int c) {
  register u64 a0 __asm__("a0") = (u64)c, a7 __asm__("a7") = 1;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
}
static void puts_(const char *s) { while (*s) putc_(*s++); }

#define TIME 0x54494d45
#define IPI 0x735049
#define RFNC 0x52464e43
#define HSM 0x48534d
#define SRST 0x53525354

static volatile int timer_hits, second_ran, second_ipi;
static volatile u64 second_a0, second_a1;

static void shutdown(void) { sbi(SRST, 0, 0, 0, 0); for (;;) {} }

static void fail(const char *what) {
  puts_("SBI: FAIL ");
  puts_(what);
  puts_("\n");
  shutdown();
}
#define CHECK(c, what) do { if (!(c)) fail(what); } while (0)

static u64 rdtime(void) { u64 t; __asm__ volatile("rdtime %0" : "=r"(t)); return t; }

extern void trap_entry(void), second_entry(void);

void on_trap(void) {
  u64 cause;
  __asm__ volatile("csrr %0, scause" : "=r"(cause));
  if (cause == ((1UL << 63) | 5)) {
    timer_hits++;
    sbi(TIME, 0, ~0UL, 0, 0); /* also clears the pending STIP */
  } else if (cause == ((1UL << 63) | 1)) {
    __asm__ volatile("csrc sip, %0" ::"r"(2UL));
    second_ipi++;
  } else {
    fail("unexpected trap");
  }
}

void second_main(u64 hartid, u64 opaque) {
  second_a0 = hartid;
  second_a1 = opaque;
  __asm__ volatile("csrw stvec, %0" ::"r"((u64)trap_entry));
  __asm__ volatile("csrs sie, %0" ::"r"(2UL));
  __asm__ volatile("csrs sstatus, %0" ::"r"(2UL));
  second_ran = 1;
  while (!second_ipi) __asm__ volatile("wfi");
  sbi(HSM, 1, 0, 0, 0);
  fail("hart_stop returned");
}

void main(u64 hartid) {
  CHECK(hartid == 0, "boot hart is 0");
  CHECK(sbi(0x10, 0, 0, 0, 0).val == 0x01000000, "spec version 1.0");
  CHECK(sbi(0x10, 1, 0, 0, 0).val == 0x656d75, "implementation id");
  const u64 exts[] = { TIME, IPI, RFNC, HSM, SRST, 0x10 };
  for (int i = 0; i < 6; i++) CHECK(sbi(0x10, 3, exts[i], 0, 0).val == 1, "probe of a provided extension");
  CHECK(sbi(0x10, 3, 0x12345678, 0, 0).val == 0, "probe of an absent extension");
  CHECK(sbi(0x12345678, 0, 0, 0, 0).err == -2, "unknown extension is NOT_SUPPORTED");

  __asm__ volatile("csrw stvec, %0" ::"r"((u64)trap_entry));
  __asm__ volatile("csrs sie, %0" ::"r"((1UL << 5) | 2UL));
  __asm__ volatile("csrs sstatus, %0" ::"r"(2UL));
  CHECK(sbi(TIME, 0, rdtime() + 100000, 0, 0).err == 0, "set_timer");
  for (int spins = 0; !timer_hits && spins < 1000; spins++) __asm__ volatile("wfi");
  CHECK(timer_hits == 1, "the timer interrupt arrives once");

  CHECK(sbi(HSM, 2, 0, 0, 0).val == 0, "hart 0 is started");
  CHECK(sbi(HSM, 2, 1, 0, 0).val == 1, "hart 1 is stopped");
  CHECK(sbi(HSM, 2, 9, 0, 0).err == -3, "status of a missing hart is INVALID_PARAM");
  CHECK(sbi(HSM, 0, 0, (u64)second_entry, 0).err == -6, "starting a started hart is ALREADY_AVAILABLE");
  CHECK(sbi(HSM, 0, 1, (u64)second_entry, 0x1234).err == 0, "hart_start");
  for (long i = 0; !second_ran && i < 100000000; i++) {}
  CHECK(second_ran, "hart 1 runs");
  CHECK(second_a0 == 1 && second_a1 == 0x1234, "hart 1 gets its id and the opaque value");
  CHECK(sbi(HSM, 2, 1, 0, 0).val == 0, "hart 1 is started");
  CHECK(sbi(RFNC, 0, 0, ~0UL, 0).err == 0, "remote fence.i on every hart");
  CHECK(sbi(RFNC, 1, 3, 0, 0).err == 0, "remote sfence.vma on harts 0 and 1");
  CHECK(sbi(IPI, 0, 1, 8, 0).err == -3, "an IPI to a missing hart is INVALID_PARAM");
  CHECK(sbi(IPI, 0, 2, 0, 0).err == 0, "send_ipi to hart 1");
  for (long i = 0; sbi(HSM, 2, 1, 0, 0).val != 1 && i < 100000000; i++) {}
  CHECK(second_ipi == 1, "hart 1 took the IPI");
  CHECK(sbi(HSM, 2, 1, 0, 0).val == 1, "hart 1 stopped itself");
  CHECK(sbi(HSM, 0, 1, (u64)second_entry, 0x99).err == 0, "hart 1 starts again");
  for (long i = 0; second_a1 != 0x99 && i < 100000000; i++) {}
  CHECK(second_a1 == 0x99, "hart 1 runs again after a stop");
  puts_("SBI: all checks passed\n");
  shutdown();
}
