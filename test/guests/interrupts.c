/* Interrupts: CLINT timer and software interrupts in M-mode (direct and vectored mtvec),
 * WFI wake-up with MIE clear, S-mode software and timer interrupts via mideleg, PLIC
 * priorities/enables/claim/complete with the UART's THRE and (loopback) RX interrupts. */
#include "guest.h"

extern void m_trap_entry(void), s_trap_entry(void), run_in_mode_return(void), m_vectors(void);
extern void run_in_mode(void (*fn)(void), u64 mpp);

#define PLIC_PRIO(n) PLIC[(n)]
#define PLIC_ENABLE(ctx) PLIC[(0x2000 + 0x80 * (ctx)) / 4]
#define PLIC_THRESH(ctx) PLIC[(0x200000 + 0x1000 * (ctx)) / 4]
#define PLIC_CLAIM(ctx) PLIC[(0x200000 + 0x1000 * (ctx) + 4) / 4]

static volatile u64 m_irq_cause, m_irqs, s_irq_cause, s_irqs, claimed, iir, rbr;
static int insn_len(u64 epc) { return (*(volatile unsigned short *)epc & 3) == 3 ? 4 : 2; }

void m_handle(u64 *f) {
  u64 cause = csr_read(mcause), epc = csr_read(mepc);
  if ((i64)cause < 0) {
    u64 code = cause & 63;
    m_irq_cause = cause; m_irqs++;
    if (code == 7) *CLINT_MTIMECMP = (u64)-1;
    else if (code == 3) *CLINT_MSIP = 0;
    else if (code == 11) {
      claimed = PLIC_CLAIM(0);
      iir = UART0[2];
      if ((iir & 0xf) == 0x4) rbr = UART0[0];
      UART0[1] = 0; /* IER off */
      PLIC_CLAIM(0) = (u32)claimed;
    }
    return;
  }
  if ((cause == 8 || cause == 9) && f[17] == (u64)-1) {
    csr_write(mepc, (u64)run_in_mode_return);
    csr_set(mstatus, 0x1800);
    return;
  }
  if (cause == 9 && f[17] == 7) { csr_clear(mip, 1 << 5); csr_write(mepc, epc + 4); return; }
  puts_("unexpected M trap "); putdec(cause); puts_("\n");
  guest_exit(99);
}

void s_handle(u64 *f) {
  (void)f;
  u64 cause = csr_read(scause);
  s_irq_cause = cause; s_irqs++;
  if ((cause & 63) == 1) csr_clear(sip, 2);
  else if ((cause & 63) == 5) __asm__ volatile("li a7, 7\n ecall" ::: "a7", "memory"); /* ask M to clear STIP */
  else { puts_("unexpected S trap\n"); (void)insn_len; }
}

static void s_main(void) {
  csr_set(sie, (1 << 1) | (1 << 5));
  csr_set(sstatus, 2); /* SIE */
  csr_set(sip, 2);     /* self software interrupt */
  for (volatile int i = 0; i < 100 && !s_irqs; i++) {}
  check("S software interrupt", s_irq_cause, 0x8000000000000001UL);
  __asm__ volatile("li a7, -1\n ecall" ::: "a7", "memory");
}

static void s_main_timer(void) {
  csr_set(sie, 1 << 5);
  csr_set(sstatus, 2);
  for (volatile int i = 0; i < 100 && !s_irqs; i++) {}
  check("S timer interrupt (STIP from M)", s_irq_cause, 0x8000000000000005UL);
  __asm__ volatile("li a7, -1\n ecall" ::: "a7", "memory");
}

