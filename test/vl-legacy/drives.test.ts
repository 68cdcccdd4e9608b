// Drive mapping and -drive checks against QEMU 7.2 (observed with qemu-system-x86_64 -M pc and
// qemu-system-riscv64 -M virt, query-block for the ids), catalogue entries 3 and 5-12.
import t from 'tap';
import { DriveTable, EMU_VIRT_BLOCK, QEMU_PC_BLOCK, QEMU_RISCV_VIRT_BLOCK } from '../../src/vl-legacy/drives.ts';
import { formatError, LegacyError } from '../../src/vl-legacy/errors.ts';
import { run, err, ARGV0 } from './helpers.ts';

const pc = { facts: QEMU_PC_BLOCK };
const ids = (args: string[], facts = EMU_VIRT_BLOCK, defaults?: { cdrom: boolean; floppy: boolean; sdcard: boolean }) => {
  const r = run(args, { facts });
  if (!r.drives) throw new Error(r.stderr);
  if (defaults) r.drives.addDefaults(defaults);
  return r.drives.drives.map((d) => [d.id, d.interface, d.bus, d.unit, d.readOnly]);
};
const ALL = { cdrom: true, floppy: true, sdcard: true };

t.test('catalogue entries (x86 pc facts)', async (t) => {
  t.equal(err(['-drive', 'file=d0.img,if=bogus']), "emu-legacy: -drive file=d0.img,if=bogus: unsupported bus type 'bogus'\n");
  t.equal(
    err(['-drive', 'file=d0.img,format=raw,index=0', '-drive', 'file=cd.iso,format=raw,index=0'], pc),
    'emu-legacy: -drive file=cd.iso,format=raw,index=0: drive with bus=0, unit=0 (index=0) exists\n',
  );
  t.equal(err(['-hdc', 'd0.img', '-cdrom', 'cd.iso'], pc), 'emu-legacy: -cdrom cd.iso: drive with bus=1, unit=0 (index=2) exists\n');
  t.equal(err(['-drive', 'file=d0.img,format=raw,if=ide,unit=2'], pc), 'emu-legacy: -drive file=d0.img,format=raw,if=ide,unit=2: unit 2 too big (max is 1)\n');
  t.equal(err(['-drive', 'file=d0.img,format=raw,if=scsi,unit=7'], pc), 'emu-legacy: -drive file=d0.img,format=raw,if=scsi,unit=7: unit 7 too big (max is 6)\n');
  t.equal(err(['-drive', 'file=d0.img,format=raw,media=floppy']), "emu-legacy: -drive file=d0.img,format=raw,media=floppy: 'floppy' invalid media\n");
  t.equal(
    err(['-drive', 'file=d0.img,format=raw,readonly=maybe']),
    "emu-legacy: -drive file=d0.img,format=raw,readonly=maybe: Parameter 'read-only' expects 'on' or 'off'\n",
  );
  t.equal(err(['-drive', 'file=d0.img,format=raw,cache=bogus']), 'emu-legacy: -drive file=d0.img,format=raw,cache=bogus: invalid cache option\n');
  t.equal(
    err(['-drive', 'file=d0.img,format=raw,index=1,bus=1']),
    'emu-legacy: -drive file=d0.img,format=raw,index=1,bus=1: index cannot be used with bus and unit\n',
  );
  t.equal(
    err(['-drive', 'file=d0.img,format=raw,if=virtio,bus=0,unit=0', '-drive', 'file=d1.img,format=raw,if=virtio,bus=0,unit=0']),
    'emu-legacy: -drive file=d1.img,format=raw,if=virtio,bus=0,unit=0: drive with bus=0, unit=0 (index=-1) exists\n',
  );
  t.equal(
    err(['-drive', 'file=d0.img,format=raw,readonly=on,read-only=off']),
    "emu-legacy: -drive file=d0.img,format=raw,readonly=on,read-only=off: 'read-only' and its alias 'readonly' can't be used at the same time\n",
  );
  t.equal(
    err(['-drive', 'file=d0.img,format=raw,if=floppy,werror=stop'], pc),
    'emu-legacy: -drive file=d0.img,format=raw,if=floppy,werror=stop: werror is not supported by this bus type\n',
  );
  t.equal(err(['-drive', 'file=d0.img,index=x']), "emu-legacy: -drive file=d0.img,index=x: Parameter 'index' expects a number\n");
  t.equal(err(['d0.img', 'd0.img']), 'emu-legacy: d0.img: drive with bus=0, unit=0 (index=0) exists\n');
  t.equal(
    err(['-drive', 'file=d0.img,format=raw,readonly=on,bus=1,copy-on-read=on', '-drive', 'file=d1.img,format=raw,media=cdrom'], { facts: QEMU_RISCV_VIRT_BLOCK }),
    'emu-legacy: -drive file=d0.img,format=raw,readonly=on,bus=1,copy-on-read=on: warning: disabling copy-on-read on read-only drive\n' +
      "emu-legacy: -drive file=d1.img,format=raw,media=cdrom: Device with id 'none0' already exists\n",
  );
  t.equal(
    err(['-drive', 'file=d0.img,format=raw,copy-on-read=on,media=cdrom'], pc),
    'emu-legacy: -drive file=d0.img,format=raw,copy-on-read=on,media=cdrom: warning: disabling copy-on-read on read-only drive\n',
  );
});

