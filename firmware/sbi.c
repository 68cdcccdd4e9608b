/* The SBI an S-mode payload needs (base, legacy console and timer, TIME, IPI, RFENCE, HSM, SRST),
   written from the RISC-V SBI specification v1.0. */
#include "fw.h"

#define SBI_SPEC_VERSION ((1UL << 24) | 0) /* 1.0 */
/* Not a registered SBI implementation ID: "emu" in ASCII, far above the registered ones. */
#define SBI_IMPL_ID 0x656d75UL
#ifndef FW_VERSION_CODE
#define FW_VERSION_CODE 0
#endif

#define EXT_BASE 0x10
#define EXT_TIME 0x54494d45
#define EXT_IPI 0x735049
#define EXT_RFENCE 0x52464e43
#define EXT_HSM 0x48534d
#define EXT_SRST 0x53525354

#define ERR_SUCCESS 0
#define ERR_NOT_SUPPORTED (-2)
#define ERR_INVALID_PARAM (-3)
#define ERR_ALREADY_AVAILABLE (-6)

#define HSM_STARTED 0
#define HSM_STOPPED 1
#define HSM_START_PENDING 2

/* Work one hart asks of another through its msip. Fences are acknowledged by clearing the bit,
   so the sender can wait for them as the RFENCE calls promise. */
#define IPI_SSIP 1UL
#define IPI_FENCE_I 2UL
#define IPI_SFENCE_VMA 4UL

u32 nharts = 1;
static volatile u64 ipi_pending[MAX_HARTS];
static volatile u32 hsm_state[MAX_HARTS];
static u64 hsm_addr[MAX_HARTS], hsm_opaque[MAX_HARTS];

/* What every hart does before running S-mode code: OpenSBI's split of interrupts and exceptions,
   PMP open to S and U outside the firmware, counters readable, no stale timer interrupt. */
extern char __fw_end[]; /* link.ld: the end of the stacks */

void hart_init(u64 hartid) {
  csr_write(mideleg, MIP_SSIP | MIP_STIP | MIP_SEIP);
  /* misaligned fetch, breakpoint, ecall from U, the three page faults */
  csr_write(medeleg, (1UL << 0) | (1UL << 3) | (1UL << 8) | (1UL << 12) | (1UL << 13) | (1UL << 15));
  csr_write(mcounteren, 7);
  /* Entry 1 (TOR from entry 0's address) keeps S and U out of the firmware's image, data and
     stacks (M-mode ignores unlocked entries); entry 2 opens everything else. Not the whole 2 MiB
     kept from the kernel: U-Boot puts its early stack just below 0x80200000, as it does above
     OpenSBI, whose region is its own footprint too. */
  csr_write(pmpaddr0, FW_BASE >> 2);
  csr_write(pmpaddr1, (u64)__fw_end >> 2);
  csr_write(pmpaddr2, ~0UL >> 10);
  csr_write(pmpcfg0, (0x08UL << 8) | (0x1fUL << 16));
  mmio_w64(CLINT_MTIMECMP(hartid), ~0UL);
  csr_clear(mip, MIP_STIP | MIP_SSIP);
  csr_write(mie, MIP_MSIP);
}

void sbi_set_boot_hart(u64 hartid) {
  for (u32 i = 0; i < nharts; i++) hsm_state[i] = i == hartid ? HSM_STARTED : HSM_STOPPED;
}

/* One write: emu acts on it once the running slice ends, and every further write would queue
   another whole-machine reset. */
void system_reset(int reboot) {
  mmio_w32(TEST_BASE, reboot ? 0x7777 : 0x5555);
  for (;;) __asm__ volatile("wfi");
}

static void send_msip(u64 hart) { mmio_w32(CLINT_BASE + 4 * hart, 1); }

static void do_local(u64 work) {
  if (work & IPI_SSIP) csr_set(mip, MIP_SSIP);
  if (work & IPI_FENCE_I) __asm__ volatile("fence.i" ::: "memory");
  /* A whole-TLB flush is a correct (if coarse) answer to any range or ASID. */
  if (work & IPI_SFENCE_VMA) __asm__ volatile("sfence.vma" ::: "memory");
}

