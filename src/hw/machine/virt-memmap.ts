// QEMU 7.2 riscv64 virt's memory map and interrupt numbers (hw/riscv/virt.c), which firmware
// written for QEMU (OpenSBI, U-Boot, Linux) expects.

export const VIRT = {
  mrom: { base: 0x1000, size: 0xf000 },
  test: { base: 0x100000, size: 0x1000 },
  rtc: { base: 0x101000, size: 0x1000 },
  clint: { base: 0x2000000, size: 0x10000 },
  plic: { base: 0xc000000, size: 0x600000 },
  uart0: { base: 0x10000000, size: 0x100 },
  virtio: { base: 0x10001000, size: 0x1000, count: 8 },
  fwCfg: { base: 0x10100000, size: 0x18 },
  dram: { base: 0x80000000 },
} as const;

export const VIRT_IRQ = {
  uart0: 10,
  rtc: 11,
  /** virtio-mmio transport N (0-based) uses IRQ 1 + N. */
  virtio0: 1,
} as const;

/** Number of interrupt sources of the PLIC (riscv,ndev). */
export const VIRT_PLIC_SOURCES = 96;
/** QEMU's limit for virt (VIRT_CPUS_MAX). */
export const VIRT_CPUS_MAX = 512;
export const VIRT_DEFAULT_RAM = 128 * 1024 * 1024;
