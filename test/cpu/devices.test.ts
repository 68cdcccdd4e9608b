// Register-level behaviour of the board devices and the image placement rules, without a CPU.
import t from 'tap';
import { Plic } from '../../src/hw/guest/plic.ts';
import { Uart16550 } from '../../src/hw/guest/uart16550.ts';
import { Clint } from '../../src/hw/guest/clint.ts';
import { VirtualClock } from '../../src/hw/guest/clock.ts';
import { SifiveTest } from '../../src/hw/guest/sifive-test.ts';
import { BootRom } from '../../src/hw/guest/boot-rom.ts';
import { GoldfishRtc } from '../../src/hw/guest/goldfish-rtc.ts';
import { AddressSpace, BusError } from '../../src/hw/memory/address-space.ts';
import { fdtAddr, kernelStartAddr, initrdAddr, loadFirmware, loadKernel } from '../../src/hw/loader/boot.ts';
import { parseElf64 } from '../../src/hw/loader/elf.ts';
import { guestElf } from './helpers.ts';

const MiB = 1024 * 1024;

class Lines {
  bits = new Map<string, boolean>();
  hart(h: number) { return { setIrq: (bit: number, lvl: boolean) => this.bits.set(`${h}:${bit}`, lvl) }; }
  get(h: number, bit: number) { return this.bits.get(`${h}:${bit}`) ?? false; }
}

t.test('PLIC: priorities, enables, threshold, claim/complete, level re-trigger', async (t) => {
  const l = new Lines();
  const p = new Plic([l.hart(0), l.hart(1)]);
  const ctx = (c: number) => 0x200000 + 0x1000 * c;
  p.write(4 * 5, 4, 1); p.write(4 * 9, 4, 3);
  p.write(0x2000 + 0x80 * 1, 4, (1 << 5) | (1 << 9)); // hart 0 S context
  p.line(5).set(true); p.line(9).set(true);
  t.equal(l.get(0, 11), false, 'M context of hart 0 has nothing enabled');
  t.equal(l.get(0, 9), true, 'S context raises SEIP');
  t.equal(p.read(0x1000, 4), (1 << 5) | (1 << 9), 'pending bits');
  t.equal(p.read(ctx(1) + 4, 4), 9, 'claim returns the highest priority first');
  t.equal(p.read(ctx(1) + 4, 4), 5, 'then the next');
  t.equal(p.read(ctx(1) + 4, 4), 0, 'claimed sources are not presented again');
  t.equal(l.get(0, 9), false, 'SEIP drops when nothing is claimable');
  p.line(5).set(false);
  p.write(ctx(1) + 4, 4, 5);
  t.equal(p.read(0x1000, 4) & (1 << 5), 0, 'a completed source whose line is low stays idle');
  p.write(ctx(1) + 4, 4, 9);
  t.equal(p.read(0x1000, 4) & (1 << 9), 1 << 9, 'a completed source whose line is still high is pending again');
  p.write(ctx(1), 4, 3);
  t.equal(l.get(0, 9), false, 'threshold 3 masks priority 3');
  p.write(ctx(1), 4, 2);
  t.equal(l.get(0, 9), true, 'threshold 2 lets it through');
  t.equal(p.read(4 * 9, 4), 3, 'priority reads back');
  p.write(4 * 9, 4, 0xff);
  t.equal(p.read(4 * 9, 4), 7, 'priorities are 3 bits, as QEMU virt');
});

