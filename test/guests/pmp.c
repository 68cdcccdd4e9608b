/* PMP enforcement (QEMU 7.2 is the reference): TOR, NA4 and NAPOT entries, priority (the lowest-numbered matching entry
 * decides), R/W/X for U- and S-mode loads, stores and fetches, no matching entry (denied
 * to S/U once any entry is set), M-mode bound only by locked entries, the L bit freezing
 * an entry (and the pmpaddr below a locked TOR entry), an access only partly inside an entry
 * failing in every mode, page-table walks checked as S-mode reads, and QEMU's refusal of
 * mret to S/U while no entry is active. Each probe runs in a lower mode; the M-mode handler records the cause. */
#include "guest.h"

extern void m_trap_entry(void), run_in_mode_return(void);
extern void run_in_mode(void (*fn)(void), u64 mpp);

#define R 1
#define W 2
#define X 4
#define A_TOR (1 << 3)
#define A_NA4 (2 << 3)
#define A_NAPOT (3 << 3)
#define L 0x80

static u8 region[4 * 4096] __attribute__((aligned(4096)));
static u64 ptable[512] __attribute__((aligned(4096)));
extern char __heap_start[], __stack_top[];

enum { LOAD, STORE, FETCH };
struct probe { u64 addr; int op; };
static volatile struct probe probes[16];
static volatile int nprobes, probe_idx;
static volatile u64 probe_fault[16], probe_tval[16];
static volatile u64 m_traps, last_cause;

static int insn_len(u64 epc) { return (*(volatile unsigned short *)epc & 3) == 3 ? 4 : 2; }

void m_handle(u64 *f) {
  u64 cause = csr_read(mcause), tval = csr_read(mtval), epc = csr_read(mepc);
  u64 mpp = (csr_read(mstatus) >> 11) & 3;
  m_traps++; last_cause = cause;
  puts_("M trap cause="); putdec(cause); puts_(" tval="); puthex(tval);
  puts_(" from="); putdec(mpp); puts_("\n");
  if ((cause == 8 || cause == 9) && f[17] == (u64)-1) { /* the lower-mode program is done */
    csr_write(mepc, (u64)run_in_mode_return);
    csr_set(mstatus, 0x1800);
    return;
  }
  if (mpp != 3 && probe_idx >= 0 && probe_idx < nprobes) {
    probe_fault[probe_idx] = cause; probe_tval[probe_idx] = tval;
    if (cause == 1 && tval == probes[probe_idx].addr) { csr_write(mepc, f[1]); return; } /* back to the caller */
  }
  if (cause == 1) { /* the program's own code cannot be fetched: abandon it */
    csr_write(mepc, (u64)run_in_mode_return);
    csr_set(mstatus, 0x1800);
    return;
  }
  csr_write(mepc, epc + insn_len(epc));
}

/* trapent.S's S-mode entry; nothing is delegated here */
void s_handle(u64 *f) { (void)f; puts_("unexpected S trap\n"); guest_exit(3); }

/* Runs in U or S: every probe in turn, then back to M. */
static void prober(void) {
  for (int i = 0; i < nprobes; i++) {
    probe_idx = i;
    u64 a = probes[i].addr;
    if (probes[i].op == LOAD) (void)*(volatile u64 *)a;
    else if (probes[i].op == STORE) *(volatile u64 *)a = 0x1234;
    else ((void (*)(void))a)();
  }
  probe_idx = -1;
  __asm__ volatile("li a7, -1\n ecall" ::: "a7", "memory");
}

static void set_probes(const struct probe *p, int n) {
  for (int i = 0; i < n; i++) { probes[i] = p[i]; probe_fault[i] = 0; probe_tval[i] = 0; }
  nprobes = n;
  probe_idx = -1;
}

static void expect(const char *what, const u64 *want) {
  for (int i = 0; i < nprobes; i++) {
    puts_(what); puts_(" probe "); putdec(i); puts_(" cause");
    check("", probe_fault[i], want[i]);
    if (want[i]) check("  tval", probe_tval[i], probes[i].addr);
  }
}

static u64 napot(u64 base, u64 size) { return (base >> 2) | ((size >> 3) - 1); }

static void pmp_clear(void) {
  csr_write(pmpcfg0, 0);
  csr_write(pmpcfg2, 0);
}

