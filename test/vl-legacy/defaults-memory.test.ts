import t from 'tap';
import { parseCommandLine } from '../../src/vl-legacy/parse.ts';
import { defaultFlags, defaultConsoles } from '../../src/vl-legacy/defaults.ts';
import { machineWithMemory, memoryProperties, ramSize } from '../../src/vl-legacy/memory.ts';
import { formatError, LegacyError } from '../../src/vl-legacy/errors.ts';

const P = (args: string[]) => parseCommandLine(args);
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));
const MiB = 1024n * 1024n;

t.test('-m folds into the machine as QEMU 7.2 does', async (t) => {
  t.same(plain(memoryProperties(P(['-m', '512']).memory)), { size: '512M' });
  t.same(plain(memoryProperties(P(['-m', '1.0']).memory)), { size: '1.0M' });
  t.same(plain(memoryProperties(P(['-m', '0x10']).memory)), { size: '0x10M' });
  t.same(plain(memoryProperties(P(['-m', '2G']).memory)), { size: '2G' });
  t.same(plain(memoryProperties(P(['-m', '0']).memory)), {});
  t.same(plain(memoryProperties(P(['-m', 'size=512,maxmem=1G,slots=2']).memory)), { size: '512M', 'max-size': '1G', slots: '2' });
  // -m wins over -M memory.size= in either order (observed)
  for (const args of [['-M', 'virt,memory.size=256M', '-m', '512'], ['-m', '512', '-M', 'virt,memory.size=256M']]) {
    const m = machineWithMemory(P(args));
    t.equal(ramSize(m, 128n * MiB), 512n * MiB, args.join(' '));
  }
  t.equal(ramSize(machineWithMemory(P(['-M', 'virt,memory.size=256M'])), 128n * MiB), 256n * MiB);
  t.equal(ramSize(machineWithMemory(P(['-m', '0'])), 128n * MiB), 128n * MiB);
  t.equal(ramSize(machineWithMemory(P([])), 128n * MiB), 128n * MiB);
  t.equal(ramSize(machineWithMemory(P(['-m', '1.5G'])), 0n), 1536n * MiB);
  const big = (args: string[]) => {
    try {
      ramSize(machineWithMemory(P(args)), 0n);
    } catch (e) {
      return formatError('emu-legacy', e as LegacyError);
    }
    return '';
  };
  t.equal(big(['-m', '18446744073709551615']), "emu-legacy: Parameter 'memory.size' expects size\n");
  t.equal(big(['-m', '9007199254740993']), "emu-legacy: Parameter 'memory.size' expects size\n");
  t.equal(big(['-M', 'virt,memory=1', '-m', '1G']), "emu-legacy: -m 1G: Parameter 'memory' used inconsistently\n");
});

t.test('default devices', async (t) => {
  t.same(defaultFlags(P([])), { serial: true, parallel: true, monitor: true, floppy: true, cdrom: true, sdcard: true, vga: true, net: true });
  t.same(defaultFlags(P(['-nodefaults'])), { serial: false, parallel: false, monitor: false, floppy: false, cdrom: false, sdcard: false, vga: false, net: false });
  t.same(
    defaultFlags(P(['-serial', 'stdio', '-qmp', 'stdio', '-netdev', 'user,id=n', '-device', 'scsi-cd,drive=x', '-global', 'isa-fdc.x=1']), { noParallel: true }),
    { serial: false, parallel: false, monitor: false, floppy: false, cdrom: false, sdcard: true, vga: true, net: false },
  );
  t.equal(defaultFlags(P(['-device', '{"driver":"scsi-hd","drive":"x"}'])).cdrom, false);
  const c = (args: string[]) => plain(defaultConsoles(P(args), defaultFlags(P(args))));
  t.same(c(['-nographic']), { serials: ['mon:stdio'], parallels: ['null'], monitors: [] });
  t.same(c(['-nographic', '-serial', 'file:x']), { serials: [], parallels: ['null'], monitors: ['stdio'] });
  t.same(c(['-nographic', '-qmp', 'stdio']), { serials: ['stdio'], parallels: ['null'], monitors: [] });
  t.same(c([]), { serials: ['vc:80Cx24C'], parallels: ['vc:80Cx24C'], monitors: ['vc:80Cx24C'] });
  t.throws(() => c(['-nographic', '-daemonize']), { message: '-nographic cannot be used with -daemonize' });
  t.doesNotThrow(() => c(['-nographic', '-daemonize', '-nodefaults']));
});
