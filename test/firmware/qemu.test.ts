// The embedded firmware against the reference: the same image run by QEMU 7.2 (-bios emu-fw.bin)
// and by emu-legacy (its default firmware) on one command line prints the same serial transcript —
// banner, boot order from QEMU's own fw_cfg bootorder, reads, eject and load — except the backing
// file names, which come from emu's own fw_cfg file (QEMU has no etc/emu/drives). So the drivers
// are right for QEMU's virtio-scsi, scsi-hd and scsi-cd, not only for emu's models of them.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { disc } from '../virtio/helpers.ts';
import { exitWithin, EMU_LEGACY, ROOT, spawnBinary, tempDir, waitFor } from '../helpers/emu.ts';

function qemuPath(): string | undefined {
  try { return execFileSync('sh', ['-c', 'command -v qemu-system-riscv64'], { encoding: 'utf8' }).trim() || undefined; } catch { return undefined; }
}
const QEMU = qemuPath();

const COMMANDS = ['read disk1 7', 'read cd0 2 1', 'eject cd0', 'devices', 'read cd0 0', 'load cd0', 'read cd0 1', 'eject disk0', 'boot disk0', 'read cd9 0'];

type Test = Pick<typeof t, 'equal' | 'teardown'>;

async function transcript(t: Test, binary: string, args: string[]): Promise<string> {
  const p = spawnBinary(t, binary, args);
  let seen = 0;
  const prompts = () => p.stdout().split('emu> ').length - 1;
  await waitFor(() => prompts() === 1, `${binary}: the firmware prompt`, 30_000);
  for (const c of COMMANDS) {
    seen = prompts();
    p.proc.stdin!.write(`${c}\r`);
    await waitFor(() => prompts() > seen, `${binary}: ${c}`, 20_000);
  }
  p.proc.stdin!.write('poweroff\r');
  const r = await exitWithin(p, 20_000);
  t.equal(r?.code, 0, `${binary}: poweroff ends it`);
  return p.stdout();
}

t.test('the same transcript under QEMU and emu-legacy', { skip: QEMU ? false : 'needs qemu-system-riscv64 (Debian package qemu-system-misc)' }, async (t) => {
  const dir = tempDir('emu-fw-qemu-');
  const hd = Buffer.alloc(2 * 1024 * 1024);
  hd.write('SCSI DISK LBA 7 ', 7 * 512, 'latin1');
  writeFileSync(join(dir, 'hd.img'), hd);
  const vd = Buffer.alloc(1024 * 1024);
  vd.write('VIRTIO DISK', 0, 'latin1');
  writeFileSync(join(dir, 'vd.img'), vd);
  writeFileSync(join(dir, 'cd.iso'), disc('Q', 64));
  const args = ['-M', 'virt', '-m', '256M', '-smp', '2', '-display', 'none', '-serial', 'stdio', '-monitor', 'none',
    '-global', 'virtio-mmio.force-legacy=false',
    '-drive', `file=${join(dir, 'vd.img')},if=none,id=d,format=raw`, '-device', 'virtio-blk-device,drive=d',
    '-device', 'virtio-scsi-device',
    '-drive', `file=${join(dir, 'cd.iso')},if=none,id=c,format=raw,media=cdrom`, '-device', 'scsi-cd,drive=c,scsi-id=1',
    '-drive', `file=${join(dir, 'hd.img')},if=none,id=h,format=raw`, '-device', 'scsi-hd,drive=h,scsi-id=3,lun=2,bootindex=1',
    '-device', 'scsi-cd,id=empty,scsi-id=6'];
  const qemu = await transcript(t, QEMU!, [...args, '-bios', join(ROOT, 'firmware/emu-fw.bin')]);
  const emu = await transcript(t, EMU_LEGACY, args);
  t.match(qemu, /Boot order: disk1, disk0, cd0, cd1\r?\n/, 'QEMU\'s bootorder (bootindex) read through fw_cfg');
  t.match(qemu, /cd0: tray open\r?\n/, 'QEMU\'s drive opened its tray');
  t.match(qemu, /^00000e00: 53 43 53 49 20 44 49 53 4b/m, 'QEMU\'s scsi-hd read');
  const names = [join(dir, 'vd.img'), join(dir, 'cd.iso'), join(dir, 'hd.img')];
  const withoutNames = names.reduce((s, n) => s.split(`, ${n}`).join(''), emu);
  t.equal(withoutNames, qemu, 'identical but for the backing file names');
  t.equal(emu.split(join(dir, 'cd.iso')).length - 1, 2, 'emu names the CD\'s file in the banner and devices');
});
