// A tray the guest opened survives kill -9: the guest's eject (SCSI START STOP UNIT) is made durable
// in the state file before it completes and before DEVICE_TRAY_MOVED is sent, so a relaunch from the
// same state file has the tray open. The guest is the project's scsi-cd test program.

import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUESTS, disc } from '../virtio/helpers.ts';
import { startEmuWithQmp, tempDir, waitFor } from '../helpers/emu.ts';

t.test('guest eject, kill -9 right after DEVICE_TRAY_MOVED, relaunch: the tray is open', async (t) => {
  const dir = tempDir('emu-state-eject-');
  writeFileSync(join(dir, 'a.iso'), disc('A', 512));
  const state = join(dir, 'vm.json');
  const serial = join(dir, 'serial.txt');
  const a = await startEmuWithQmp(t, [
    '--state-file', state,
    '--chardev', `file,id=serial0,path=${serial}`,
    '--machine', `virt,memory=64M,serial=serial0,bios=none,kernel=${join(GUESTS, 'scsi-cd.img')}`,
    '--blockdev', `driver=raw,node-name=cdA,read-only=on,file.driver=file,file.filename=${join(dir, 'a.iso')}`,
    '--device', 'virtio-scsi-device,id=scsi0',
    '--device', 'scsi-cd,id=cd,drive=cdA',
  ]);
  const out = () => (existsSync(serial) ? readFileSync(serial, 'latin1') : '');
  await waitFor(() => out().includes('WAIT locked') || out().includes('FAIL'), 'the guest to lock the tray', 60_000);
  // The guest holds the tray locked until a QMP eject asks for it (refused, then passed to the guest
  // as an eject request); then it unlocks and ejects by itself.
  await t.rejects(a.client.execute('eject', { id: 'cd' }), { message: /is locked/ });
  const moved = await a.client.waitEvent('DEVICE_TRAY_MOVED', { timeoutMs: 30_000 });
  a.proc.kill('SIGKILL');
  t.same(moved.data, { device: '', id: 'cd', 'tray-open': true }, 'the guest opened the tray');
  await a.exited;
  const b = await startEmuWithQmp(t, ['--state-file', state, '-S']);
  const block = (await b.client.execute('query-block')) as { qdev: string; tray_open?: boolean }[];
  t.equal(block.find((x) => x.qdev === 'cd')?.tray_open, true, 'the relaunched machine has the tray open');
  await b.client.execute('quit');
});
