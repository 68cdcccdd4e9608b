// Booting from a disk carrying emu's boot header (firmware/README.md), through the real binaries:
// the firmware loads the test payload (test/firmware/boot-payload) where the header says and enters
// it in S-mode with the device tree and its /memreserve/; the payload prints through SBI and powers
// off. A header or payload whose checksum does not match is refused, naming the reason.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { bootDisk } from './boot-disk.ts';
import { exitWithin, EMU_LEGACY, spawnBinary, startEmuWithQmp, tempDir, waitFor } from '../helpers/emu.ts';

const PAYLOAD_LINE = /boot payload: hart 0x0, S-mode, dtb ok, memreserve 0x80000000\+0x200000\r?\n/;

async function exited(p: { exited: Promise<{ code: number | null } | null> }, ms = 20_000) {
  return exitWithin(p, ms);
}

t.test('emu-legacy: a virtio-blk disk with the header boots by itself', async (t) => {
  const dir = tempDir('emu-fw-boot-');
  writeFileSync(join(dir, 'plain.img'), Buffer.alloc(512 * 1024));
  writeFileSync(join(dir, 'boot.img'), bootDisk());
  const p = spawnBinary(t, EMU_LEGACY, ['-nographic', '-m', '256M',
    '-drive', `file=${join(dir, 'plain.img')},if=virtio,format=raw`,
    '-drive', `file=${join(dir, 'boot.img')},if=virtio,format=raw`]);
  await waitFor(() => PAYLOAD_LINE.test(p.stdout()), 'the payload', 30_000);
  t.match(p.stdout(), /disk0: no boot header\r?\nBooting disk1: entry 0x80400000\r?\n/, 'the plain disk is passed over');
  t.notMatch(p.stdout(), /emu> /, 'no prompt when a disk boots');
  t.equal((await exited(p))?.code, 0, 'the payload\'s SBI shutdown ends emu');
});

t.test('emu: a scsi-hd with the header boots; SHUTDOWN comes from the payload', async (t) => {
  const dir = tempDir('emu-fw-boot-');
  writeFileSync(join(dir, 'boot.img'), bootDisk({ lba: 8, size: 2 * 1024 * 1024 }));
  const e = await startEmuWithQmp(t, ['--chardev', 'stdio,id=s0', '--machine', 'virt,memory=128M,serial=s0',
    '--blockdev', `driver=raw,node-name=b,file.driver=file,file.filename=${join(dir, 'boot.img')}`,
    '--device', 'virtio-scsi-device,id=scsi0', '--device', 'scsi-hd,id=hd,drive=b,scsi-id=4']);
  const shutdown = e.client.waitEvent('SHUTDOWN', { timeoutMs: 30_000 });
  await waitFor(() => PAYLOAD_LINE.test(e.stdout()), 'the payload', 30_000);
  t.match(e.stdout(), /Boot order: disk0\r?\nBooting disk0: entry 0x80400000\r?\n/);
  t.same((await shutdown).data, { guest: true, reason: 'guest-shutdown' });
});

t.test('emu: boot <disk> at the prompt; bad checksums refused', async (t) => {
  const dir = tempDir('emu-fw-boot-');
  const badHeader = bootDisk();
  badHeader[16] ^= 0x10; // the load address, after the header's checksum was taken
  const badPayload = bootDisk();
  badPayload[512 + 100] ^= 1;
  writeFileSync(join(dir, 'bad-header.img'), badHeader);
  writeFileSync(join(dir, 'bad-payload.img'), badPayload);
  writeFileSync(join(dir, 'boot.img'), bootDisk());
  const e = await startEmuWithQmp(t, ['--chardev', 'stdio,id=s0', '--machine', 'virt,memory=128M,serial=s0',
    '--blockdev', `driver=raw,node-name=h,file.driver=file,file.filename=${join(dir, 'bad-header.img')}`,
    '--blockdev', `driver=raw,node-name=p,file.driver=file,file.filename=${join(dir, 'bad-payload.img')}`,
    '--device', 'virtio-blk-device,id=vd,drive=h',
    '--device', 'virtio-scsi-device,id=scsi0', '--device', 'scsi-hd,id=hd,drive=p']);
  const out = () => e.stdout();
  await waitFor(() => out().includes('emu> '), 'the prompt', 30_000);
  t.match(out(), /disk0: boot header checksum mismatch\r?\n +disk1: payload checksum mismatch\r?\nNo bootable device found\./, 'both refused, each with its reason');
  let mark = out().length;
  e.proc.stdin!.write('boot disk0\r');
  await waitFor(() => /emu> $/.test(out().slice(mark)), 'the boot answer', 20_000);
  t.match(out().slice(mark), /boot: disk0: boot header checksum mismatch/);
  mark = out().length;
  e.proc.stdin!.write('boot cd0\r');
  await waitFor(() => /emu> $/.test(out().slice(mark)), 'the boot answer', 20_000);
  t.match(out().slice(mark), /boot: no device 'cd0'/);
  // A disk plugged in at the prompt: `devices` looks again, and `boot` starts it.
  await e.client.execute('blockdev-add', { driver: 'raw', 'node-name': 'g', file: { driver: 'file', filename: join(dir, 'boot.img') } });
  await e.client.execute('device_add', { driver: 'scsi-hd', id: 'hd2', drive: 'g', 'scsi-id': 3 });
  mark = out().length;
  e.proc.stdin!.write('devices\r');
  await waitFor(() => /emu> $/.test(out().slice(mark)), 'devices', 20_000);
  t.match(out().slice(mark), /disk2 +scsi-hd 3:0, 1 MiB/, 'the new disk');
  const shutdown = e.client.waitEvent('SHUTDOWN', { timeoutMs: 30_000 });
  e.proc.stdin!.write('boot disk2\r');
  await waitFor(() => PAYLOAD_LINE.test(out()), 'the payload', 30_000);
  t.match(out(), /Booting disk2: entry 0x80400000/);
  await shutdown;
});

