// The embedded firmware's storage through the real binary: its virtio-scsi driver finds scsi-hd and
// scsi-cd units, the banner reports size, medium and tray, `read` shows a SCSI disk's and a CD's
// actual bytes, and `eject` / `load` move the tray with START STOP UNIT, which QMP clients see as
// DEVICE_TRAY_MOVED and query-block.
import t from 'tap';
import { closeSync, ftruncateSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { disc } from '../virtio/helpers.ts';
import { startEmuWithQmp, tempDir, waitFor } from '../helpers/emu.ts';

interface BlockInfo { qdev: string; tray_open?: boolean; inserted?: unknown }

t.test('scsi-hd and scsi-cd: banner, read, eject and load', async (t) => {
  const dir = tempDir('emu-fw-scsi-');
  const hd = Buffer.alloc(3 * 1024 * 1024);
  hd.write('SCSI DISK LBA 7 ', 7 * 512, 'latin1');
  for (let i = 16; i < 512; i++) hd[7 * 512 + i] = i & 0xff;
  writeFileSync(join(dir, 'hd.img'), hd);
  writeFileSync(join(dir, 'a.iso'), disc('A', 300));
  const e = await startEmuWithQmp(t, [
    '--chardev', 'stdio,id=s0',
    '--machine', 'virt,memory=128M,serial=s0',
    '--blockdev', `driver=raw,node-name=hd,file.driver=file,file.filename=${join(dir, 'hd.img')}`,
    '--blockdev', `driver=raw,node-name=cdA,read-only=on,file.driver=file,file.filename=${join(dir, 'a.iso')}`,
    '--device', 'virtio-scsi-device,id=scsi0',
    '--device', 'scsi-cd,id=cd,drive=cdA,scsi-id=2',
    '--device', 'scsi-hd,id=hd,drive=hd,scsi-id=0,lun=1',
    '--device', 'scsi-cd,id=empty,scsi-id=5',
  ]);
  const out = () => e.stdout();
  let mark = 0;
  const since = () => out().slice(mark);
  const command = async (line: string, until: RegExp, what: string) => {
    mark = out().length;
    e.proc.stdin!.write(`${line}\r`);
    await waitFor(() => until.test(since()), what, 20_000);
    return since();
  };
  await waitFor(() => out().includes('emu> '), 'the firmware prompt', 30_000);
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  t.match(out(), new RegExp(`virtio +virtio-scsi at 0x10008000\r?\n +disk0 +scsi-hd 0:1, 3 MiB \\(6144 x 512-byte blocks\\), ${esc(join(dir, 'hd.img'))}\r?\n` +
    ` +cd0 +scsi-cd 2:0, tray closed, medium present, 600 KiB \\(300 x 2048-byte blocks\\), ${esc(join(dir, 'a.iso'))}\r?\n +cd1 +scsi-cd 5:0, tray closed, no medium\r?\n`),
    'units by target and LUN, disks and CDs numbered apart, with their files');
  t.match(out(), /Boot order: disk0, cd0, cd1\r?\n +disk0: no boot header\r?\n +cd0: not a disk/);

  let r = await command('read disk0 7', /emu> $/, 'the disk dump');
  t.match(r, /^00000e00: 53 43 53 49 20 44 49 53 4b 20 4c 42 41 20 37 20  SCSI DISK LBA 7 $/m, 'the scsi-hd block at its byte offset');
  t.match(r, /^00000ff0: f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff  \.{16}$/m);
  t.equal(r.split(/\r?\n/).filter((l) => /^[0-9a-f]{8}: /.test(l)).length, 32, 'one 512-byte block');

  r = await command('read cd0 299 1', /emu> $/, 'the CD dump');
  t.match(r, /^00095800: 45 4d 55 20 44 49 53 43 20 41 20 53 45 43 54 4f  EMU DISC A SECTO$/m, 'the CD block, 2048 bytes at 299 * 2048');
  t.equal(r.split(/\r?\n/).filter((l) => /^[0-9a-f]{8}: /.test(l)).length, 128, 'one 2048-byte block');

  t.match(await command('read cd0 0 3', /emu> $/, 'count check'), /read: count is 1 to 2 blocks of 2048 bytes/);
  t.match(await command('read cd0 300', /emu> $/, 'range check'), /read: beyond the end of the disk/);
  t.match(await command('read cd1 0', /emu> $/, 'empty drive'), /read: cd1 has no medium/);
  t.match(await command('read cd7 0', /emu> $/, 'bad name'), /read: no device 'cd7' \(try 'devices'\)/);
  t.match(await command('read disk0 x', /emu> $/, 'bad lba'), /usage: read <disk\|cd> <lba> \[count\]/);
  t.match(await command('eject disk0', /emu> $/, 'eject a disk'), /eject: disk0 is not a CD drive/);
  t.match(await command('eject', /emu> $/, 'eject alone'), /usage: eject <cd>/);

  const opened = e.client.waitEvent('DEVICE_TRAY_MOVED', { timeoutMs: 20_000 });
  t.match(await command('eject cd0', /emu> $/, 'eject'), /cd0: tray open\r?\n/);
  t.same((await opened).data, { device: '', id: 'cd', 'tray-open': true }, 'QMP clients hear the tray open');
  let block = (await e.client.execute('query-block')) as BlockInfo[];
  t.equal(block.find((b) => b.qdev === 'cd')?.tray_open, true, 'query-block: tray open');
  t.match(await command('devices', /emu> $/, 'devices'), new RegExp(`cd0 +scsi-cd 2:0, tray open, ${esc(join(dir, 'a.iso'))}\r?\n`), 'the disc stays in the open tray');
  t.match(await command('read cd0 0', /emu> $/, 'read with the tray open'), /read: cd0 has its tray open/);

  const closed = e.client.waitEvent('DEVICE_TRAY_MOVED', { timeoutMs: 20_000 });
  t.match(await command('load cd0', /emu> $/, 'load'), /cd0: tray closed, medium present, 600 KiB/);
  t.same((await closed).data, { device: '', id: 'cd', 'tray-open': false }, 'QMP clients hear the tray close');
  block = (await e.client.execute('query-block')) as BlockInfo[];
  t.equal(block.find((b) => b.qdev === 'cd')?.tray_open, false, 'query-block: tray closed');
  t.match(await command('read cd0 1', /emu> $/, 'read after load'), /^00000800: 45 4d 55 20 44 49 53 43 20 41 20 53 45 43 54 4f/m, 'the medium reads again (the unit attention is absorbed)');

  // The firmware asks the drive each time: a tray QMP opened shows at the next `devices`.
  await e.client.execute('eject', { id: 'empty' });
  t.match(await command('devices', /emu> $/, 'devices after a QMP eject'), /cd1 +scsi-cd 5:0, tray open\r?\n/);
  await e.client.execute('quit');
});

/** A sparse 3 TiB image whose last block has a marker; an error message when the file system cannot. */
function bigDisk(): { path: string } | { error: string } {
  const path = join(tempDir('emu-fw-scsi-'), 'big.img');
  const size = 3 * 2 ** 40;
  try {
    const fd = openSync(path, 'w');
    ftruncateSync(fd, size); // sparse: no data blocks are written but the last one
    writeSync(fd, Buffer.from('LAST BLOCK OF 3 TIB', 'latin1'), 0, 19, size - 512);
    closeSync(fd);
    return { path };
  } catch (e) {
    return { error: `the temporary file system cannot hold a sparse 3 TiB file: ${(e as Error).message}` };
  }
}
const bigImage = bigDisk();

t.test('a scsi-hd past 2 TiB: READ CAPACITY(16) for its size, READ(16) for its last block', { skip: 'error' in bigImage ? bigImage.error : false }, async (t) => {
  const big = 'path' in bigImage ? bigImage.path : '';
  t.teardown(() => rmSync(dirname(big), { recursive: true, force: true }));
  const e = await startEmuWithQmp(t, ['--chardev', 'stdio,id=s0', '--machine', 'virt,memory=128M,serial=s0',
    '--blockdev', `driver=raw,node-name=b,file.driver=file,file.filename=${big}`,
    '--device', 'virtio-scsi-device,id=scsi0', '--device', 'scsi-hd,id=hd,drive=b']);
  await waitFor(() => e.stdout().includes('emu> '), 'the prompt', 30_000);
  t.match(e.stdout(), /disk0 +scsi-hd 0:0, 3072 GiB \(6442450944 x 512-byte blocks\)/, 'more blocks than READ CAPACITY(10) can say');
  const mark = e.stdout().length;
  e.proc.stdin!.write('read disk0 6442450943\r');
  await waitFor(() => /emu> $/.test(e.stdout().slice(mark)), 'the dump', 20_000);
  t.match(e.stdout().slice(mark), /^2fffffffe00: 4c 41 53 54 20 42 4c 4f 43 4b 20 4f 46 20 33 20  LAST BLOCK OF 3 $/m);
  await e.client.execute('quit');
});
