// QEMU's number formats (size_to_str, "%.3g", the qtree integer form) and the argument parser.

import t from 'tap';
import { formatG3, intWithHex, sizeToStr, toMonitorText } from '../../src/qmp/hmp/format.ts';
import { HmpSyntaxError, helpWords, parseCommandLine } from '../../src/qmp/hmp/parser.ts';
import { hmpCommands } from '../../src/qmp/hmp/commands.ts';

t.test('size_to_str', async (t) => {
  // Values observed in QEMU 7.2's output (qemu-img info, info qtree, info block -v).
  const cases: [number, string][] = [
    [0, '0 B'], [512, '512 B'], [999, '999 B'], [1000, '0.977 KiB'], [1023, '0.999 KiB'], [1024, '1 KiB'],
    [1536, '1.5 KiB'], [4096, '4 KiB'], [1048575, '1 MiB'], [1048576, '1 MiB'], [2097152, '2 MiB'],
    [5000192, '4.77 MiB'], [123457024, '118 MiB'], [4294967295, '4 GiB'], [2 ** 40, '1 TiB'], [2 ** 60, '1 EiB'],
  ];
  for (const [v, s] of cases) t.equal(sizeToStr(v), s, String(v));
  t.equal(sizeToStr(1536n), '1.5 KiB', 'bigint');
});

t.test('%.3g', async (t) => {
  t.equal(formatG3(0), '0');
  t.equal(formatG3(1), '1');
  t.equal(formatG3(0.9765625), '0.977');
  t.equal(formatG3(117.737), '118');
  t.equal(formatG3(999.6), '1e+03');
  t.equal(formatG3(0.00001234), '1.23e-05');
  t.equal(formatG3(0.0001234), '0.000123');
});

t.test('integers as qtree prints them', async (t) => {
  t.equal(intWithHex(128), '128 (0x80)');
  t.equal(intWithHex(0), '0 (0x0)');
  t.equal(intWithHex(-1), '-1 (0xffffffffffffffff)');
  t.equal(intWithHex(2n ** 64n - 1n), '18446744073709551615 (0xffffffffffffffff)');
});

t.test('CRLF', async (t) => {
  t.equal(toMonitorText('a\nb\r\n'), 'a\r\nb\r\n');
});

t.test('argument parsing', async (t) => {
  const p = (line: string) => parseCommandLine(line, hmpCommands);
  t.equal(p(''), undefined);
  t.equal(p(' \t '), undefined);
  t.same(p('eject -f cd')?.args, { force: true, device: 'cd' });
  t.same(p('eject "a b"')?.args, { device: 'a b' });
  t.same(p('eject "a\\"b\\\\c\\n"')?.args, { device: 'a"b\\c\n' });
  t.same(p('change cd -f /x.iso raw read-only')?.args, { device: 'cd', force: true, target: '/x.iso', arg: 'raw', 'read-only-mode': 'read-only' });
  t.same(p('change cd /x.iso')?.args, { device: 'cd', target: '/x.iso' });
  t.same(p('info block -n -v d0')?.args, { nodes: true, verbose: true, device: 'd0' });
  t.same(p('info block -v -n')?.args, { verbose: true, device: '-n' }, "QEMU's flag order");
  t.equal(p('info block')?.typed, 'info block');
  t.equal(p('  info   block  ')?.typed, 'info   block', 'typed as given');
  t.same(p('device_add virtio-blk-device,drive=d0,id=vd0,serial=a,,b')?.args, {
    device: { id: 'vd0', driver: 'virtio-blk-device', drive: 'd0', serial: 'a,b' },
  });
  t.same(p('device_add "scsi-cd,serial=x y"')?.args, { device: { driver: 'scsi-cd', serial: 'x y' } }, 'quotes keep blanks');
  t.same(p('help info  block')?.args, { name: 'info  block' }, 'help takes the rest of the line');
  t.same(p('?')?.args, {});
  t.throws(() => p('nosuch'), new HmpSyntaxError("unknown command: 'nosuch'\n"));
  t.throws(() => p('info nosuch x'), new HmpSyntaxError("unknown command: 'info nosuch'\n"));
  t.same(helpWords('info "st atus"'), ['info', 'st atus']);
  t.equal(helpWords('"x'), undefined);
});
