// The process lives as long as the machine, as QEMU's does: a paused machine with no monitor and
// nothing on stdin still runs until a signal (or quit, or the guest's power-off) ends it.
import t from 'tap';
import { EMU, EMU_LEGACY, exitWithin, spawnBinary } from '../helpers/emu.ts';

for (const [binary, args, signal, stderr] of [
  [EMU_LEGACY, ['-display', 'none', '-S'], 'SIGTERM', 'emu-legacy: terminating on signal 15\n'],
  [EMU, ['--machine', 'virt', '-S'], 'SIGINT', ''],
] as const) {
  t.test(`${binary.split('/').pop()} ${args.join(' ')}: alive until ${signal}`, async (t) => {
    const p = spawnBinary(t, binary, [...args]);
    p.proc.stdin!.end();
    t.equal(await exitWithin(p, 1500), null, 'still running with nothing to do');
    p.proc.kill(signal);
    const exit = await exitWithin(p, 20_000);
    t.same(exit, { code: 0, signal: null });
    t.equal(p.stderr(), stderr);
  });
}
