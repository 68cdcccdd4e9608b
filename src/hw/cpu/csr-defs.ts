// CSR numbers and bit masks used by the hart (privileged spec v1.12 names).

export const CSR = {
  fflags: 0x001, frm: 0x002, fcsr: 0x003,
  cycle: 0xc00, time: 0xc01, instret: 0xc02,
  sstatus: 0x100, sie: 0x104, stvec: 0x105, scounteren: 0x106, senvcfg: 0x10a,
  sscratch: 0x140, sepc: 0x141, scause: 0x142, stval: 0x143, sip: 0x144, stimecmp: 0x14d, satp: 0x180,
  mstatus: 0x300, misa: 0x301, medeleg: 0x302, mideleg: 0x303, mie: 0x304, mtvec: 0x305, mcounteren: 0x306,
  menvcfg: 0x30a, mcountinhibit: 0x320, mscratch: 0x340, mepc: 0x341, mcause: 0x342, mtval: 0x343, mip: 0x344,
  pmpcfg0: 0x3a0, pmpaddr0: 0x3b0,
  mcycle: 0xb00, minstret: 0xb02,
  mvendorid: 0xf11, marchid: 0xf12, mimpid: 0xf13, mhartid: 0xf14, mconfigptr: 0xf15,
} as const;

// mstatus (low 32 bits; the high word is UXL=SXL=2 plus SD, computed on read)
export const MS_SIE = 1 << 1, MS_MIE = 1 << 3, MS_SPIE = 1 << 5, MS_MPIE = 1 << 7, MS_SPP = 1 << 8;
export const MS_MPP_SHIFT = 11, MS_MPP = 3 << 11, MS_FS = 3 << 13, MS_XS = 3 << 15;
export const MS_MPRV = 1 << 17, MS_SUM = 1 << 18, MS_MXR = 1 << 19, MS_TVM = 1 << 20, MS_TW = 1 << 21, MS_TSR = 1 << 22;
export const MSTATUS_WMASK = MS_SIE | MS_MIE | MS_SPIE | MS_MPIE | MS_SPP | MS_MPP | MS_FS | MS_MPRV | MS_SUM | MS_MXR | MS_TVM | MS_TW | MS_TSR;
export const SSTATUS_MASK = MS_SIE | MS_SPIE | MS_SPP | MS_FS | MS_XS | MS_SUM | MS_MXR;

// interrupt bits
export const IRQ_SSI = 1, IRQ_MSI = 3, IRQ_STI = 5, IRQ_MTI = 7, IRQ_SEI = 9, IRQ_MEI = 11;
export const MIP_SSIP = 1 << 1, MIP_MSIP = 1 << 3, MIP_STIP = 1 << 5, MIP_MTIP = 1 << 7, MIP_SEIP = 1 << 9, MIP_MEIP = 1 << 11;
export const S_INTS = MIP_SSIP | MIP_STIP | MIP_SEIP;
export const M_INTS = MIP_MSIP | MIP_MTIP | MIP_MEIP;
/** Bits of mip that M-mode software may write (the rest are driven by CLINT/PLIC lines). */
export const MIP_WMASK = MIP_SSIP | MIP_STIP | MIP_SEIP;
/** Exceptions that can be delegated (QEMU: all but ecall-from-M; bits 0..15 minus 11, 10 and 14). */
export const MEDELEG_MASK = 0xb3ff;

// exception causes
export const EXC = {
  instrMisaligned: 0, instrAccess: 1, illegal: 2, breakpoint: 3, loadMisaligned: 4, loadAccess: 5,
  storeMisaligned: 6, storeAccess: 7, ecallU: 8, ecallS: 9, ecallM: 11,
  instrPage: 12, loadPage: 13, storePage: 15,
} as const;

export const PRV_U = 0, PRV_S = 1, PRV_M = 3;