t.test('orphans: machine type does not support (catalogue 9)', async (t) => {
  const r = run(['-drive', 'file=d0.img,format=raw,if=ide,bus=2'], pc);
  t.throws(() => r.drives!.checkOrphans());
  try {
    r.drives!.checkOrphans();
  } catch (e) {
    t.equal(formatError(ARGV0, e as LegacyError), 'emu-legacy: -drive file=d0.img,format=raw,if=ide,bus=2: machine type does not support if=ide,bus=2,unit=0\n');
  }
  // QEMU reports every orphan, then exits
  const two = run(['-drive', 'file=d0.img,format=raw,if=ide,bus=5,unit=0', '-drive', 'file=d0.img,format=raw,if=ide,bus=6,unit=1'], pc);
  try {
    two.drives!.checkOrphans();
    t.fail('no orphans found');
  } catch (e) {
    t.equal(
      formatError(ARGV0, e as LegacyError),
      'emu-legacy: -drive file=d0.img,format=raw,if=ide,bus=5,unit=0: machine type does not support if=ide,bus=5,unit=0\n' +
        'emu-legacy: -drive file=d0.img,format=raw,if=ide,bus=6,unit=1: machine type does not support if=ide,bus=6,unit=1\n',
    );
  }
  // rolling to the next bus: the third drive on ide bus 1 lands on bus 2
  const roll = run(['-drive', 'file=d0.img,if=ide,bus=1,unit=1', '-drive', 'file=d1.img,if=ide,bus=1', '-drive', 'file=d2.img,if=ide,bus=1'], pc);
  t.same(roll.drives!.drives.map((d) => [d.bus, d.unit]), [[1, 1], [1, 0], [2, 0]]);
  t.throws(() => roll.drives!.checkOrphans(), { message: 'machine type does not support if=ide,bus=2,unit=0' });
  const scsi = run(['-drive', 'file=d0.img,format=raw,if=scsi', '-drive', 'file=d1.img,format=raw,if=scsi,media=cdrom'], pc);
  try {
    scsi.drives!.checkOrphans();
    t.fail('no orphans found');
  } catch (e) {
    t.equal(
      formatError(ARGV0, e as LegacyError),
      'emu-legacy: -drive file=d0.img,format=raw,if=scsi: machine type does not support if=scsi,bus=0,unit=0\n' +
        'emu-legacy: -drive file=d1.img,format=raw,if=scsi,media=cdrom: machine type does not support if=scsi,bus=0,unit=1\n',
    );
  }
  // if=none and default drives are never orphans
  const none = run(['-drive', 'if=none,file=d0.img'], pc);
  none.drives!.addDefaults(ALL);
  t.doesNotThrow(() => none.drives!.checkOrphans());
});

