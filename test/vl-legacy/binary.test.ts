// emu-legacy through the real binary: QEMU's error texts, the processing order, -hda/-cdrom with a
// QMP monitor (query-block, eject, blockdev-change-medium), and the --print-config round trip:
// legacy → config → emu → the same machine document.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMU, EMU_LEGACY, runBinary, startEmuWithQmp, tempDir } from '../helpers/emu.ts';

// Dozens of spawns of the binaries: minutes on a loaded 2-core machine.
t.setTimeout(300_000);

const dir = tempDir('emu-legacy-bin-');
const img = (n: string, size = 1 << 20) => {
  const f = join(dir, n);
  writeFileSync(f, Buffer.alloc(size));
  return f;
};
const d0 = img('d0.img');
const d1 = img('d1.img');
const cd = img('cd.iso');
const cd2 = img('cd2.iso');

t.test('QEMU error texts, exit status 1, no stack trace', async (t) => {
  const cases: [string[], string][] = [
    [['-frobnicate'], 'emu-legacy: -frobnicate: invalid option\n'],
    [['-cdrom'], 'emu-legacy: -cdrom: requires an argument\n'],
    [['-drive', `file=${d0},if=bogus`], `emu-legacy: -drive file=${d0},if=bogus: unsupported bus type 'bogus'\n`],
    [['-drive', `file=${d0},format=raw,media=floppy`], `emu-legacy: -drive file=${d0},format=raw,media=floppy: 'floppy' invalid media\n`],
    [['-drive', `file=${d0},format=raw,readonly=maybe`], `emu-legacy: -drive file=${d0},format=raw,readonly=maybe: Parameter 'read-only' expects 'on' or 'off'\n`],
    [['-drive', `file=${d0},format=raw,cache=bogus`], `emu-legacy: -drive file=${d0},format=raw,cache=bogus: invalid cache option\n`],
    [['-drive', 'file=nonexist.img,format=raw'], "emu-legacy: -drive file=nonexist.img,format=raw: Could not open 'nonexist.img': No such file or directory\n"],
    [['-drive', `file=${d0},format=qcow2`], `emu-legacy: -drive file=${d0},format=qcow2: Image is not in qcow2 format\n`],
    [['-drive', `file=${cd},format=raw,id=a`, '-drive', `file=${cd},format=raw,id=a`], `emu-legacy: -drive file=${cd},format=raw,id=a: Duplicate ID 'a' for drive\n`],
    [['-drive', `file=${d0},format=raw,index=0`, '-drive', `file=${d1},format=raw,index=0`], `emu-legacy: -drive file=${d1},format=raw,index=0: drive with bus=0, unit=0 (index=0) exists\n`],
    [['-m', 'garbage'], "emu-legacy: -m garbage: Parameter 'size' expects a non-negative number below 2^64\nOptional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n"],
    [['-M', 'nosuch'], 'emu-legacy: unsupported machine type\nUse -machine help to list supported machines\n'],
    [['-M', 'virt,nosuchprop=1'], "emu-legacy: Property 'virt-machine.nosuchprop' not found\n"],
    [['-smp', '600'], "emu-legacy: Invalid SMP CPUs 600. The max CPUs supported by machine 'virt' is 512\n"],
    [['-device', 'nosuchdevice'], "emu-legacy: -device nosuchdevice: 'nosuchdevice' is not a valid device model name\n"],
    [['-device', 'virtio-blk-device,bogusprop=1'], "emu-legacy: -device virtio-blk-device,bogusprop=1: Property 'virtio-blk-device.bogusprop' not found\n"],
    [['-device', 'virtio-blk-device'], 'emu-legacy: -device virtio-blk-device: drive property not set\n'],
    [['-device', 'virtio-blk-device,drive=nosuch'], "emu-legacy: -device virtio-blk-device,drive=nosuch: Property 'virtio-blk-device.drive' can't find value 'nosuch'\n"],
    [['-drive', `file=${d0},format=raw,id=a`, '-device', 'virtio-blk-device,drive=a'],
      "emu-legacy: -device virtio-blk-device,drive=a: Drive 'a' is already in use because it has been automatically connected to another device (did you need 'if=none' in the drive options?)\n"],
    [['-boot', 'order=z'], "emu-legacy: Invalid boot device 'z'\n"],
    [['-accel', 'tcg', '-machine', 'accel=tcg'], 'emu-legacy: The -accel and "-machine accel=" options are incompatible\n'],
    [['-append', 'x'], 'emu-legacy: -append only allowed with -kernel option\n'],
    [['-mon', 'chardev=nosuch'], 'emu-legacy: -mon chardev=nosuch: chardev "nosuch" not found\n'],
    [['-blockdev', '{"driver":"raw",'], 'emu-legacy: -blockdev {"driver":"raw",: JSON parse error, premature EOI\n'],
  ];
  for (const [args, expected] of cases) {
    const r = await runBinary(t, EMU_LEGACY, ['-nodefaults', '--print-config', ...args]);
    t.equal(r.stderr.replace(/WARNING: Image format[\s\S]*?restrictions\.\n/g, ''), expected, args.join(' '));
    t.equal(r.code, 1, `${args.join(' ')}: exit status`);
  }
});

