// emu's embedded firmware through the real binaries, with no -bios: the banner reports the machine
// the device tree describes, the prompt answers, `poweroff` ends emu with SHUTDOWN and `reset` comes
// back to the banner with RESET; `read` dumps a virtio-blk disk's sectors (test/firmware/storage.test.ts
// has the SCSI devices, eject and load).
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitWithin, EMU_LEGACY, spawnBinary, startEmuWithQmp, tempDir, waitFor } from '../helpers/emu.ts';

t.test('emu: banner, prompt, help, poweroff', async (t) => {
  const e = await startEmuWithQmp(t, ['--chardev', 'stdio,id=s0', '--machine', 'virt,memory=256M,serial=s0,smp.cpus=2']);
  const out = () => e.stdout();
  await waitFor(() => out().includes('emu> '), 'the firmware prompt', 30_000);
  t.match(out(), /emu firmware 0\.\d+\.\d+/);
  t.match(out(), /2 harts, 256 MiB RAM at 0x80000000/);
  t.match(out(), /serial +ns16550a at 0x10000000/);
  t.match(out(), /No bootable device found\./);
  t.notMatch(out(), /virtio /, 'a machine without virtio devices lists none');
  e.proc.stdin!.write('help\r');
  await waitFor(() => /poweroff +power the machine off[\s\S]*emu> $/.test(out()), 'the help text', 20_000);
  t.match(out(), /read <dev> <lba> \[n\]/);
  t.match(out(), /eject <cd> +open a CD drive's tray/);
  e.proc.stdin!.write('frobnicate\r');
  await waitFor(() => out().includes("unknown command 'frobnicate'"), 'the unknown-command answer', 20_000);
  const shutdown = e.client.waitEvent('SHUTDOWN', { timeoutMs: 20_000 });
  e.proc.stdin!.write('poweroff\r');
  t.same((await shutdown).data, { guest: true, reason: 'guest-shutdown' });
  const exit = await exitWithin(e, 20_000);
  t.equal(exit?.code, 0, 'emu ends after the firmware powers off');
});

t.test('emu: reset at the prompt restarts the firmware', async (t) => {
  const e = await startEmuWithQmp(t, ['--chardev', 'stdio,id=s0', '--machine', 'virt,memory=128M,serial=s0']);
  const out = () => e.stdout();
  await waitFor(() => out().includes('emu> '), 'the firmware prompt', 30_000);
  t.match(out(), /1 hart, 128 MiB RAM/);
  const reset = e.client.waitEvent('RESET', { timeoutMs: 20_000 });
  const before = out().length;
  e.proc.stdin!.write('reset\r');
  t.same((await reset).data, { guest: true, reason: 'guest-reset' });
  await waitFor(() => out().slice(before).includes('emu> '), 'the prompt after the reset', 30_000);
  t.match(out().slice(before), /emu firmware/);
});

t.test('emu-legacy: the banner lists the virtio transports with a device', async (t) => {
  const dir = tempDir();
  const disk = join(dir, 'disk.img');
  const cd = join(dir, 'cd.iso');
  const bytes = Buffer.alloc(1024 * 1024);
  bytes.write('emu sector one!!', 512);
  bytes.writeUInt32BE(0xdeadbeef, 1024 + 16);
  writeFileSync(disk, bytes);
  writeFileSync(cd, Buffer.alloc(1024 * 1024));
  const p = spawnBinary(t, EMU_LEGACY, ['-nographic', '-m', '512M', '-smp', '3',
    '-drive', `file=${disk},if=virtio,format=raw`,
    '-device', 'virtio-scsi-device,id=scsi0', '-drive', `file=${cd},if=none,id=cd0,format=raw,media=cdrom`, '-device', 'scsi-cd,drive=cd0']);
  await waitFor(() => p.stdout().includes('emu> '), 'the firmware prompt', 30_000);
  t.match(p.stdout(), /3 harts, 512 MiB RAM/);
  const lines = p.stdout().split(/\r?\n/).filter((l) => /^ +virtio /.test(l));
  t.equal(lines.length, 2, 'one line per transport with a device');
  const lineOf = (re: RegExp) => p.stdout().split(/\r?\n/).find((l) => re.test(l)) ?? '';
  t.match(p.stdout(), /virtio +virtio-blk at 0x10008000\r?\n +disk0 +1 MiB \(2048 x 512-byte blocks\), /, 'the disk under its transport, with its size');
  t.equal(lineOf(/^ +disk0 /).split(', ')[1], disk, 'and its backing file (fw_cfg etc/emu/drives)');
  t.match(p.stdout(), /virtio +virtio-scsi at 0x10007000\r?\n +cd0 +scsi-cd 0:0, tray closed, medium present, 1 MiB \(512 x 2048-byte blocks\), /, 'the CD drive on the SCSI adapter');
  t.equal(lineOf(/^ +cd0 /).split(', ')[4], cd, 'and its medium\'s file');
  p.proc.stdin!.write('devices\r');
  await waitFor(() => p.stdout().split('virtio-blk').length === 3, 'devices', 20_000);
  p.proc.stdin!.write('read disk0 1 2\r');
  await waitFor(() => /000005f0: [^\n]*\n/.test(p.stdout()), 'the hex dump', 20_000);
  t.match(p.stdout(), /00000410: de ad be ef/);
  t.match(p.stdout(), /00000200: 65 6d 75 20 73 65 63 74 6f 72 20 6f 6e 65 21 21  emu sector one!!/, 'read shows the disk\'s bytes');
  t.equal(p.stdout().split(/\r?\n/).filter((l) => /^[0-9a-f]{8}: /.test(l)).length, 64, 'two sectors, 16 bytes a line');
  p.proc.stdin!.write('read disk0 2048\r');
  await waitFor(() => p.stdout().includes('beyond the end of the disk'), 'the range check', 20_000);
  p.proc.stdin!.write('poweroff\r');
  const exit = await exitWithin(p, 20_000);
  t.equal(exit?.code, 0, 'poweroff ends emu-legacy');
});
