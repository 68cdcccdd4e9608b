// -nographic as QEMU 7.2 shows it: the terminal starts on the guest's serial console with nothing
// of the monitor on it; the monitor's banner and prompt appear at the first C-a c (QEMU holds a
// muxed-out monitor's output until it has the focus), and C-a c goes back to the console.
import t from 'tap';
import { exitWithin, EMU_LEGACY, spawnBinary, waitFor } from '../helpers/emu.ts';

t.test('the console first, the monitor after C-a c', async (t) => {
  const p = spawnBinary(t, EMU_LEGACY, ['-nographic', '-m', '128M']);
  await waitFor(() => p.stdout().includes('emu> '), 'the firmware prompt', 30_000);
  t.notMatch(p.stdout(), /monitor - type 'help'|\(qemu\)/, 'no monitor output over the console');
  t.match(p.stdout(), /^\r?\nemu firmware /, 'the guest is the first thing on the terminal');
  const before = p.stdout().length;
  p.proc.stdin!.write('\x01c');
  await waitFor(() => p.stdout().slice(before).includes('(qemu) '), 'the monitor prompt', 20_000);
  t.match(p.stdout().slice(before), /^emu \d+\.\d+\.\d+ monitor - type 'help' for more information\r\n\(qemu\) $/);
  p.proc.stdin!.write('info status\r');
  await waitFor(() => p.stdout().includes('VM status: running'), 'info status', 20_000);
  const back = p.stdout().length;
  p.proc.stdin!.write('\x01chelp\r');
  await waitFor(() => p.stdout().slice(back).includes('poweroff'), "the firmware's help", 20_000);
  p.proc.stdin!.write('poweroff\r');
  const exit = await exitWithin(p, 20_000);
  t.equal(exit?.code, 0);
});