int main(void) {
  puts_("interrupts test\n");
  csr_write(mtvec, (u64)m_trap_entry);
  csr_write(pmpaddr0, (u64)-1 >> 10);
  csr_write(pmpcfg0, 0x1f);
  check("MTIP pending from reset (mtimecmp = 0)", csr_read(mip) & 0x80, 0x80);

  /* timer, direct mode */
  *CLINT_MTIMECMP = *CLINT_MTIME + 20000; /* 2 ms */
  csr_set(mie, 1 << 7);
  csr_set(mstatus, 1 << 3);
  while (!m_irqs) __asm__ volatile("wfi");
  check("timer interrupt", m_irq_cause, 0x8000000000000007UL);
  check("mtime advanced", *CLINT_MTIME > 20000, 1);

  /* software interrupt, vectored mode */
  csr_write(mtvec, (u64)m_vectors | 1);
  m_irqs = 0;
  csr_write(mscratch, 0);
  csr_set(mie, 1 << 3);
  *CLINT_MSIP = 1;
  for (volatile int i = 0; i < 100 && !m_irqs; i++) {}
  check("software interrupt", m_irq_cause, 0x8000000000000003UL);
  check("vectored entry used", csr_read(mscratch), 3);
  check("msip cleared", *CLINT_MSIP, 0);
  csr_write(mtvec, (u64)m_trap_entry);

  /* WFI wakes on a pending interrupt even with MIE clear; no trap is taken */
  csr_clear(mstatus, 1 << 3);
  m_irqs = 0;
  *CLINT_MTIMECMP = *CLINT_MTIME + 10000;
  __asm__ volatile("wfi");
  while (!(csr_read(mip) & 0x80)) {}
  check("WFI with MIE=0: MTIP pending, no trap", m_irqs, 0);
  *CLINT_MTIMECMP = (u64)-1;
  check("MTIP cleared by mtimecmp write", csr_read(mip) & 0x80, 0);
  csr_clear(mie, (1 << 7) | (1 << 3));

  /* PLIC + UART THRE */
  PLIC_PRIO(10) = 1;
  check("PLIC priority is 3 bits", (PLIC_PRIO(10) = 0xff, PLIC_PRIO(10)), 7);
  PLIC_PRIO(10) = 2;
  PLIC_ENABLE(0) = 1 << 10;
  PLIC_THRESH(0) = 0;
  check("PLIC claim with nothing pending", PLIC_CLAIM(0), 0);
  csr_set(mie, 1 << 11);
  csr_set(mstatus, 1 << 3);
  m_irqs = 0;
  UART0[1] = 2; /* THRE interrupt enable */
  for (volatile int i = 0; i < 100 && !m_irqs; i++) {}
  check("UART THRE irq via PLIC", m_irq_cause, 0x800000000000000bUL);
  check("claimed source", claimed, 10);
  check("IIR THRI", iir, 0x02);
  /* threshold masks the source */
  PLIC_THRESH(0) = 2;
  m_irqs = 0;
  UART0[1] = 2;
  for (volatile int i = 0; i < 100 && !m_irqs; i++) {}
  check("threshold >= priority masks", m_irqs, 0);
  check("pending bit visible", (PLIC[0x1000 / 4] >> 10) & 1, 1);
  PLIC_THRESH(0) = 1;
  for (volatile int i = 0; i < 100 && !m_irqs; i++) {}
  check("lower threshold delivers", m_irqs, 1);
  /* loopback RX */
  m_irqs = 0;
  UART0[4] = 0x10; /* loopback */
  UART0[1] = 1;    /* RX data interrupt */
  UART0[0] = 'Z';
  for (volatile int i = 0; i < 100 && !m_irqs; i++) {}
  u64 lsr = UART0[5];
  UART0[0] = '1'; UART0[0] = '2'; /* second byte overruns the 1-byte holding register */
  u64 lsr2 = UART0[5], lsr3 = UART0[5];
  u64 rx2 = UART0[0];
  UART0[4] = 0; /* loopback off before printing */
  check("UART RX irq", claimed, 10);
  check("IIR RDI", iir, 0x04);
  check("RBR", rbr, 'Z');
  check("LSR after drain", lsr, 0x60);
  check("LSR overrun + data ready", lsr2, 0x63);
  check("LSR OE clears on read", lsr3, 0x61);
  check("overrun overwrites the holding register", rx2, '2');
  csr_clear(mie, 1 << 11);

  /* S-mode interrupts through mideleg */
  csr_write(mideleg, (1 << 1) | (1 << 5) | (1 << 9));
  check("mideleg", csr_read(mideleg) & 0x222, 0x222);
  csr_write(stvec, (u64)s_trap_entry);
  run_in_mode(s_main, 1 << 11);
  s_irqs = 0;
  csr_set(mip, 1 << 5); /* STIP, as SBI firmware does on its timer interrupt */
  run_in_mode(s_main_timer, 1 << 11);
  check("STIP cleared by M", csr_read(mip) & (1 << 5), 0);
  puts_(failures ? "interrupts FAILED\n" : "interrupts PASSED\n");
  return failures;
}