t.test('16550A: divisor latch, LSR, IIR, RX FIFO and interrupts', async (t) => {
  let irq = false;
  const out: number[] = [];
  const u = new Uart16550({ set: (v) => { irq = v; } }, { write: (d) => out.push(...d) });
  t.equal(u.read(5, 1), 0x60, 'LSR: transmitter empty, no data');
  t.equal(u.read(2, 1), 0x01, 'IIR: no interrupt');
  u.write(3, 1, 0x80); u.write(0, 1, 0x01); u.write(1, 1, 0x02);
  t.equal(u.read(0, 1), 0x01, 'DLL behind DLAB'); t.equal(u.read(1, 1), 0x02, 'DLM behind DLAB');
  u.write(3, 1, 0x03);
  t.equal(u.read(3, 1), 0x03, 'LCR');
  u.write(0, 1, 0x41);
  t.same(out, [0x41], 'THR goes to the backend');
  u.write(1, 1, 0x02);
  t.ok(irq, 'THRE interrupt when enabled with THR empty');
  t.equal(u.read(2, 1), 0x02, 'IIR THRI');
  t.notOk(irq, 'reading IIR clears THRI');
  u.write(1, 1, 0x01);
  u.write(2, 1, 0x01); // FIFO on
  u.push('hello world, more than sixteen bytes');
  t.ok(irq, 'RX interrupt');
  t.equal(u.read(2, 1), 0xc4, 'IIR RDI with FIFO bits');
  let s = '';
  while (u.read(5, 1) & 1) s += String.fromCharCode(u.read(0, 1));
  t.equal(s, 'hello world, more than sixteen bytes', 'every byte arrives, in order, through the 16-byte FIFO');
  t.notOk(irq, 'no interrupt once drained');
  t.equal(u.read(6, 1), 0xb0, 'MSR: DCD, DSR, CTS');
  u.write(7, 1, 0x5a); t.equal(u.read(7, 1), 0x5a, 'scratch register');
});

t.test('CLINT: mtime at 10 MHz, mtimecmp drives MTIP, msip drives MSIP', async (t) => {
  const l = new Lines();
  const clock = new VirtualClock();
  const c = new Clint([l.hart(0), l.hart(1)], clock);
  const a = c.mtime();
  await new Promise((r) => setTimeout(r, 50));
  const d = c.mtime() - a;
  t.ok(d > 300000 && d < 5000000, `mtime advanced ${d} ticks in ~50 ms`);
  c.write(0x4008, 4, 0xffffffff); c.write(0x400c, 4, 0xffffffff);
  t.equal(l.get(1, 7), false, 'far mtimecmp: MTIP low');
  const now = c.mtime();
  c.write(0x4008, 4, (now + 1000) % 2 ** 32); c.write(0x400c, 4, Math.floor((now + 1000) / 2 ** 32));
  await new Promise((r) => setTimeout(r, 5));
  c.update();
  t.equal(l.get(1, 7), true, 'MTIP once mtime passes mtimecmp');
  c.write(4, 4, 1);
  t.equal(l.get(1, 3), true, 'msip[1] raises MSIP of hart 1');
  t.equal(c.read(4, 4), 1, 'msip reads back');
  c.write(4, 4, 0);
  t.equal(l.get(1, 3), false, 'and clears it');
  clock.pause();
  const p = c.mtime();
  await new Promise((r) => setTimeout(r, 20));
  t.equal(c.mtime(), p, 'mtime stops while the machine is paused');
});

t.test('sifive,test, boot ROM and goldfish RTC', async (t) => {
  const ev: string[] = [];
  const st = new SifiveTest({ poweroff: (c) => ev.push(`off ${c}`), reset: () => ev.push('reset') });
  st.write(0, 4, 0x5555); st.write(0, 4, 0x7777); st.write(0, 4, 0x3333 | (7 << 16)); st.write(0, 4, 0x1234);
  t.same(ev, ['off 0', 'reset', 'off 7'], 'pass, reset and fail codes');
  const rom = new BootRom({ startAddr: 0x80000000n, fdtAddr: 0x8fe00000n, kernelEntry: 0x80200000n });
  t.equal(rom.read(0, 4), 0x00000297, 'auipc t0, 0');
  t.equal(rom.read(24, 4), 0x80000000, 'start address');
  t.equal(rom.read(32, 4), 0x8fe00000, 'fdt address');
  t.equal(rom.read(40, 4), 0x4942534f, 'fw_dynamic_info magic "OSBI"');
  t.equal(rom.read(56, 4), 0x80200000, 'next_addr = kernel entry');
  t.equal(rom.read(64, 4), 1, 'next_mode = S');
  let irq = false;
  const rtc = new GoldfishRtc({ set: (v) => { irq = v; } });
  t.teardown(() => rtc.dispose());
  const lo = rtc.read(0), hi = rtc.read(4);
  const ns = hi * 2 ** 32 + lo;
  t.ok(Math.abs(ns / 1e6 - Date.now()) < 5000, 'time is Unix time in ns');
  rtc.write(0x10, 4, 1);
  const at = BigInt(ns) + 20_000_000n;
  rtc.write(0x0c, 4, Number(at >> 32n)); rtc.write(0x08, 4, Number(at & 0xffffffffn));
  await new Promise((r) => setTimeout(r, 60));
  t.ok(irq, 'alarm interrupt');
  rtc.write(0x1c, 4, 1);
  t.notOk(irq, 'cleared');
});