/* Takes the work other harts left for this one; clearing only after doing it acknowledges it. */
static void handle_ipi(u64 me) {
  mmio_w32(CLINT_BASE + 4 * me, 0);
  u64 work = ipi_pending[me];
  if (!work) return;
  do_local(work);
  __atomic_fetch_and(&ipi_pending[me], ~work, __ATOMIC_SEQ_CST);
}

/* Applies work to the harts of (mask, base); returns an SBI error. */
static i64 send_work(u64 mask, u64 base, u64 work, int wait) {
  u64 me = csr_read(mhartid);
  u64 targets[64];
  int n = 0;
  for (u64 i = 0; i < 64; i++) {
    u64 h;
    if (base == ~0UL) {
      h = i;
      if (h >= nharts) break;
    } else {
      if (!(mask & (1UL << i))) continue;
      h = base + i;
      if (h >= nharts) return ERR_INVALID_PARAM;
    }
    targets[n++] = h;
  }
  if (base == ~0UL && nharts > 64) {
    /* Every hart: beyond 64 in a second pass, the local array only holds one window. */
    for (u64 h = 64; h < nharts; h++) {
      if (hsm_state[h] != HSM_STARTED) continue;
      __atomic_fetch_or(&ipi_pending[h], work, __ATOMIC_SEQ_CST);
      send_msip(h);
    }
  }
  for (int k = 0; k < n; k++) {
    u64 h = targets[k];
    if (h == me) do_local(work);
    else if (hsm_state[h] == HSM_STARTED) {
      __atomic_fetch_or(&ipi_pending[h], work, __ATOMIC_SEQ_CST);
      send_msip(h);
    }
  }
  if (!wait) return ERR_SUCCESS;
  for (int k = 0; k < n; k++) {
    u64 h = targets[k];
    if (h == me) continue;
    /* Serve our own queue while waiting, or two harts fencing each other would deadlock. */
    while ((ipi_pending[h] & work) && hsm_state[h] == HSM_STARTED) handle_ipi(me);
  }
  return ERR_SUCCESS;
}

/* An exception the payload should see: delivered as if it had been delegated. */
static void redirect_to_s(u64 cause, u64 tval) {
  u64 ms = csr_read(mstatus);
  if ((ms & MSTATUS_MPP) == MSTATUS_MPP) {
    printf_("emu-fw: unexpected trap in M-mode: mcause %lx mepc %lx mtval %lx\n", cause, csr_read(mepc), tval);
    system_reset(0);
  }
  csr_write(scause, cause);
  csr_write(sepc, csr_read(mepc));
  csr_write(stval, tval);
  u64 from_s = (ms & MSTATUS_MPP) == MSTATUS_MPP_S;
  ms &= ~(MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_MPP);
  if (from_s) ms |= MSTATUS_SPP;
  if (csr_read(mstatus) & MSTATUS_SIE) ms |= MSTATUS_SPIE;
  ms |= MSTATUS_MPP_S;
  csr_write(mstatus, ms);
  csr_write(mepc, csr_read(stvec) & ~3UL);
}

static void set_timer(u64 hartid, u64 when) {
  mmio_w64(CLINT_MTIMECMP(hartid), when);
  csr_clear(mip, MIP_STIP);
  csr_set(mie, MIP_MTIP);
}

static int probe(u64 ext) {
  switch (ext) {
    case EXT_BASE: case EXT_TIME: case EXT_IPI: case EXT_RFENCE: case EXT_HSM: case EXT_SRST:
    case 0x00: case 0x01: case 0x02: case 0x08:
      return 1;
  }
  return 0;
}

static void hart_stop(u64 me) {
  hsm_state[me] = HSM_STOPPED;
  csr_write(mie, MIP_MSIP);
  csr_clear(mip, MIP_STIP | MIP_SSIP);
  mmio_w64(CLINT_MTIMECMP(me), ~0UL);
  ipi_pending[me] = 0;
  park();
}