t.test('QEMU pc mapping, ids and defaults (observed with query-block)', async (t) => {
  t.same(
    ids(['-hda', 'd0.img', '-hdb', 'd1.img', '-cdrom', 'cd.iso', '-drive', 'file=d2.img,if=none', '-drive', 'file=d3.img,if=virtio', '-drive', 'file=d4.img,if=none'], QEMU_PC_BLOCK, ALL).map((x) => [x[0], x[4]]),
    [['ide0-hd0', false], ['ide0-hd1', false], ['ide1-cd0', true], ['none0', false], ['virtio0', false], ['none1', false], ['floppy0', false], ['sd0', false]],
  );
  t.same(ids(['-drive', 'file=a,if=ide', '-drive', 'file=b,if=ide,media=cdrom', '-drive', 'file=c,if=ide'], QEMU_PC_BLOCK, ALL).map((x) => x[0]), [
    'ide0-hd0', 'ide0-cd1', 'ide1-hd0', 'floppy0', 'sd0',
  ]);
  // the default CD-ROM is skipped when index 2 is taken; -nodefaults means no default drives
  t.same(ids(['-hdc', 'd0.img'], QEMU_PC_BLOCK, ALL).map((x) => x[0]), ['ide1-hd0', 'floppy0', 'sd0']);
  t.same(ids(['-hda', 'd0.img'], QEMU_PC_BLOCK, { cdrom: false, floppy: false, sdcard: false }).map((x) => x[0]), ['ide0-hd0']);
  // q35's one unit per bus on the default interface
  t.same(ids(['-hda', 'a', '-hdb', 'b', '-cdrom', 'c'], { ...QEMU_PC_BLOCK, machine: 'q35', unitsPerDefaultBus: 1 }).map((x) => x[0]), [
    'ide0-hd0', 'ide1-hd0', 'ide2-cd0',
  ]);
});

t.test('QEMU riscv virt mapping (everything if=none)', async (t) => {
  t.same(ids(['-hda', 'd0.img', '-cdrom', 'cd.iso'], QEMU_RISCV_VIRT_BLOCK, ALL).map((x) => [x[0], x[4]]), [
    ['none0', false], ['none2', true], ['floppy0', false], ['sd0', false],
  ]);
  t.same(
    ids(['-hda', 'd0.img', '-cdrom', 'cd.iso', '-drive', 'file=d1.img,if=virtio', '-drive', 'file=d2.img,if=virtio,index=5', '-drive', 'file=d3.img,if=virtio'], QEMU_RISCV_VIRT_BLOCK).map((x) => x[0]),
    ['none0', 'none2', 'virtio0', 'virtio5', 'virtio1'],
  );
  t.equal(err(['-hdc', 'x', '-cdrom', 'y'], { facts: QEMU_RISCV_VIRT_BLOCK }), 'emu-legacy: -cdrom y: drive with bus=0, unit=2 (index=2) exists\n');
});

t.test("emu's virt: disks on virtio, removable media on SCSI", async (t) => {
  t.same(ids(['-hda', 'disk.img', '-cdrom', 'x.iso']), [
    ['virtio0', 'virtio', 0, 0, false],
    ['scsi0-cd2', 'scsi', 0, 2, true],
  ]);
  t.same(ids(['-hda', 'a', '-hdb', 'b', '-drive', 'file=c,media=cdrom', '-drive', 'file=d,if=scsi', '-drive', 'if=none,id=n,file=e']), [
    ['virtio0', 'virtio', 0, 0, false],
    ['virtio1', 'virtio', 0, 1, false],
    ['scsi0-cd0', 'scsi', 0, 0, true],
    ['scsi0-hd1', 'scsi', 0, 1, false],
    ['n', 'none', 0, 0, false],
  ]);
  // -hdc and -cdrom no longer collide: they are on different interfaces
  t.same(ids(['-hdc', 'x', '-cdrom', 'y']).map((x) => x[0]), ['virtio2', 'scsi0-cd2']);
  // default drives: an empty CD-ROM unless index 2 of SCSI is taken; no floppy, no SD card
  t.same(ids(['-hda', 'a'], EMU_VIRT_BLOCK, ALL).map((x) => x[0]), ['virtio0', 'scsi0-cd2']);
  t.same(ids(['-cdrom', 'y'], EMU_VIRT_BLOCK, ALL).map((x) => x[0]), ['scsi0-cd2']);
  const r = run(['-drive', 'file=d0.img,if=scsi,bus=1']);
  t.throws(() => r.drives!.checkOrphans(), { message: 'machine type does not support if=scsi,bus=1,unit=0' });
  t.throws(() => run(['-drive', 'file=d0.img,if=ide']).drives!.checkOrphans(), { message: 'machine type does not support if=ide,bus=0,unit=0' });
});