int main(void) {
  puts_("pmp test\n");
  csr_write(mtvec, (u64)m_trap_entry);
  u64 rg = (u64)region;
  /* executable probe targets: `ret` at the start of each region page */
  for (int p = 0; p < 4; p++) *(volatile unsigned short *)(region + p * 4096) = 0x8082;
  __asm__ volatile("fence.i");

  puts_("-- no entry set: QEMU 7.2 refuses mret to U (illegal instruction)\n");
  pmp_clear();
  set_probes(0, 0);
  u64 t0 = m_traps;
  run_in_mode(prober, 0);
  check("mret with no PMP entry", last_cause, 2);
  check("one trap", m_traps - t0, 1);

  puts_("-- NAPOT, TOR, NA4 and priority in U mode\n");
  /* 0: page 0 read-only (NAPOT 4 KiB)
   * 1: OFF, its address the bottom of entry 2;  2: TOR page 1, read-write
   * 3: NA4 on the word at page 2 + 16, nothing allowed (it wins over entry 4)
   * 4: NAPOT page 2, read-write-execute
   * 5: OFF at 0x80000000;  6: TOR up to the region: the program's code and data, RWX
   * 7: OFF at the region's end;  8: TOR up to the stack top: data, heap, stack, RW
   * 9: NAPOT over the UART page, RW
   * Page 3 is in no entry. */
  csr_write(pmpaddr0, napot(rg, 4096));
  csr_write(pmpaddr1, (rg + 4096) >> 2);
  csr_write(pmpaddr2, (rg + 8192) >> 2);
  csr_write(pmpaddr3, (rg + 8192 + 16) >> 2);
  csr_write(pmpaddr4, napot(rg + 8192, 4096));
  csr_write(pmpaddr5, 0x80000000UL >> 2);
  csr_write(pmpaddr6, rg >> 2);
  csr_write(pmpaddr7, (rg + 16384) >> 2);
  csr_write(pmpaddr8, (u64)__stack_top >> 2);
  csr_write(pmpaddr9, napot(0x10000000UL, 4096));
  u64 cfg0 = (u64)(A_NAPOT | R) | (u64)(A_TOR | R | W) << 16 | (u64)A_NA4 << 24 |
             (u64)(A_NAPOT | R | W | X) << 32 | (u64)(A_TOR | R | W | X) << 48;
  csr_write(pmpcfg0, cfg0);
  csr_write(pmpcfg2, (u64)(A_TOR | R | W) | (u64)(A_NAPOT | R | W) << 8);
  check("pmpcfg0 readback", csr_read(pmpcfg0), cfg0);
  {
    const struct probe p[] = {
      { rg + 8, LOAD }, { rg + 8, STORE }, { rg, FETCH },                /* page 0: R */
      { rg + 4096 + 8, LOAD }, { rg + 4096 + 8, STORE }, { rg + 4096, FETCH }, /* page 1: RW */
      { rg + 8192 + 16, LOAD }, { rg + 8192 + 24, LOAD }, { rg + 8192 + 8, STORE }, { rg + 8192, FETCH }, /* page 2 */
      { rg + 12288 + 8, LOAD }, { rg + 12288 + 8, STORE }, { rg + 12288, FETCH }, /* page 3: no entry */
      { rg + 8192 + 12, LOAD },                                          /* straddles the NA4 word */
    };
    const u64 want[] = { 0, 7, 1, 0, 0, 1, 5, 0, 0, 0, 5, 7, 1, 5 };
    set_probes(p, sizeof p / sizeof p[0]);
    run_in_mode(prober, 0);
    expect("U", want);
  }

  puts_("-- the same rules in S mode (no paging)\n");
  {
    const struct probe p[] = { { rg + 8, STORE }, { rg + 8192 + 16, LOAD }, { rg + 12288 + 8, LOAD }, { rg + 4096 + 8, STORE } };
    const u64 want[] = { 7, 5, 5, 0 };
    set_probes(p, 4);
    run_in_mode(prober, 1 << 11);
    expect("S", want);
  }

  puts_("-- M mode ignores unlocked entries, but not a partial match\n");
  t0 = m_traps;
  *(volatile u64 *)(rg + 8) = 5;              /* page 0 is R for S/U */
  (void)*(volatile u32 *)(rg + 8192 + 16);    /* the NA4 word, exactly */
  *(volatile u64 *)(rg + 12288 + 8) = 6;       /* page 3: no entry */
  check("no M trap", m_traps - t0, 0);
  (void)*(volatile u64 *)(rg + 8192 + 16);    /* half in the NA4 entry */
  check("8-byte load half in an entry faults in M too", m_traps - t0, 1);
  check("cause", last_cause, 5);

  puts_("-- MPRV: M loads and stores with U's permissions\n");
  t0 = m_traps;
  /* in one asm block: with MPRV set, the compiler's own stack accesses would be U's too */
  __asm__ volatile("li t0, 0x1800\n csrc mstatus, t0\n li t0, 1 << 17\n csrs mstatus, t0\n"
                   "sd t0, 0(%0)\n sd t0, 0(%1)\n csrc mstatus, t0"
                   :: "r"(rg + 4096 + 8), "r"(rg + 8) : "t0", "memory"); /* page 1 RW, page 0 R */
  check("one store fault under MPRV", m_traps - t0, 1);
  check("cause", last_cause, 7);

  puts_("-- page-table walks are S-mode reads\n");
  /* Sv39, one 1 GiB leaf mapping 0x80000000 to itself (A and D preset), one for the UART */
  ptable[2] = (0x80000000UL >> 12 << 10) | 0xcf;   /* V R W X A D */
  ptable[0] = (0x0UL >> 12 << 10) | 0xc7;          /* V R W A D */
  pmp_clear();
  csr_write(pmpaddr8, napot(0x10000000UL, 4096));           /* the UART */
  csr_write(pmpaddr9, napot((u64)ptable, 4096));            /* the table: nothing for S/U... */
  csr_write(pmpaddr10, napot(0x80000000UL, 0x80000000UL));  /* ...the rest of RAM: RWX */
  csr_write(pmpcfg2, (u64)(A_NAPOT | R | W) | (u64)A_NAPOT << 8 | (u64)(A_NAPOT | R | W | X) << 16);
  csr_write(satp, (8UL << 60) | ((u64)ptable >> 12));
  __asm__ volatile("sfence.vma");
  set_probes(0, 0);
  t0 = m_traps;
  run_in_mode(prober, 1 << 11);
  check("S fetch through an unreadable table: instruction access fault", last_cause, 1);
  check("one trap", m_traps - t0, 1);
  csr_write(pmpcfg2, (u64)(A_NAPOT | R | W) | (u64)(A_NAPOT | R) << 8 | (u64)(A_NAPOT | R | W | X) << 16); /* table: R */
  __asm__ volatile("sfence.vma");
  {
    const struct probe p[] = { { rg + 8, LOAD }, { (u64)ptable + 8, LOAD }, { (u64)ptable + 8, STORE }, { rg + 16, STORE } };
    const u64 want[] = { 0, 0, 7, 0 };
    set_probes(p, 4);
    run_in_mode(prober, 1 << 11);
    expect("S paged", want);
  }
  csr_write(satp, 0);
  __asm__ volatile("sfence.vma");

  puts_("-- locked entries bind M and cannot change\n");
  pmp_clear();
  csr_write(pmpaddr0, rg >> 2);                       /* bottom of the TOR entry 1 */
  csr_write(pmpaddr1, (rg + 4096) >> 2);
  csr_write(pmpaddr2, napot(rg + 4096, 4096));
  csr_write(pmpcfg0, (u64)(L | A_TOR | R) << 8 | (u64)(L | A_NAPOT | R | W) << 16);
  t0 = m_traps;
  (void)*(volatile u64 *)(rg + 8);                    /* locked R: fine */
  *(volatile u64 *)(rg + 8) = 9;                      /* locked R: store fault */
  check("M store to a locked read-only entry faults", last_cause, 7);
  *(volatile u64 *)(rg + 4096 + 8) = 10;              /* locked RW: fine */
  *(volatile u64 *)(rg + 8192 + 8) = 11;              /* no entry: M is allowed */
  check("two more accesses without a trap", m_traps - t0, 1);
  csr_write(pmpcfg0, 0);
  check("pmpcfg0 unchanged (locked)", csr_read(pmpcfg0), (u64)(L | A_TOR | R) << 8 | (u64)(L | A_NAPOT | R | W) << 16);
  csr_write(pmpaddr1, 0);
  check("pmpaddr1 unchanged (locked)", csr_read(pmpaddr1), (rg + 4096) >> 2);
  csr_write(pmpaddr0, 0);
  check("pmpaddr0 unchanged (below a locked TOR entry)", csr_read(pmpaddr0), rg >> 2);
  csr_write(pmpcfg0, (u64)(L | A_TOR | R) << 8 | (u64)(L | A_NAPOT | R | W) << 16 | (u64)(A_NAPOT | R) << 24);
  csr_write(pmpaddr3, napot(rg + 8192, 4096));
  t0 = m_traps;
  *(volatile u64 *)(rg + 8192 + 8) = 12;              /* unlocked entry 3: M is not bound */
  check("an unlocked entry beside locked ones does not bind M", m_traps - t0, 0);

  puts_(failures ? "pmp FAILED\n" : "pmp done\n");
  return failures;
}
