import t from 'tap';
import { formatError, formatWarning, LegacyError, cmdlineLoc, fileLoc, NO_LOC, progName } from '../../src/vl-legacy/errors.ts';

t.test('QEMU message format', async (t) => {
  t.equal(progName('/usr/local/bin/emu-legacy'), 'emu-legacy');
  t.equal(
    formatError('emu-legacy', new LegacyError("unsupported bus type 'bogus'", cmdlineLoc('-drive', 'file=x,if=bogus'))),
    "emu-legacy: -drive file=x,if=bogus: unsupported bus type 'bogus'\n",
  );
  t.equal(formatError('emu-legacy', new LegacyError('no group defined', fileLoc('file.cfg', 3))), 'emu-legacy:file.cfg:3: no group defined\n');
  t.equal(formatError('bin/emu-legacy', new LegacyError('unsupported machine type', NO_LOC, 'Use -machine help to list supported machines\n')),
    'emu-legacy: unsupported machine type\nUse -machine help to list supported machines\n');
  t.equal(formatError('emu-legacy', new LegacyError('invalid option', cmdlineLoc('-frobnicate'))), 'emu-legacy: -frobnicate: invalid option\n');
  t.equal(
    formatError('emu-legacy', new LegacyError('parse error: bogus:x', cmdlineLoc('-qmp', 'bogus:x'), undefined, [
      { message: "'bogus:x' is not a valid char driver", loc: cmdlineLoc('-qmp', 'bogus:x') },
    ])),
    "emu-legacy: -qmp bogus:x: 'bogus:x' is not a valid char driver\nemu-legacy: -qmp bogus:x: parse error: bogus:x\n",
  );
  t.equal(
    formatWarning('emu-legacy', { loc: cmdlineLoc('-drive', 'file=d0.img,readonly'), message: "short-form boolean option 'readonly' deprecated", hint: 'Please use readonly=on instead\n' }),
    "emu-legacy: -drive file=d0.img,readonly: warning: short-form boolean option 'readonly' deprecated\nPlease use readonly=on instead\n",
  );
  t.equal(new LegacyError('x').status, 1);
});
