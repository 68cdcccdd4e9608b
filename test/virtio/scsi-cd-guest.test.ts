// The project's scsi-cd guest (test/guests/scsi-cd.c) on virtio-scsi through the real binary: it
// reads the disc, is refused an eject while it holds the tray locked (QMP eject is refused too),
// ejects (QMP sees DEVICE_TRAY_MOVED), reads NOT READY / medium not present, and after QMP's
// blockdev-change-medium sees UNIT ATTENTION and the new disc's data.

import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUESTS, disc, fnv1a } from './helpers.ts';
import { startEmuWithQmp, tempDir, waitFor } from '../helpers/emu.ts';

t.test('scsi-cd guest: read, locked eject, eject, NOT READY, change medium, UNIT ATTENTION', async (t) => {
  const dir = tempDir('emu-scsi-cd-');
  const a = disc('A', 512);
  const b = disc('B', 300);
  writeFileSync(join(dir, 'a.iso'), a);
  writeFileSync(join(dir, 'b.iso'), b);
  const serial = join(dir, 'serial.txt');
  const e = await startEmuWithQmp(t, [
    // The serial line goes to a file: with a stdio chardev piped to a Node parent, guest output was
    // seen to stall (a problem of the stdio/UART path, not of virtio; see the virtio report).
    '--chardev', `file,id=serial0,path=${serial}`,
    '--machine', `virt,memory=64M,serial=serial0,bios=none,kernel=${join(GUESTS, 'scsi-cd.img')}`,
    '--blockdev', `driver=raw,node-name=cdA,read-only=on,file.driver=file,file.filename=${join(dir, 'a.iso')}`,
    '--device', 'virtio-scsi-device,id=scsi0',
    '--device', 'scsi-cd,id=cd,drive=cdA',
  ]);
  const out = () => (existsSync(serial) ? readFileSync(serial, 'latin1') : '');
  await waitFor(() => out().includes('WAIT locked') || out().includes('FAIL'), 'the guest to lock the tray', 30_000);
  const refused = await e.client.execute('eject', { id: 'cd' }).then(() => null, (err: Error) => err);
  t.match(refused?.message, /is locked and force was not specified/, 'QMP eject is refused while the guest holds the tray locked');
  const opened = e.client.waitEvent('DEVICE_TRAY_MOVED', { timeoutMs: 20_000 });
  t.same((await opened).data, { device: '', id: 'cd', 'tray-open': true }, 'the guest eject is announced');
  await waitFor(() => out().includes('WAIT ejected') || out().includes('FAIL'), 'the guest to see the tray open', 30_000);
  const info = (await e.client.execute('query-block')) as { qdev: string; tray_open?: boolean }[];
  t.equal(info.find((x) => x.qdev === 'cd')?.tray_open, true, 'query-block shows the open tray');
  const closed = e.client.waitEvent('DEVICE_TRAY_MOVED', { timeoutMs: 20_000 });
  await e.client.execute('blockdev-change-medium', { id: 'cd', filename: join(dir, 'b.iso'), format: 'raw', 'read-only-mode': 'read-only' });
  t.same((await closed).data, { device: '', id: 'cd', 'tray-open': false });
  const shutdown = e.client.waitEvent('SHUTDOWN', { timeoutMs: 30_000 });
  await waitFor(() => /PASS|FAIL/.test(out()), 'the guest verdict', 30_000);
  await shutdown;
  const text = out();
  t.notMatch(text, / FAIL /, 'every check in the guest passed');
  t.match(text, /PASS/);
  const hex = (n: number) => `0x${n.toString(16).padStart(16, '0')}`;
  t.match(text, `disc A sectors 0-3 fnv ${hex(fnv1a(a.subarray(0, 4 * 2048)))}`, 'disc A data');
  t.match(text, `disc A sector 1 fnv ${hex(fnv1a(a.subarray(2048, 2 * 2048)))}`, 'READ(16) through an indirect table');
  t.match(text, `disc B sectors 0-3 fnv ${hex(fnv1a(b.subarray(0, 4 * 2048)))}`, 'disc B data after the change');
  t.match(text, 'blocks 512');
  if (/FAIL/.test(text)) t.comment(text);
  await e.exited;
});