t.test('repeated options and names (observed)', async (t) => {
  // renaming readonly to read-only makes the first of repeated values win
  t.equal(err(['-drive', 'file=d0.img,if=none,readonly=on,readonly=maybe']), '');
  t.equal(run(['-drive', 'file=d0.img,if=none,readonly=on,readonly=off']).drives!.drives[0].readOnly, true);
  t.equal(
    err(['-drive', 'file=d0.img,if=none,readonly=maybe,readonly=on']),
    "emu-legacy: -drive file=d0.img,if=none,readonly=maybe,readonly=on: Parameter 'read-only' expects 'on' or 'off'\n",
  );
  // only the last cache= is consumed; an earlier one goes on to the block layer
  t.same({ ...run(['-drive', 'file=d0.img,if=none,cache=x,cache=none']).drives!.drives[0].blockOptions }, {
    cache: 'x', 'cache.writeback': 'on', 'cache.direct': 'on', 'cache.no-flush': 'off',
  });
  // automatic ids of unlimited interfaces ignore the bus
  t.equal(
    err(['-drive', 'file=d0.img,format=raw,if=none', '-drive', 'file=d1.img,format=raw,if=none,bus=1']),
    "emu-legacy: -drive file=d1.img,format=raw,if=none,bus=1: Device with id 'none0' already exists\n",
  );
  const tbl = new DriveTable(EMU_VIRT_BLOCK);
  const d = tbl.add({ id: 'n0', opts: { if: 'none' }, loc: { kind: 'cmdline', args: ['-drive', 'if=none,id=n0'] } });
  t.throws(() => tbl.checkName(d, new Set(['n0'])), { message: "Device name 'n0' conflicts with an existing node name" });
});

t.test('what the block layer gets', async (t) => {
  const r = run(['-drive', 'file=d0.img,format=raw,if=none,id=d0,cache=none,readonly=on,node-name=n0,iops=100,snapshot=off', '-snapshot', '-hda', 'x.img']);
  const [d0, hda] = r.drives!.drives;
  t.same(
    { id: d0.id, autoId: d0.autoId, file: d0.file, readOnly: d0.readOnly, media: d0.media, index: d0.index, opts: { ...d0.blockOptions } },
    {
      id: 'd0', autoId: false, file: 'd0.img', readOnly: true, media: 'disk', index: -1,
      opts: { format: 'raw', 'node-name': 'n0', snapshot: 'off', 'throttling.iops-total': '100', 'cache.writeback': 'on', 'cache.direct': 'on', 'cache.no-flush': 'off' },
    },
  );
  t.same({ ...hda.blockOptions }, { snapshot: 'on' }); // -snapshot applies where the drive says nothing
  t.equal(hda.index, 0);
  t.equal(hda.loc.kind === 'cmdline' && hda.loc.args.join(' '), '-hda x.img');
  const c = new DriveTable(EMU_VIRT_BLOCK);
  t.same({ ...c.add({ opts: { cache: 'writethrough', 'cache.direct': 'on' }, loc: { kind: 'none' } }).blockOptions }, {
    'cache.direct': 'on', 'cache.writeback': 'off', 'cache.no-flush': 'off',
  });
  t.same({ ...c.add({ opts: { cache: 'unsafe' }, loc: { kind: 'none' } }).blockOptions }, {
    'cache.writeback': 'on', 'cache.direct': 'off', 'cache.no-flush': 'on',
  });
});
