/**
 * The device tree of the riscv64 `virt` machine, shaped like QEMU 7.2's (hw/riscv/virt.c): same
 * node names, node order, property order, values and phandle numbers, so firmware and kernels that
 * boot on QEMU's tree boot on emu's. Every place where emu's tree differs is listed in
 * docs/DEVICE-TREE.md, and test/fdt checks the list against QEMU's own tree.
 *
 * The input is a plain description of the live machine; nothing here reads machine objects, so
 * the machine layer decides what it passes (and two equal machines give byte-equal blobs).
 */

import { FdtError, FdtNode, FdtTree, serializeFdt, type SerializeOptions } from './writer.ts';
import { VIRT, VIRT_CPUS_MAX, VIRT_IRQ as MACHINE_IRQ, VIRT_PLIC_SOURCES } from '../machine/virt-memmap.ts';

// The memory map and interrupt numbers are the machine's (src/hw/machine/virt-memmap.ts); the names
// below are the ones this module's users know them by.
export const VIRT_MEMMAP = VIRT;
export const VIRT_IRQ = MACHINE_IRQ;
export const VIRT_PLIC_NUM_SOURCES = VIRT_PLIC_SOURCES;
export const VIRT_VIRTIO_COUNT = VIRT.virtio.count;
export const VIRT_MAX_HARTS = VIRT_CPUS_MAX;

/** QEMU 7.2 constants the tree carries. */
export const VIRT_UART_CLOCK_HZ = 3686400;
export const VIRT_TIMEBASE_HZ = 10_000_000;
export const VIRT_STDOUT_PATH = `/soc/serial@${VIRT_MEMMAP.uart0.base.toString(16)}`;

/** QEMU 7.2's `riscv,isa` for its default rv64 CPU; for comparison only, emu passes its own. */
export const QEMU_72_RV64_ISA = 'rv64imafdch_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc';
/** Programmable HPM counters of QEMU 7.2's default CPU (`pmu-num`). */
export const QEMU_72_PMU_COUNTERS = 16;

// RISC-V interrupt cause numbers used in interrupts-extended.
const IRQ_M_SOFT = 3;
const IRQ_M_TIMER = 7;
const IRQ_S_EXT = 9;
const IRQ_M_EXT = 11;

export interface VirtDtInput {
  /** Guest physical address of RAM; QEMU's virt uses VIRT_MEMMAP.dram.base. */
  ramBase: number | bigint;
  /** RAM size in bytes. */
  ramSize: number | bigint;
  /** Number of harts (one socket, one cluster, as QEMU without -numa). */
  harts: number;
  /**
   * `riscv,isa` of every hart, in QEMU's format (`rv64imac_zicsr_zifencei`). It must describe
   * what emu's CPU implements, which is not what QEMU advertises (QEMU_72_RV64_ISA).
   */
  isa: string;
  /** `mmu-type` of every hart (`riscv,sv39`, `riscv,sv48`); null omits it (no paging). */
  mmuType: string | null;
  /**
   * Programmable hardware performance counters (mhpmcounter3 upwards) of the CPU. They feed the
   * /pmu node's event map; 0 means the CPU has none and the /pmu node is omitted.
   */
  pmuCounters: number;
  /** Default VIRT_TIMEBASE_HZ (10 MHz), the rate of the CLINT's mtime. */
  timebaseFrequency?: number;
  /** virtio-mmio transports, 0..8; default 8. QEMU always lists all 8, occupied or not. */
  virtioTransports?: number;
  /** Kernel command line; omitted when absent or empty, as QEMU does. */
  bootargs?: string;
  /** Where the loader put the initrd: [start, end). */
  initrd?: { start: number | bigint; end: number | bigint };
  /** /chosen/stdout-path; default VIRT_STDOUT_PATH. */
  stdoutPath?: string;
  /**
   * Bytes for /chosen/rng-seed. QEMU fills 32 random bytes on every run; emu adds the property
   * only when the machine supplies a seed, so the default tree is deterministic.
   */
  rngSeed?: Uint8Array;
}

function hex(n: number | bigint): string {
  return n.toString(16);
}

function checkInput(input: VirtDtInput): void {
  if (!Number.isInteger(input.harts) || input.harts < 1 || input.harts > VIRT_MAX_HARTS) {
    throw new FdtError(`harts must be 1..${VIRT_MAX_HARTS}, not ${input.harts}`);
  }
  if (!/^rv(32|64)[a-z]+(_[a-z][a-z0-9]*)*$/.test(input.isa)) {
    throw new FdtError(`'${input.isa}' is not a riscv,isa string such as rv64imac_zicsr_zifencei`);
  }
  const transports = input.virtioTransports ?? VIRT_VIRTIO_COUNT;
  if (!Number.isInteger(transports) || transports < 0 || transports > VIRT_VIRTIO_COUNT) {
    throw new FdtError(`virtioTransports must be 0..${VIRT_VIRTIO_COUNT}, not ${transports}`);
  }
  // mhpmcounter3..31: at most 29 programmable counters.
  if (!Number.isInteger(input.pmuCounters) || input.pmuCounters < 0 || input.pmuCounters > 29) {
    throw new FdtError(`pmuCounters must be 0..29, not ${input.pmuCounters}`);
  }
  if (BigInt(input.ramSize) <= 0n) throw new FdtError('ramSize must be positive');
  if (input.initrd && BigInt(input.initrd.end) < BigInt(input.initrd.start)) {
    throw new FdtError('initrd ends before it starts');
  }
}

