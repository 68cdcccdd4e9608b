// Post-parse checks against QEMU 7.2 (observed on qemu-system-riscv64 -M virt), catalogue 17, 37, 38.
import t from 'tap';
import { parseCommandLine } from '../../src/vl-legacy/parse.ts';
import { validateOptions, validateBootDevices, checkAccelOptions, selectMachine } from '../../src/vl-legacy/validate.ts';
import { formatError, LegacyError } from '../../src/vl-legacy/errors.ts';

const P = (args: string[]) => parseCommandLine(args);
const msg = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return formatError('emu-legacy', e as LegacyError);
  }
  return '';
};
const MACHINES = [{ name: 'virt', isDefault: false }, { name: 'spike', alias: 'sp' }];

t.test('validate', async (t) => {
  t.equal(msg(() => validateOptions(P(['-append', 'x']))), 'emu-legacy: -append only allowed with -kernel option\n');
  t.equal(msg(() => validateOptions(P(['-initrd', 'x']))), 'emu-legacy: -initrd only allowed with -kernel option\n');
  t.equal(msg(() => validateOptions(P(['-append', 'x', '-initrd', 'y']))), 'emu-legacy: -append only allowed with -kernel option\n');
  t.equal(msg(() => validateOptions(P(['-kernel', 'k', '-append', 'x', '-initrd', 'y']))), '');
  t.equal(msg(() => validateOptions(P(['-display', 'curses', '-daemonize']))), 'emu-legacy: curses display cannot be used with -daemonize\n');
  t.equal(msg(() => validateBootDevices('z')), "emu-legacy: Invalid boot device 'z'\n");
  t.equal(msg(() => validateBootDevices('cc')), "emu-legacy: Boot device 'c' was given twice\n");
  t.equal(msg(() => validateBootDevices('cdn')), '');
  t.equal(msg(() => checkAccelOptions(P(['-accel', 'tcg', '-M', 'virt,accel=tcg']))), 'emu-legacy: The -accel and "-machine accel=" options are incompatible\n');
  t.equal(msg(() => checkAccelOptions(P(['-accel', 'tcg']))), '');
  t.equal(msg(() => selectMachine(P(['-M', 'bogus']), MACHINES)), 'emu-legacy: unsupported machine type\nUse -machine help to list supported machines\n');
  t.equal(msg(() => selectMachine(P([]), MACHINES)), 'emu-legacy: No machine specified, and there is no default\nUse -machine help to list supported machines\n');
  t.equal(selectMachine(P(['-M', 'sp']), MACHINES), 'spike');
  t.equal(selectMachine(P(['-M', 'spike', '-M', 'virt']), MACHINES), 'virt');
});
