/* Sv39 paging from S-mode: gigapage identity maps for code and MMIO, 4 KiB pages built with
 * three levels, hardware-set A and D bits, load/store/fetch page faults delegated to S,
 * read-only and unmapped pages, SUM for U pages, MXR for execute-only pages, remapping
 * after sfence.vma (of data, and of code that ran often enough to be compiled), and satp
 * read-back. */
#include "guest.h"

extern void m_trap_entry(void), s_trap_entry(void), run_in_mode_return(void);
extern void run_in_mode(void (*fn)(void), u64 mpp);

#define V 1
#define R 2
#define W 4
#define X 8
#define U 16
#define A 64
#define D 128
#define PTE(pa, fl) ((((u64)(pa)) >> 12) << 10 | (fl))

static u64 l2[512] __attribute__((aligned(4096)));
static u64 l1[512] __attribute__((aligned(4096)));
static volatile u64 l0[512] __attribute__((aligned(4096)));
static u8 pages[6][4096] __attribute__((aligned(4096)));
/* two physical pages of code for one virtual page: li a0, 1 / li a0, 2; ret */
static u32 code_pages[2][1024] __attribute__((aligned(4096)));
#define VCODE (VBASE + 0x6000)
#define VBASE 0x40000000UL

static volatile u64 s_cause, s_tval, s_faults;

static int insn_len(u64 epc) { return (*(volatile unsigned short *)epc & 3) == 3 ? 4 : 2; }

void m_handle(u64 *f) {
  u64 cause = csr_read(mcause), epc = csr_read(mepc);
  if ((cause == 8 || cause == 9) && f[17] == (u64)-1) {
    csr_write(mepc, (u64)run_in_mode_return);
    csr_set(mstatus, 0x1800);
    return;
  }
  puts_("unexpected M trap "); putdec(cause); puts_(" at "); puthex(epc); puts_(" tval "); puthex(csr_read(mtval)); puts_("\n");
  guest_exit(99);
}

void s_handle(u64 *f) {
  u64 cause = csr_read(scause), epc = csr_read(sepc);
  s_cause = cause; s_tval = csr_read(stval); s_faults++;
  puts_("S fault cause="); putdec(cause); puts_(" stval="); puthex(s_tval); puts_("\n");
  if (cause == 12) csr_write(sepc, f[1]); /* fetch fault: return to the caller */
  else csr_write(sepc, epc + insn_len(epc));
}

static u64 load(u64 va) { return *(volatile u64 *)va; }
static void store(u64 va, u64 v) { *(volatile u64 *)va = v; }

static void s_main(void) {
  u64 f0;
  /* plain access through 3 levels; A then D set by hardware */
  check("A clear before", l0[0] & (A | D), 0);
  store(VBASE + 8, 0x1122334455667788UL);
  check("read back via VA", load(VBASE + 8), 0x1122334455667788UL);
  check("same bytes via PA", *(volatile u64 *)&pages[0][8], 0x1122334455667788UL);
  (void)load(VBASE + 0x1000);
  check("A set by load, D clear", l0[1] & (A | D), A);
  check("A and D set by store", l0[0] & (A | D), A | D);
  /* read-only page: store faults */
  f0 = s_faults;
  store(VBASE + 0x1000, 1);
  check("store to RO page faults", s_faults - f0, 1);
  check("store fault cause", s_cause, 15);
  check("store fault stval", s_tval, VBASE + 0x1000);
  /* unmapped page */
  (void)load(VBASE + 0x2010);
  check("load unmapped cause", s_cause, 13);
  check("load unmapped stval", s_tval, VBASE + 0x2010);
  /* fetch from a non-executable page */
  ((void (*)(void))(VBASE + 0x1000))();
  check("fetch NX cause", s_cause, 12);
  check("fetch NX stval", s_tval, VBASE + 0x1000);
  /* U page from S: needs SUM */
  f0 = s_faults;
  (void)load(VBASE + 0x3000);
  check("U page without SUM faults", s_faults - f0, 1);
  csr_set(sstatus, 1 << 18);
  check("U page with SUM", load(VBASE + 0x3000), 0x5555aaaa5555aaaaUL);
  csr_clear(sstatus, 1 << 18);
  /* execute-only page: loads need MXR */
  f0 = s_faults;
  (void)load(VBASE + 0x4000);
  check("X-only load without MXR faults", s_faults - f0, 1);
  csr_set(sstatus, 1 << 19);
  check("X-only load with MXR", load(VBASE + 0x4000), 0x0123456789abcdefUL);
  csr_clear(sstatus, 1 << 19);
  /* remap page 0 to page 5 and flush */
  l0[0] = PTE(pages[5], V | R | W | A | D);
  __asm__ volatile("sfence.vma" ::: "memory");
  check("remapped after sfence.vma", load(VBASE), 0xfeedfacecafebeefUL);
  /* the same for code: a function called often, then its virtual page remapped */
  {
    u64 (*fn)(void) = (u64 (*)(void))VCODE, sum = 0;
    for (int i = 0; i < 50; i++) sum += fn();
    check("code page A, 50 calls", sum, 50);
    l0[6] = PTE(code_pages[1], V | R | X | A);
    __asm__ volatile("sfence.vma" ::: "memory");
    sum = 0;
    for (int i = 0; i < 50; i++) sum += fn();
    check("code page remapped to B after sfence.vma", sum, 100);
  }
  /* misaligned access crossing into an unmapped page faults with the page's address */
  (void)*(volatile u32 *)(VBASE + 0x1ffe);
  check("straddling load: first byte ok, second page unmapped", s_cause, 13);
  __asm__ volatile("li a7, -1\n ecall" ::: "a7", "memory");
}

int main(void) {
  puts_("paging test\n");
  csr_write(mtvec, (u64)m_trap_entry);
  csr_write(pmpaddr0, (u64)-1 >> 10);
  csr_write(pmpcfg0, 0x1f);
  l2[0] = PTE(0x0, V | R | W | A | D);                 /* MMIO, 1 GiB */
  l2[2] = PTE(0x80000000UL, V | R | W | X | A | D);    /* RAM identity, 1 GiB */
  l2[1] = PTE(l1, V);
  l1[0] = PTE((u64)l0, V);
  l0[0] = PTE(pages[0], V | R | W);
  l0[1] = PTE(pages[1], V | R);
  /* l0[2] left invalid */
  l0[3] = PTE(pages[3], V | R | W | U | A | D);
  l0[4] = PTE(pages[4], V | X | A);
  *(u64 *)pages[3] = 0x5555aaaa5555aaaaUL;
  *(u64 *)pages[4] = 0x0123456789abcdefUL;
  *(u64 *)pages[5] = 0xfeedfacecafebeefUL;
  code_pages[0][0] = 0x00100513; code_pages[0][1] = 0x00008067;
  code_pages[1][0] = 0x00200513; code_pages[1][1] = 0x00008067;
  l0[6] = PTE(code_pages[0], V | R | X | A);
  __asm__ volatile("fence.i" ::: "memory");
  u64 satp = (8UL << 60) | ((u64)l2 >> 12);
  csr_write(satp, satp);
  check("satp readback", csr_read(satp), satp);
  csr_write(medeleg, (1 << 12) | (1 << 13) | (1 << 15));
  csr_write(stvec, (u64)s_trap_entry);
  run_in_mode(s_main, 1 << 11);
  csr_write(satp, 0);
  puts_(failures ? "paging FAILED\n" : "paging PASSED\n");
  return failures;
}