t.test('QEMU processing order: -device before the -drive it uses starts', async (t) => {
  const r = await runBinary(t, EMU_LEGACY, ['-nodefaults', '-device', 'virtio-blk-device,drive=d0', '-drive', `if=none,id=d0,file=${d0},format=raw`, '--print-config']);
  t.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  t.same(doc.devices, [{ driver: 'virtio-blk-device', bus: 'virtio-mmio-bus.7', drive: 'd0' }]);
});

t.test('-hda and -cdrom with -nographic and a QMP socket: disk, CD-ROM, eject, change', async (t) => {
  const e = await startEmuWithQmp(t, ['-hda', d0, '-cdrom', cd, '-nographic', '-bios', 'none'], { binary: EMU_LEGACY });
  const block = (await e.client.execute('query-block')) as { qdev: string; removable: boolean; tray_open?: boolean; inserted?: { file: string; ro: boolean; 'node-name': string } }[];
  const disk = block.find((b) => !b.removable)!;
  const cdrom = block.find((b) => b.removable)!;
  t.equal(disk.inserted!.file, d0);
  t.equal(disk.inserted!.ro, false);
  t.equal(await e.client.execute('qom-get', { path: disk.qdev, property: 'type' }), 'virtio-blk-device');
  t.equal(cdrom.inserted!.file, cd);
  t.equal(cdrom.inserted!.ro, true, '-cdrom is read-only');
  t.equal(cdrom.tray_open, false);
  t.equal(await e.client.execute('qom-get', { path: cdrom.qdev, property: 'type' }), 'scsi-cd');
  const open = e.client.waitEvent((ev) => ev.event === 'DEVICE_TRAY_MOVED' && (ev.data as { 'tray-open': boolean })['tray-open'], { timeoutMs: 5000 });
  await e.client.execute('eject', { device: cdrom.inserted!['node-name'] });
  await open;
  const after = (await e.client.execute('query-block')) as { removable: boolean; tray_open?: boolean; inserted?: unknown }[];
  t.equal(after.find((b) => b.removable)!.tray_open, true);
  t.equal(after.find((b) => b.removable)!.inserted, undefined);
  const closed = e.client.waitEvent((ev) => ev.event === 'DEVICE_TRAY_MOVED' && !(ev.data as { 'tray-open': boolean })['tray-open'], { timeoutMs: 5000 });
  await e.client.execute('blockdev-change-medium', { id: cdrom.qdev, filename: cd2, format: 'raw' });
  await closed;
  const changed = (await e.client.execute('query-block')) as { removable: boolean; tray_open?: boolean; inserted?: { file: string } }[];
  t.equal(changed.find((b) => b.removable)!.inserted!.file, cd2);
  t.equal(changed.find((b) => b.removable)!.tray_open, false);
  await e.client.execute('quit');
});

t.test('--print-config round trip: legacy → config → emu → the same machine document', async (t) => {
  const lines: string[][] = [
    ['-hda', d0, '-cdrom', cd],
    ['-nodefaults', '-drive', `file=${d0},format=raw,if=virtio`, '-drive', `file=${d1},format=raw,if=scsi,index=3`],
    ['-m', '512', '-smp', '2', '-M', 'virt', '-boot', 'order=dc', '-name', 'guest=vm1'],
    ['-nodefaults', '-drive', `if=none,id=n0,file=${d0},format=raw`, '-device', 'virtio-scsi-device,id=s0', '-device', 'scsi-hd,drive=n0,bus=s0.0,lun=1'],
    ['-chardev', `socket,id=c0,path=${join(dir, 'c0.sock')},server=on,wait=off`, '-serial', 'chardev:c0', '-no-shutdown'],
  ];
  for (const args of lines) {
    const r = await runBinary(t, EMU_LEGACY, [...args, '--print-config']);
    t.equal(r.code, 0, r.stderr);
    const cfg = join(dir, `rt${lines.indexOf(args)}.json`);
    writeFileSync(cfg, r.stdout);
    const e = await startEmuWithQmp(t, ['-S', cfg]);
    const doc = await e.client.execute('x-query-machine-document');
    t.same(doc, JSON.parse(r.stdout), args.join(' '));
    await e.client.execute('quit');
  }
  void EMU;
});