/**
 * The SBI PMU event → counter map OpenSBI reads: triples <first event, last event, counter mask>.
 * Cycle and instret also get their fixed counters (mcycle bit 0, minstret bit 2). The values and
 * the five trailing zero cells reproduce QEMU 7.2, which sizes its table for 20 cells and fills 15.
 */
function pmuEventMap(counters: number): number[] {
  const mask = ((2 ** counters - 1) * 8) >>> 0; // counters 3 .. 3+n-1
  const HW_CPU_CYCLES = 0x1;
  const HW_INSTRUCTIONS = 0x2;
  const DTLB_READ_MISS = 0x10019;
  const DTLB_WRITE_MISS = 0x1001b;
  const ITLB_PREFETCH_MISS = 0x10021;
  return [
    HW_CPU_CYCLES, HW_CPU_CYCLES, (mask | 1) >>> 0,
    HW_INSTRUCTIONS, HW_INSTRUCTIONS, (mask | 4) >>> 0,
    DTLB_READ_MISS, DTLB_READ_MISS, mask,
    DTLB_WRITE_MISS, DTLB_WRITE_MISS, mask,
    ITLB_PREFETCH_MISS, ITLB_PREFETCH_MISS, mask,
    0, 0, 0, 0, 0,
  ];
}

/** An address written as one cell when it fits, as QEMU 7.2 writes initrd bounds, else two. */
function addressCells(node: FdtNode, name: string, v: number | bigint): void {
  const b = BigInt(v);
  if (b <= 0xffffffffn) node.setCells(name, Number(b));
  else node.setU64(name, b);
}