t.test('address space: RAM, MMIO dispatch, faults, overlap', async (t) => {
  const as = new AddressSpace(16 * MiB);
  const seen: string[] = [];
  as.map(0x10000000, 0x100, { read: (o, s) => { seen.push(`r${o}/${s}`); return 0xab; }, write: (o, s, v) => { seen.push(`w${o}/${s}=${v}`); } }, 'dev');
  as.write(0x80000010, 4, 0xdeadbeef);
  t.equal(as.read(0x80000010, 4), 0xdeadbeef, 'RAM round trip');
  t.equal(as.read(0x80000011, 1), 0xbe, 'little endian');
  t.equal(as.read(0x10000004, 1), 0xab, 'MMIO read');
  as.write(0x10000005, 2, 0x1ffff);
  t.same(seen, ['r4/1', 'w5/2=65535'], 'offsets and sizes reach the device, values masked');
  t.throws(() => as.read(0x20000000, 4), BusError, 'unmapped read faults');
  t.throws(() => as.map(0x10000080, 0x100, { read: () => 0, write: () => {} }, 'x'), /overlaps/, 'overlap refused');
  t.ok(as.unmap(0x10000000), 'unmap returns the device');
  t.throws(() => as.read(0x10000004, 1), BusError, 'gone after unmap');
  as.map(0x10000000, 0x100, { read: () => 7, write: () => {} }, 'replacement');
  t.equal(as.read(0x10000000, 4), 7, 'a replacement can be mapped');
});

t.test('image placement follows QEMU 7.2', async (t) => {
  t.equal(fdtAddr(0x80000000, 256 * MiB, 1 * MiB), 0x8fe00000, 'DTB with -m 256M (OpenSBI: Next Arg1 0x8fe00000)');
  t.equal(fdtAddr(0x80000000, 128 * MiB, 8192), 0x87e00000, 'DTB with -m 128M');
  t.equal(fdtAddr(0x80000000, 4096 * MiB, 8192), 0xbfe00000, 'DTB below 3 GiB with large RAM');
  t.equal(kernelStartAddr(0x80000000 + 288 * 1024), 0x80200000, 'kernel after OpenSBI at 0x80200000');
  t.equal(kernelStartAddr(0x80000000), 0x80000000, 'kernel at RAM start with -bios none');
  t.equal(initrdAddr(new AddressSpace(256 * MiB), 0x80200000), 0x88200000, 'initrd at kernel + 128 MiB');
  t.equal(initrdAddr(new AddressSpace(64 * MiB), 0x80200000), 0x82200000, 'initrd at kernel + ram/2 on small RAM');
  const as = new AddressSpace(64 * MiB);
  const fw = loadFirmware(as, new Uint8Array(300 * 1024).fill(1));
  t.same(fw, { entry: 0x80000000, end: 0x80000000 + 300 * 1024 }, 'raw firmware at RAM start');
  const k = loadKernel(as, new Uint8Array(16).fill(2), fw.end);
  t.equal(k.entry, 0x80200000, 'raw kernel at the next 2 MiB boundary');
  const elf = parseElf64(guestElf('isa'));
  t.equal(elf.entry, 0x80000000n, 'ELF entry');
  t.equal(elf.segments[0].paddr, 0x80000000, 'ELF loads at its physical address');
  t.throws(() => parseElf64(new Uint8Array(64)), /not an ELF/, 'non-ELF refused');
});
