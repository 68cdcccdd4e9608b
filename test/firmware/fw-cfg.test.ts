// fw_cfg as QEMU 7.2's riscv virt has it, read by a guest program (test/guests/fwcfg.c) through
// the data register and DMA: the transcripts were made by QEMU (`make -C test/guests expected`) and
// emu-legacy must reproduce them byte for byte, on an empty machine and on one with disks and a CD
// drive carrying bootindex values. emu's own files (etc/emu/boot-order, etc/emu/drives) are checked
// through the machine's configuration.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCore } from '../../src/qmp/core.ts';
import { virtFwCfgContent, firmwarePath } from '../../src/hw/machine/fw-cfg-content.ts';
import { EMU_LEGACY, ROOT, runBinary, tempDir } from '../helpers/emu.ts';
import { hasCommand } from '../cpu/helpers.ts';

const GUESTS = join(ROOT, 'test/guests');
const haveQemu = hasCommand('qemu-system-riscv64');

function devicesRun(emulator: string): string {
  return execFileSync(join(GUESTS, 'fwcfg-devices.sh'), [emulator, tempDir()], { encoding: 'latin1', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

t.test('an empty machine: the transcript of QEMU 7.2', async (t) => {
  const r = await runBinary(t, EMU_LEGACY, ['-M', 'virt', '-bios', 'none', '-kernel', join(GUESTS, 'fwcfg.elf'), '-nographic', '-m', '128M'], { timeoutMs: 60_000 });
  t.equal(r.stdout, readFileSync(join(GUESTS, 'fwcfg.expected'), 'latin1'));
  t.equal(r.code, 0);
});

t.test('disks and a CD drive with bootindex: bootorder, UUID, boot menu, reboot timeout as QEMU', async (t) => {
  const out = devicesRun(EMU_LEGACY);
  t.equal(out, readFileSync(join(GUESTS, 'fwcfg-devices.expected'), 'latin1'));
  t.match(out, /bootorder:\r\n\/virtio-mmio@0000000010006000\/channel@0\/disk@3,2\r\n/);
});

t.test('the same run on live QEMU gives the committed transcript', { skip: haveQemu ? false : 'qemu-system-riscv64 not installed (Debian package qemu-system-misc)' }, async (t) => {
  t.equal(devicesRun('qemu-system-riscv64'), readFileSync(join(GUESTS, 'fwcfg-devices.expected'), 'latin1'));
});

t.test('-boot strict=on ends the bootorder with HALT, as QEMU', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.img'), Buffer.alloc(65536));
  const args = (strict: string) => ['-nodefaults', '-nographic', '-serial', 'stdio', '-M', 'virt', '-bios', 'none', '-kernel', join(GUESTS, 'fwcfg.elf'), '-m', '128M', '-boot', `strict=${strict}`,
    '-drive', `if=none,id=a,format=raw,file=${join(dir, 'a.img')}`, '-device', 'virtio-blk-device,drive=a,bootindex=2'];
  const on = await runBinary(t, EMU_LEGACY, args('on'), { timeoutMs: 60_000 });
  t.match(on.stdout, /bootorder:\r\n\/virtio-mmio@0000000010008000\/disk@0,0\r\nHALT<NUL>\r\n/);
  const off = await runBinary(t, EMU_LEGACY, args('off'), { timeoutMs: 60_000 });
  t.match(off.stdout, /bootorder:\r\n\/virtio-mmio@0000000010008000\/disk@0,0<NUL>\r\n/);
  if (haveQemu) {
    t.equal(execFileSync('qemu-system-riscv64', args('on'), { encoding: 'latin1', timeout: 30_000 }), on.stdout, 'the transcript of QEMU 7.2');
  }
});

t.test("a bootindex used twice is refused with QEMU's text", async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.img'), Buffer.alloc(65536));
  writeFileSync(join(dir, 'b.img'), Buffer.alloc(65536));
  const r = await runBinary(t, EMU_LEGACY, ['-display', 'none', '-S',
    '-drive', `if=none,id=a,format=raw,file=${join(dir, 'a.img')}`, '-device', 'virtio-blk-device,drive=a,bootindex=2',
    '-drive', `if=none,id=b,format=raw,file=${join(dir, 'b.img')}`, '-device', 'virtio-blk-device,drive=b,bootindex=2'], { timeoutMs: 30_000 });
  t.equal(r.code, 1);
  t.equal(r.stderr, 'emu-legacy: -device virtio-blk-device,drive=b,bootindex=2: The bootindex 2 has already been used\n');
});

t.test("emu's files: the boot letters in force and every drive's backing file", async (t) => {
  const dir = tempDir();
  const disk = join(dir, 'disk.img');
  const iso = join(dir, 'x.iso');
  writeFileSync(disk, Buffer.alloc(1 << 20));
  writeFileSync(iso, Buffer.alloc(1 << 20));
  const core = createCore();
  const run = (name: string, args?: Record<string, unknown>) => core.dispatcher.submit(name, args);
  await run('machine-set', { type: 'virt', boot: { order: 'dc', once: 'c' } });
  await run('blockdev-add', { driver: 'raw', 'node-name': 'd0', file: { driver: 'file', filename: disk } });
  await run('blockdev-add', { driver: 'raw', 'node-name': 'cd0', 'read-only': true, file: { driver: 'file', filename: iso } });
  await run('device_add', { driver: 'virtio-blk-device', id: 'vd0', drive: 'd0' });
  await run('device_add', { driver: 'virtio-scsi-device', id: 'scsi0' });
  await run('device_add', { driver: 'scsi-cd', id: 'cd', drive: 'cd0', bootindex: 0 });
  await run('device_add', { driver: 'scsi-cd', id: 'empty' });
  const text = (first: boolean, name: string) => Buffer.from(virtFwCfgContent(core.vm, first).files.get(name)!).toString('latin1');
  t.equal(text(true, 'etc/emu/boot-order'), 'c', 'once= on the first boot');
  t.equal(text(false, 'etc/emu/boot-order'), 'dc', 'order= after a reset');
  t.equal(text(true, 'etc/emu/drives'), [
    `/virtio-mmio@0000000010008000/disk@0,0\t${disk}\n`,
    `/virtio-mmio@0000000010007000/channel@0/disk@0,0\t${iso}\n`,
    '/virtio-mmio@0000000010007000/channel@0/disk@1,0\t\n',
  ].join(''));
  t.equal(text(true, 'bootorder'), '/virtio-mmio@0000000010007000/channel@0/disk@0,0\0', 'bootindex 0 is a position like any other');
  t.equal(firmwarePath(core.vm.findDeviceById('vd0')!), '/virtio-mmio@0000000010008000/disk@0,0');
  const plain = createCore();
  await plain.dispatcher.submit('machine-set', { type: 'virt' });
  t.equal(Buffer.from(virtFwCfgContent(plain.vm, true).files.get('etc/emu/boot-order')!).toString(), 'cad', "QEMU's default order");
  core.vm.blocks.closeAll();
});
