// The virt board's onboard devices and the machine type itself. They are created by machine-init and
// live under /machine/unattached; users cannot add or remove them.

import type { TypeInfo } from '../qom/types.ts';

export const onboardTypes: TypeInfo[] = [
  { name: 'machine', parent: 'object', abstract: true, doc: 'A board.' },
  { name: 'none-machine', parent: 'machine', doc: 'An empty machine: no RAM, no CPUs, no devices (for probing the emulator over QMP).' },
  { name: 'virt-machine', parent: 'machine', doc: 'RISC-V VirtIO board (the memory map and device tree of QEMU 7.2 riscv64 virt).' },
  { name: 'riscv.hart_array', parent: 'sys-bus-device', doc: 'The array of harts.',
    properties: [{ name: 'num-harts', type: 'uint32', doc: 'Number of harts.' }, { name: 'hartid-base', type: 'uint32', default: 0, doc: 'First hart id.' }] },
  { name: 'riscv.sifive.plic', parent: 'sys-bus-device', doc: 'Platform-level interrupt controller.' },
  { name: 'riscv.aclint.swi', parent: 'sys-bus-device', doc: 'CLINT software interrupts (msip).' },
  { name: 'riscv.aclint.mtimer', parent: 'sys-bus-device', doc: 'CLINT machine timer (mtime, mtimecmp) at 10 MHz.' },
  { name: 'serial-mm', parent: 'sys-bus-device', doc: 'A 16550A UART.',
    properties: [{ name: 'chardev', type: 'chardev', doc: 'The chardev connected to the UART.' }] },
  { name: 'riscv.sifive.test', parent: 'sys-bus-device', doc: 'The sifive,test power-off and reset device.' },
  { name: 'goldfish_rtc', parent: 'sys-bus-device', doc: 'The goldfish real-time clock.' },
  { name: 'virtio-mmio', parent: 'sys-bus-device', doc: 'A virtio-mmio transport; holds one virtio device.',
    providesBus: { type: 'virtio-bus', slots: 1, hotpluggable: false, suffix: 'virtio-mmio-bus' } },
  { name: 'fw_cfg_mem', parent: 'sys-bus-device', doc: "QEMU's firmware configuration interface (memory-mapped)." },
];
