// A tray the guest opened survives kill -9: the guest's eject (SCSI START STOP UNIT) is made durable
// in the state file before it completes and before DEVICE_TRAY_MOVED is sent, so a relaunch from the
// same state file has the tray open. The guest is emu's embedded firmware, told `eject cd0` at its
// prompt.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { disc } from '../virtio/helpers.ts';
import { startEmuWithQmp, tempDir, waitFor } from '../helpers/emu.ts';

t.test('guest eject, kill -9 right after DEVICE_TRAY_MOVED, relaunch: the tray is open', async (t) => {
  const dir = tempDir('emu-state-eject-');
  writeFileSync(join(dir, 'a.iso'), disc('A', 512));
  const state = join(dir, 'vm.json');
  const a = await startEmuWithQmp(t, [
    '--state-file', state,
    '--chardev', 'stdio,id=serial0',
    '--machine', 'virt,memory=64M,serial=serial0',
    '--blockdev', `driver=raw,node-name=cdA,read-only=on,file.driver=file,file.filename=${join(dir, 'a.iso')}`,
    '--device', 'virtio-scsi-device,id=scsi0',
    '--device', 'scsi-cd,id=cd,drive=cdA',
  ]);
  await waitFor(() => a.stdout().includes('emu> '), 'the firmware prompt', 60_000);
  t.match(a.stdout(), /cd0 +scsi-cd 0:0, tray closed, medium present/, 'the firmware sees the disc');
  const moved = a.client.waitEvent('DEVICE_TRAY_MOVED', { timeoutMs: 30_000 });
  a.proc.stdin!.write('eject cd0\r');
  const event = await moved;
  a.proc.kill('SIGKILL');
  t.same(event.data, { device: '', id: 'cd', 'tray-open': true }, 'the guest opened the tray');
  await a.exited;
  const b = await startEmuWithQmp(t, ['--state-file', state, '-S']);
  const block = (await b.client.execute('query-block')) as { qdev: string; tray_open?: boolean }[];
  t.equal(block.find((x) => x.qdev === 'cd')?.tray_open, true, 'the relaunched machine has the tray open');
  await b.client.execute('cont');
  await waitFor(() => b.stdout().includes('emu> '), 'the relaunched firmware prompt', 60_000);
  t.match(b.stdout(), /cd0 +scsi-cd 0:0, tray open, [^\r\n]*a\.iso\r?\n/, 'and its firmware sees the tray open');
  await b.client.execute('quit');
});