export function buildVirtTree(input: VirtDtInput): FdtTree {
  checkInput(input);
  const n = input.harts;
  const tree = new FdtTree();
  const root = tree.root;

  root.setCells('#address-cells', 2);
  root.setCells('#size-cells', 2);
  root.setString('compatible', 'riscv-virtio');
  // Kept as QEMU's: software that identifies the board by model should see the board it knows.
  root.setString('model', 'riscv-virtio,qemu');

  // QEMU's numbering: harts from last to first, each cpu then its interrupt controller, then the
  // PLIC, then the test device (the syscon that poweroff/reboot point at).
  const cpuPhandle = (i: number): number => 2 * (n - 1 - i) + 1;
  const plicPhandle = 2 * n + 1;
  const testPhandle = 2 * n + 2;

  // Child order below is QEMU 7.2's final order. QEMU creates nodes through libfdt, which inserts
  // each new child and property first, so its output is roughly the reverse of its code; emu
  // writes the result directly.
  if (input.pmuCounters > 0) {
    root
      .addChild('pmu')
      .setCells('riscv,event-to-mhpmcounters', ...pmuEventMap(input.pmuCounters))
      .setString('compatible', 'riscv,pmu');
  }

  root
    .addChild(`fw-cfg@${hex(VIRT_MEMMAP.fwCfg.base)}`)
    .setEmpty('dma-coherent')
    .setU64('reg', VIRT_MEMMAP.fwCfg.base, VIRT_MEMMAP.fwCfg.size)
    .setString('compatible', 'qemu,fw-cfg-mmio');

  const chosen = root.addChild('chosen');
  if (input.initrd) {
    addressCells(chosen, 'linux,initrd-end', input.initrd.end);
    addressCells(chosen, 'linux,initrd-start', input.initrd.start);
  }
  if (input.rngSeed) chosen.setBytes('rng-seed', input.rngSeed);
  if (input.bootargs) chosen.setString('bootargs', input.bootargs);
  chosen.setString('stdout-path', input.stdoutPath ?? VIRT_STDOUT_PATH);

  const poweroff = root.addChild('poweroff');
  const reboot = root.addChild('reboot');

  const memory = root.addChild(`memory@${hex(input.ramBase)}`);
  memory.setString('device_type', 'memory').setU64('reg', input.ramBase, input.ramSize);

  const cpus = root.addChild('cpus');
  cpus.setCells('#address-cells', 1);
  cpus.setCells('#size-cells', 0);
  cpus.setCells('timebase-frequency', input.timebaseFrequency ?? VIRT_TIMEBASE_HZ);
  const cpuNodes: FdtNode[] = [];
  const intcs: FdtNode[] = [];
  for (let i = 0; i < n; i++) {
    // Decimal, unlike every other unit address here: QEMU names harts with %d (cpu@10, not cpu@a).
    const cpu = cpus.addChild(`cpu@${i}`);
    cpu.setPhandle(cpuPhandle(i));
    cpu.setString('device_type', 'cpu');
    cpu.setCells('reg', i);
    cpu.setString('status', 'okay');
    cpu.setString('compatible', 'riscv');
    cpu.setString('riscv,isa', input.isa);
    if (input.mmuType !== null) cpu.setString('mmu-type', input.mmuType);
    const intc = cpu.addChild('interrupt-controller');
    intc.setCells('#interrupt-cells', 1);
    intc.setEmpty('interrupt-controller');
    intc.setString('compatible', 'riscv,cpu-intc');
    intc.setPhandle(cpuPhandle(i) + 1);
    cpuNodes.push(cpu);
    intcs.push(intc);
  }
  const cluster = cpus.addChild('cpu-map').addChild('cluster0');
  for (let i = 0; i < n; i++) cluster.addChild(`core${i}`).setCells('cpu', cpuNodes[i]);

  const soc = root.addChild('soc');
  soc.setCells('#address-cells', 2);
  soc.setCells('#size-cells', 2);
  soc.setString('compatible', 'simple-bus');
  soc.setEmpty('ranges');

  // All soc children are created first, in order, and filled in afterwards, because the early ones
  // refer to the PLIC, which comes late.
  const rtc = soc.addChild(`rtc@${hex(VIRT_MEMMAP.rtc.base)}`);
  const serial = soc.addChild(`serial@${hex(VIRT_MEMMAP.uart0.base)}`);
  const test = soc.addChild(`test@${hex(VIRT_MEMMAP.test.base)}`);
  const transports = input.virtioTransports ?? VIRT_VIRTIO_COUNT;
  const virtios: FdtNode[] = [];
  for (let i = transports - 1; i >= 0; i--) {
    virtios.push(soc.addChild(`virtio_mmio@${hex(VIRT_MEMMAP.virtio.base + i * VIRT_MEMMAP.virtio.size)}`));
  }
  const plic = soc.addChild(`plic@${hex(VIRT_MEMMAP.plic.base)}`);
  const clint = soc.addChild(`clint@${hex(VIRT_MEMMAP.clint.base)}`);

  rtc
    .setCells('interrupts', VIRT_IRQ.rtc)
    .setCells('interrupt-parent', plic)
    .setU64('reg', VIRT_MEMMAP.rtc.base, VIRT_MEMMAP.rtc.size)
    .setString('compatible', 'google,goldfish-rtc');

  serial
    .setCells('interrupts', VIRT_IRQ.uart0)
    .setCells('interrupt-parent', plic)
    .setCells('clock-frequency', VIRT_UART_CLOCK_HZ)
    .setU64('reg', VIRT_MEMMAP.uart0.base, VIRT_MEMMAP.uart0.size)
    .setString('compatible', 'ns16550a');

  test
    .setPhandle(testPhandle)
    .setU64('reg', VIRT_MEMMAP.test.base, VIRT_MEMMAP.test.size)
    .setStrings('compatible', 'sifive,test1', 'sifive,test0', 'syscon');

  virtios.forEach((node, k) => {
    const i = transports - 1 - k;
    node
      .setCells('interrupts', VIRT_IRQ.virtio0 + i)
      .setCells('interrupt-parent', plic)
      .setU64('reg', VIRT_MEMMAP.virtio.base + i * VIRT_MEMMAP.virtio.size, VIRT_MEMMAP.virtio.size)
      .setString('compatible', 'virtio,mmio');
  });

  plic
    .setPhandle(plicPhandle)
    .setCells('riscv,ndev', VIRT_PLIC_NUM_SOURCES)
    .setU64('reg', VIRT_MEMMAP.plic.base, VIRT_MEMMAP.plic.size)
    .setCells('interrupts-extended', ...intcs.flatMap((intc) => [intc, IRQ_M_EXT, intc, IRQ_S_EXT]))
    .setEmpty('interrupt-controller')
    .setStrings('compatible', 'sifive,plic-1.0.0', 'riscv,plic0')
    .setCells('#address-cells', 0)
    .setCells('#interrupt-cells', 1);

  clint
    .setCells('interrupts-extended', ...intcs.flatMap((intc) => [intc, IRQ_M_SOFT, intc, IRQ_M_TIMER]))
    .setU64('reg', VIRT_MEMMAP.clint.base, VIRT_MEMMAP.clint.size)
    .setStrings('compatible', 'sifive,clint0', 'riscv,clint0');

  poweroff
    .setCells('value', 0x5555)
    .setCells('offset', 0)
    .setCells('regmap', test)
    .setString('compatible', 'syscon-poweroff');
  reboot
    .setCells('value', 0x7777)
    .setCells('offset', 0)
    .setCells('regmap', test)
    .setString('compatible', 'syscon-reboot');

  return tree;
}

/**
 * The blob emu hands the guest. Not padded by default: the header's totalsize is the real size.
 * Room to edit the tree in place comes from where the loader puts it (free RAM after it, as QEMU
 * places its packed tree), or pass `padTo`.
 */
export function buildVirtDtb(input: VirtDtInput, options: SerializeOptions = {}): Uint8Array {
  return serializeFdt(buildVirtTree(input), options);
}
