/* Traps: illegal instruction (unknown CSR, privileged CSR from U), ecall from U/S/M,
 * ebreak (4- and 2-byte), load/store access faults, delegation of U ecalls and illegal
 * instructions to S (medeleg), sret/mret state, counter access (mcounteren/scounteren),
 * PMP CSRs (an allow-all NAPOT entry, which QEMU needs for S/U to access memory). */
#include "guest.h"

extern void m_trap_entry(void), s_trap_entry(void), run_in_mode_return(void);
extern void run_in_mode(void (*fn)(void), u64 mpp);

static int insn_len(u64 epc) { return (*(volatile unsigned short *)epc & 3) == 3 ? 4 : 2; }
static volatile u64 s_causes[16];
static volatile u64 bad_addr[2] = { 0x0, 0x8 };
static volatile u64 last_cause, last_tval, m_traps, s_traps;

static void report(const char *who, u64 cause, u64 tval, u64 prev) {
  puts_(who); puts_(" trap cause="); putdec(cause); puts_(" tval="); puthex(tval);
  puts_(" from="); putdec(prev); puts_("\n");
}

void m_handle(u64 *f) {
  u64 cause = csr_read(mcause), tval = csr_read(mtval), epc = csr_read(mepc);
  u64 mpp = (csr_read(mstatus) >> 11) & 3;
  m_traps++; last_cause = cause; last_tval = tval;
  report("M", cause, tval, mpp);
  if ((cause == 8 || cause == 9) && f[17] == (u64)-1) {
    csr_write(mepc, (u64)run_in_mode_return);
    csr_set(mstatus, 0x1800);
    return;
  }
  csr_write(mepc, epc + insn_len(epc));
}

void s_handle(u64 *f) {
  u64 cause = csr_read(scause), tval = csr_read(stval), epc = csr_read(sepc);
  u64 spp = (csr_read(sstatus) >> 8) & 1;
  s_causes[s_traps & 15] = cause; s_traps++; last_cause = cause;
  report("S", cause, tval, spp);
  if (cause == 8 && f[17] == (u64)-1) { /* relay the U program's exit to M */
    __asm__ volatile("li a7, -1\n ecall" ::: "a7", "memory");
  }
  csr_write(sepc, epc + insn_len(epc));
}

static void u_prog(void) {
  __asm__ volatile("li a7, 1\n ecall" ::: "a7", "memory");
  (void)csr_read(mstatus);      /* privileged: illegal */
  (void)csr_read(cycle);        /* mcounteren.CY = 0: illegal */
  __asm__ volatile("li a7, -1\n ecall" ::: "a7", "memory");
}

static void u_prog_counters(void) {
  (void)csr_read(time);         /* allowed by mcounteren/scounteren.TM */
  (void)csr_read(instret);      /* IR not allowed by scounteren: illegal, delegated to S */
  __asm__ volatile("li a7, -1\n ecall" ::: "a7", "memory");
}

static void u_prog2(void) {
  __asm__ volatile("li a7, 2\n ecall" ::: "a7", "memory");
  __asm__ volatile(".word 0" ::: "memory"); /* illegal instruction, delegated */
  __asm__ volatile("li a7, -1\n ecall" ::: "a7", "memory");
}

static void (*s_next_u)(void);
static void s_prog(void) {
  check("S sees sstatus.SPP", (csr_read(sstatus) >> 8) & 1, 0);
  __asm__ volatile(".word 0xffffffff" ::: "memory");   /* illegal, delegated to S itself */
  __asm__ volatile("li a7, 5\n ecall" ::: "a7", "memory"); /* ecall from S: to M */
  (void)csr_read(mscratch);     /* M CSR from S: illegal, delegated */
  /* drop to U via sret */
  csr_write(sepc, (u64)s_next_u);
  csr_clear(sstatus, 1 << 8);
  __asm__ volatile("sret" ::: "memory");
}

int main(void) {
  puts_("traps test\n");
  csr_write(mtvec, (u64)m_trap_entry);
  /* PMP: entry 0 NAPOT over everything, RWX */
  csr_write(pmpaddr0, (u64)-1 >> 10);
  csr_write(pmpcfg0, 0x1f);
  check("pmpaddr0 readback", csr_read(pmpaddr0), 0x3fffffffffffffUL);
  check("pmpcfg0 readback", csr_read(pmpcfg0), 0x1f);

  __asm__ volatile("csrr a0, 0x8ff" ::: "a0");
  check("illegal csr cause", last_cause, 2);
  check("illegal csr tval", last_tval, 0x8ff02573);
  __asm__ volatile("ecall");
  check("ecall M", last_cause, 11);
  __asm__ volatile(".option push\n .option norvc\n ebreak\n .option pop");
  check("ebreak", last_cause, 3);
  __asm__ volatile("c.ebreak");
  check("c.ebreak", last_cause, 3);
  (void)*(volatile u64 *)bad_addr[0];
  check("load access fault", last_cause, 5);
  *(volatile u32 *)bad_addr[1] = 1;
  check("store access fault", last_cause, 7);
  check("store fault tval", last_tval, 8);

  puts_("-- U mode, nothing delegated\n");
  csr_write(mcounteren, 0);
  run_in_mode(u_prog, 0);
  u64 t0 = m_traps;
  (void)csr_read(mscratch);
  check("back in M (mscratch readable)", m_traps - t0, 0);
  check("mret leaves MPP = U", (csr_read(mstatus) >> 11) & 3, 0);

  puts_("-- S mode with delegation\n");
  csr_write(medeleg, (1 << 8) | (1 << 2));
  check("medeleg", csr_read(medeleg), (1 << 8) | (1 << 2));
  csr_write(stvec, (u64)s_trap_entry);
  s_next_u = u_prog2;
  u64 mtraps0 = m_traps, straps0 = s_traps;
  run_in_mode(s_prog, 1 << 11);
  check("M traps in S phase", m_traps - mtraps0, 2);
  check("S traps in S phase", s_traps - straps0, 6);

  puts_("-- counters\n");
  csr_write(mcounteren, 7);
  csr_write(scounteren, 2);
  u64 s0 = s_traps;
  run_in_mode(u_prog_counters, 0);
  check("U traps to S for counters", s_traps - s0, 2);
  check("instret from U illegal (delegated)", s_causes[s0 & 15], 2);
  csr_write(medeleg, 0);
  puts_(failures ? "traps FAILED\n" : "traps PASSED\n");
  return failures;
}
