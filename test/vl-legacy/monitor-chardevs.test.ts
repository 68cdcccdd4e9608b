// The chardev QEMU creates for a -qmp shorthand (compat_monitorN) belongs to the QMP monitor, which
// is process setup: it exists (query-chardev lists it) but it is neither in the machine document nor
// in --print-config's output, so the printed config is minimal and `emu` run on it builds the same
// machine document. A human monitor's chardev (no emu form yet), a chardev the user declared, or one
// something else uses, stays.

import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMU_LEGACY, runBinary, startEmuWithQmp, tempDir } from '../helpers/emu.ts';

const dir = tempDir('emu-monitor-chardevs-');

const printConfig = async (t: Test, args: string[]) => {
  const r = await runBinary(t, EMU_LEGACY, ['-nodefaults', '-S', '--print-config', ...args]);
  t.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { chardevs: { id: string }[]; machine: { serial?: string } };
};

t.test('--print-config leaves the QMP monitors\' own chardevs out', async (t) => {
  t.same((await printConfig(t, ['-qmp', `unix:${join(dir, 'q.sock')},server=on,wait=off`])).chardevs, []);
  t.same((await printConfig(t, ['-qmp-pretty', 'tcp:127.0.0.1:0,server=on,wait=off', '-monitor', 'null'])).chardevs.map((c) => c.id), ['compat_monitor1'], 'the human monitor\'s stays');
  t.same((await printConfig(t, ['-monitor', 'stdio'])).chardevs.map((c) => c.id), ['compat_monitor0']);
  t.same((await printConfig(t, ['-chardev', 'ringbuf,id=m1', '-mon', 'chardev=m1,mode=control'])).chardevs.map((c) => c.id), ['m1'], 'declared with -chardev');
  const used = await printConfig(t, ['-monitor', 'null', '-serial', 'chardev:compat_monitor0']);
  t.same(used.chardevs.map((c) => c.id), ['compat_monitor0'], 'used by the serial port too');
  t.equal(used.machine.serial, 'compat_monitor0');
});

t.test('the live machine: the chardev exists, the document leaves it out, emu rebuilds the same', async (t) => {
  const e = await startEmuWithQmp(t, ['-nodefaults', '-S', '-monitor', 'null', '-chardev', 'null,id=keep'], { binary: EMU_LEGACY });
  const chardevs = (await e.client.execute('query-chardev')) as { label: string }[];
  t.same(chardevs.map((c) => c.label).sort(), ['compat_monitor0', 'compat_monitor1', 'keep'], 'the -qmp of the test and -monitor null');
  const doc = (await e.client.execute('x-query-machine-document')) as { chardevs: { id: string }[] };
  t.same(doc.chardevs.map((c) => c.id), ['compat_monitor1', 'keep'], 'the QMP monitor\'s chardev is left out');
  await e.client.execute('quit');
  const r = await runBinary(t, EMU_LEGACY, ['-qmp', `unix:${join(dir, 'other.sock')},server=on,wait=off`, '-nodefaults', '-S', '-monitor', 'null', '-chardev', 'null,id=keep', '--print-config']);
  t.same(JSON.parse(r.stdout), doc, '--print-config is the live document');
  const cfg = join(dir, 'vm.json');
  writeFileSync(cfg, r.stdout);
  const emu = await startEmuWithQmp(t, ['-S', cfg]);
  t.same(await emu.client.execute('x-query-machine-document'), doc, 'emu builds the same machine from it');
  await emu.client.execute('quit');
});
