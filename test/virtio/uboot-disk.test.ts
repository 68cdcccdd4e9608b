// Debian's U-Boot reads a file from a FAT disk on virtio-blk through the real binary: the image is
// made here with mkfs.vfat and mtools, U-Boot lists it and loads it, and its crc32 matches.

import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zlib } from './helpers.ts';
import { startEmuWithQmp, tempDir, waitFor } from '../helpers/emu.ts';

const BIOS = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';

function has(cmd: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; }
}

const skip = !existsSync(BIOS) ? `needs the Debian package opensbi (${BIOS})`
  : !existsSync(UBOOT) ? `needs the Debian package u-boot-qemu (${UBOOT})`
  : !has('mkfs.vfat') ? 'needs mkfs.vfat (Debian package dosfstools)'
  : !has('mcopy') ? 'needs mcopy (Debian package mtools)'
  : false;

t.test('U-Boot lists and loads a file from a FAT disk on virtio-blk', { skip }, async (t) => {
  const dir = tempDir('emu-virtio-');
  const payload = Buffer.alloc(300 * 1024 + 123);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 2654435761) >>> 24;
  writeFileSync(join(dir, 'payload.bin'), payload);
  const disk = join(dir, 'disk.img');
  execFileSync('mkfs.vfat', ['-C', disk, '16384'], { stdio: 'ignore' });
  execFileSync('mcopy', ['-i', disk, join(dir, 'payload.bin'), '::/payload.bin']);
  const crc = zlib.crc32(readFileSync(join(dir, 'payload.bin'))).toString(16).padStart(8, '0');

  const e = await startEmuWithQmp(t, [
    '--chardev', 'stdio,id=serial0',
    '--machine', `virt,memory=256M,serial=serial0,bios=${BIOS},kernel=${UBOOT}`,
    '--blockdev', `driver=raw,node-name=d0,file.driver=file,file.filename=${disk}`,
    '--device', 'virtio-blk-device,drive=d0',
  ]);
  const out = () => e.stdout();
  await waitFor(() => out().includes('Hit any key to stop autoboot'), 'U-Boot', 60_000);
  e.proc.stdin!.write('\n');
  await waitFor(() => /=> $/.test(out()), 'the U-Boot prompt', 60_000);
  const run = async (cmd: string, done: RegExp) => {
    const from = out().length;
    e.proc.stdin!.write(`${cmd}\r`);
    await waitFor(() => done.test(out().slice(from)) && /=> $/.test(out()), `the answer to ${cmd}`, 30_000);
    return out().slice(from);
  };
  await run('virtio scan', /=> $/);
  const info = await run('virtio info', /Device 0/);
  t.match(info, /QEMU VirtIO Block Device/);
  t.match(info, /32768 x 512/, 'capacity from the backend');
  const ls = await run('ls virtio 0', /file\(s\)/);
  t.match(ls, new RegExp(`${payload.length}\\s+payload\\.bin`), 'the file is listed with its size');
  const load = await run('load virtio 0 0x84000000 payload.bin', /bytes read/);
  t.match(load, `${payload.length} bytes read`);
  const sum = await run('crc32 0x84000000 ${filesize}', /==>/);
  t.match(sum, `==> ${crc}`, 'U-Boot computes the checksum of the file');
  const shutdown = e.client.waitEvent('SHUTDOWN', { timeoutMs: 20_000 });
  e.proc.stdin!.write('poweroff\r');
  await shutdown;
  await e.exited;
});