/* Parked harts wait here for HSM hart_start. */
void secondary_main(u64 hartid) {
  csr_write(mie, MIP_MSIP);
  for (;;) {
    __asm__ volatile("wfi");
    mmio_w32(CLINT_BASE + 4 * hartid, 0);
    ipi_pending[hartid] = 0;
    if (hsm_state[hartid] == HSM_START_PENDING) {
      __atomic_thread_fence(__ATOMIC_SEQ_CST);
      hart_init(hartid);
      hsm_state[hartid] = HSM_STARTED;
      enter_smode(hsm_addr[hartid], hartid, hsm_opaque[hartid]);
    }
  }
}

static i64 sbi_call(struct regs *r, u64 me, u64 *value) {
  u64 ext = r->x[17], fid = r->x[16];
  u64 a0 = r->x[10], a1 = r->x[11], a2 = r->x[12];
  switch (ext) {
    case EXT_BASE:
      switch (fid) {
        case 0: *value = SBI_SPEC_VERSION; return 0;
        case 1: *value = SBI_IMPL_ID; return 0;
        case 2: *value = FW_VERSION_CODE; return 0;
        case 3: *value = probe(a0); return 0;
        case 4: *value = csr_read(mvendorid); return 0;
        case 5: *value = csr_read(marchid); return 0;
        case 6: *value = csr_read(mimpid); return 0;
      }
      return ERR_NOT_SUPPORTED;
    case EXT_TIME:
      if (fid != 0) return ERR_NOT_SUPPORTED;
      set_timer(me, a0);
      return 0;
    case EXT_IPI:
      if (fid != 0) return ERR_NOT_SUPPORTED;
      return send_work(a0, a1, IPI_SSIP, 0);
    case EXT_RFENCE:
      switch (fid) {
        case 0: return send_work(a0, a1, IPI_FENCE_I, 1);
        case 1: case 2: return send_work(a0, a1, IPI_SFENCE_VMA, 1);
      }
      return ERR_NOT_SUPPORTED; /* the hypervisor fences: no H extension */
    case EXT_HSM:
      switch (fid) {
        case 0:
          if (a0 >= nharts) return ERR_INVALID_PARAM;
          if (hsm_state[a0] != HSM_STOPPED) return ERR_ALREADY_AVAILABLE;
          hsm_addr[a0] = a1;
          hsm_opaque[a0] = a2;
          __atomic_thread_fence(__ATOMIC_SEQ_CST);
          hsm_state[a0] = HSM_START_PENDING;
          send_msip(a0);
          return 0;
        case 1: hart_stop(me);
        case 2:
          if (a0 >= nharts) return ERR_INVALID_PARAM;
          *value = hsm_state[a0];
          return 0;
      }
      return ERR_NOT_SUPPORTED; /* hart_suspend */
    case EXT_SRST:
      if (fid != 0) return ERR_NOT_SUPPORTED;
      if (a0 > 2) return ERR_INVALID_PARAM;
      system_reset(a0 != 0);
  }
  return ERR_NOT_SUPPORTED;
}

void trap(struct regs *r) {
  u64 cause = csr_read(mcause), me = csr_read(mhartid);
  if ((i64)cause < 0) {
    switch (cause & 63) {
      case 7: /* M timer: hand it to S as OpenSBI does, until the next set_timer */
        csr_clear(mie, MIP_MTIP);
        csr_set(mip, MIP_STIP);
        return;
      case 3:
        handle_ipi(me);
        return;
    }
    return;
  }
  if (cause == 9) { /* ecall from S */
    u64 ext = r->x[17];
    csr_write(mepc, csr_read(mepc) + 4);
    if (ext < 0x10) { /* legacy calls return their value in a0 alone */
      switch (ext) {
        case 0x00: set_timer(me, r->x[10]); r->x[10] = 0; return;
        case 0x01: putchar_((int)r->x[10]); r->x[10] = 0; return;
        case 0x02: r->x[10] = (u64)(i64)getchar_(); return;
        case 0x08: system_reset(0);
      }
      r->x[10] = (u64)ERR_NOT_SUPPORTED;
      return;
    }
    u64 value = r->x[11];
    i64 err = sbi_call(r, me, &value);
    r->x[10] = (u64)err;
    r->x[11] = value;
    return;
  }
  redirect_to_s(cause, csr_read(mtval));
}