t.test('emu-legacy: bootindex comes first (fw_cfg bootorder), then -boot order', async (t) => {
  const dir = tempDir('emu-fw-boot-');
  writeFileSync(join(dir, 'a.img'), bootDisk());
  writeFileSync(join(dir, 'b.img'), bootDisk());
  writeFileSync(join(dir, 'cd.iso'), Buffer.alloc(64 * 2048));
  const p = spawnBinary(t, EMU_LEGACY, ['-nographic', '-m', '256M',
    '-drive', `file=${join(dir, 'a.img')},if=none,id=a,format=raw`, '-device', 'virtio-blk-device,drive=a',
    '-device', 'virtio-scsi-device',
    '-drive', `file=${join(dir, 'cd.iso')},if=none,id=c,format=raw,media=cdrom`, '-device', 'scsi-cd,drive=c,scsi-id=0',
    '-drive', `file=${join(dir, 'b.img')},if=none,id=b,format=raw`, '-device', 'scsi-hd,drive=b,scsi-id=1,bootindex=1',
    '-boot', 'order=dc']);
  await waitFor(() => PAYLOAD_LINE.test(p.stdout()), 'the payload', 30_000);
  t.match(p.stdout(), /Boot order: disk1, cd0, disk0\r?\nBooting disk1: entry/, 'the disk with a bootindex, then CDs, then disks (order=dc)');
  t.equal((await exited(p))?.code, 0);
});

t.test('emu: boot.order=d tries only the CD drives, dc both', async (t) => {
  const dir = tempDir('emu-fw-boot-');
  writeFileSync(join(dir, 'boot.img'), bootDisk());
  writeFileSync(join(dir, 'cd.iso'), Buffer.alloc(64 * 2048));
  const machine = (boot: string) => ['--chardev', 'stdio,id=s0', '--machine', `virt,memory=128M,serial=s0,${boot}`,
    '--blockdev', `driver=raw,node-name=b,file.driver=file,file.filename=${join(dir, 'boot.img')}`,
    '--blockdev', `driver=raw,node-name=c,read-only=on,file.driver=file,file.filename=${join(dir, 'cd.iso')}`,
    '--device', 'virtio-blk-device,id=vd,drive=b',
    '--device', 'virtio-scsi-device,id=scsi0', '--device', 'scsi-cd,id=cd,drive=c,bootindex=3'];
  const a = await startEmuWithQmp(t, machine('boot.order=d'));
  await waitFor(() => a.stdout().includes('emu> '), 'the prompt', 30_000);
  t.match(a.stdout(), /Boot order: cd0\r?\n +cd0: not a disk \(the firmware boots disks\)\r?\nNo bootable device found\./, 'the bootable disk is not in the order');
  await a.client.execute('quit');
  const c = await startEmuWithQmp(t, machine('boot.order=dc'));
  await waitFor(() => PAYLOAD_LINE.test(c.stdout()), 'the payload', 30_000);
  t.match(c.stdout(), /Boot order: cd0, disk0\r?\n +cd0: not a disk[^\n]*\nBooting disk0: entry 0x80400000/);
});

t.test('emu-legacy: without fw_cfg in the device tree, device-tree order', { skip: hasDtc() ? false : 'needs dtc (Debian package device-tree-compiler)' }, async (t) => {
  const dir = tempDir('emu-fw-boot-');
  writeFileSync(join(dir, 'plain.img'), Buffer.alloc(512 * 1024));
  writeFileSync(join(dir, 'boot.img'), bootDisk());
  const drives = ['-drive', `file=${join(dir, 'plain.img')},if=none,id=p,format=raw`, '-device', 'virtio-blk-device,drive=p',
    '-drive', `file=${join(dir, 'boot.img')},if=none,id=b,format=raw`, '-device', 'virtio-blk-device,drive=b,bootindex=0'];
  // The machine's own device tree, less its fw-cfg node.
  const dump = spawnBinary(t, EMU_LEGACY, ['-M', `virt,dumpdtb=${join(dir, 'virt.dtb')}`, '-m', '256M', '-nographic', ...drives]);
  t.equal((await exited(dump))?.code, 0, 'dumpdtb');
  const dts = execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', join(dir, 'virt.dtb')], { encoding: 'utf8' });
  const stripped = dts.replace(/\n\tfw-cfg@10100000 \{[^}]*\};\n/, '\n');
  t.not(stripped, dts, 'the fw-cfg node is gone');
  execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', join(dir, 'no-fwcfg.dtb')], { input: stripped });
  const p = spawnBinary(t, EMU_LEGACY, ['-nographic', '-m', '256M', '-dtb', join(dir, 'no-fwcfg.dtb'), ...drives, '-boot', 'order=d']);
  await waitFor(() => PAYLOAD_LINE.test(p.stdout()), 'the payload', 30_000);
  t.match(p.stdout(), /disk0 +512 KiB \(1024 x 512-byte blocks\)\r?\n/, 'no backing file names without fw_cfg');
  // (emu-legacy adds its default CD drive, as QEMU does, on the first transport.)
  t.match(p.stdout(), /Boot order: cd0, disk0, disk1\r?\n +cd0: not a disk[^\n]*\n +disk0: no boot header\r?\nBooting disk1/, 'bootindex and -boot order= unseen: device-tree order');
  t.equal((await exited(p))?.code, 0);
});

function hasDtc(): boolean {
  try { execFileSync('dtc', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}
