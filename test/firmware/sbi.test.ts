// The embedded firmware's SBI as an S-mode payload sees it (test/firmware/sbi-payload): base
// extension, legacy console, TIME interrupts, HSM start/stop/status of a second hart, IPI, RFENCE,
// SRST shutdown. The payload prints one verdict line and powers off.
import t from 'tap';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmuWithQmp, waitFor } from '../helpers/emu.ts';

const PAYLOAD = join(fileURLToPath(new URL('.', import.meta.url)), 'sbi-payload', 'sbi-payload.elf');

t.test('an S-mode payload finds the SBI it needs, on two harts', async (t) => {
  const e = await startEmuWithQmp(t, ['--chardev', 'stdio,id=s0', '--machine', `virt,memory=128M,serial=s0,smp.cpus=2,kernel=${PAYLOAD}`]);
  const shutdown = e.client.waitEvent('SHUTDOWN', { timeoutMs: 40_000 });
  await waitFor(() => /SBI: (all checks passed|FAIL .*\n)/.test(e.stdout()), 'the payload verdict', 40_000);
  t.match(e.stdout(), /SBI: all checks passed/);
  t.same((await shutdown).data, { guest: true, reason: 'guest-shutdown' }, 'SRST shutdown reaches QMP');
});
