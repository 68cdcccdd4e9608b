// Every human monitor command through QMP's human-monitor-command on a real core, compared with
// the output QEMU 7.2 gives for the same configuration (see helpers.ts). Where emu differs on
// purpose, the test says so.

import t from 'tap';
import { join } from 'node:path';
import { EMU_VERSION } from '../../src/shared/version.ts';
import { crlf, emptyCore, machineCore } from './helpers.ts';

t.test('run state: info status, stop, cont, c', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  t.equal(await f.hmp('info status'), crlf('VM status: paused (prelaunch)\n'));
  t.equal(await f.hmp('cont'), '');
  t.equal(await f.hmp('info status'), crlf('VM status: running\n'));
  t.equal(await f.hmp('stop'), '');
  t.equal(await f.hmp('info status'), crlf('VM status: paused\n'));
  t.equal(await f.hmp('stop'), '', 'stop when paused prints nothing');
  t.equal(await f.hmp('c'), '');
  t.equal(await f.hmp('info status'), crlf('VM status: running\n'));
  t.equal(await f.hmp('s'), '', 'stop has alias s');
  t.same(f.events.map((e) => e.event), ['RESUME', 'STOP', 'RESUME', 'STOP']);
});

t.test('system_reset, system_powerdown, quit, q', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  let quits = 0;
  f.core.vm.host.quit = () => { quits++; };
  t.equal(await f.hmp('system_reset'), crlf("Error: The command 'system_reset' is permitted only after machine initialization has completed\n"),
    'phase errors are printed like every QMP error');
  await f.hmp('c');
  f.events.length = 0;
  t.equal(await f.hmp('system_reset'), '');
  t.equal(await f.hmp('system_powerdown'), '');
  t.equal(await f.hmp('quit'), '');
  t.equal(await f.hmp('q'), '');
  t.same(f.events, [
    { event: 'RESET', data: { guest: false, reason: 'host-qmp-system-reset' } },
    { event: 'POWERDOWN' },
    { event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' } },
    { event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' } },
  ]);
  t.equal(quits, 2);
});

t.test('info version, name, uuid, cpus', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  // QEMU prints "<major>.<minor>.<micro><package>"; emu's package is "emu <version>".
  t.equal(await f.hmp('info version'), crlf(`7.2.0emu ${EMU_VERSION}\n`));
  t.equal(await f.hmp('info name'), crlf('myguest\n'));
  t.equal(await f.hmp('info uuid'), crlf('00000000-0000-0000-0000-000000000000\n'));
  t.match(await f.hmp('info cpus'), /^\* CPU #0: thread_id=\d+\r\n {2}CPU #1: thread_id=\d+\r\n$/);

  const g = emptyCore();
  t.teardown(g.close);
  await g.run('machine-set', { type: 'virt', uuid: '12345678-1234-1234-1234-123456789abc' });
  t.equal(await g.hmp('info name'), '', 'no name, no output');
  t.equal(await g.hmp('info uuid'), crlf('12345678-1234-1234-1234-123456789abc\n'));
});

t.test('info block, -n, -v, one device', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  const disk = join(f.dir, 'disk.img');
  const iso = join(f.dir, 'cd.iso');
  const vd0 = `d0: ${disk} (raw)\n    Attached to:      vd0\n    Cache mode:       writeback\n`;
  const cd = `cd0: ${iso} (raw, read-only)\n    Attached to:      cd\n    Removable device: not locked, tray closed\n    Cache mode:       writeback\n`;
  t.equal(await f.hmp('info block'), crlf(`${vd0}\n${cd}`), "QEMU's text for -blockdev nodes");
  // A name selects a named node, as QEMU's `info block NODE` does for -blockdev nodes; QEMU puts a
  // blank line before an entry that is not the first of the whole list, even when filtered.
  const d0Node = `d0: ${disk} (raw)\n    Cache mode:       writeback\n`;
  t.equal(await f.hmp('info block d0'), crlf(`\n${d0Node}`));
  t.equal(await f.hmp('info block -n d0'), crlf(`\n${d0Node}`));
  t.equal(await f.hmp('info block cd0'), crlf(`\ncd0: ${iso} (raw, read-only)\n    Cache mode:       writeback\n`));
  t.equal(await f.hmp('info block f0'), crlf(`f0: ${disk} (file)\n    Cache mode:       writeback\n`));
  t.equal(await f.hmp('info block vd0'), '', 'qdev ids are not backend names');
  t.equal(await f.hmp('info block nosuch'), '');
  // Node order is emu's creation order (QEMU lists its own internal order).
  t.equal(await f.hmp('info block -n'), crlf([
    `f0: ${disk} (file)\n    Cache mode:       writeback\n`,
    `d0: ${disk} (raw)\n    Cache mode:       writeback\n`,
    `f1: ${iso} (file, read-only)\n    Cache mode:       writeback\n`,
    `cd0: ${iso} (raw, read-only)\n    Cache mode:       writeback\n`,
  ].join('\n')));
  // QEMU prints "disk size: 0 B"; emu's query-block has no actual-size, which QEMU prints as "unavailable".
  t.equal(await f.hmp('info block -v d0'), crlf(`\n${d0Node}\nImages:\nimage: ${disk}\nfile format: raw\nvirtual size: 1 MiB (1048576 bytes)\ndisk size: unavailable\n`));
  // -v is taken before -n is looked for, so "-n" becomes the device name, as in QEMU.
  t.equal(await f.hmp('info block -v -n'), '');
  t.equal(await f.hmp('info block -z'), crlf('block: unsupported option -z\nTry "help info block" for more information\n'));
});

t.test('eject and change', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  const disk = join(f.dir, 'disk.img');
  const vd0 = `d0: ${disk} (raw)\n    Attached to:      vd0\n    Cache mode:       writeback\n`;
  t.equal(await f.hmp('eject cd'), '', 'a qdev id works');
  t.same(f.events, [{ event: 'DEVICE_TRAY_MOVED', data: { device: '', id: 'cd', 'tray-open': true } }]);
  t.equal(await f.hmp('info block'), crlf(`${vd0}\ncd: [not inserted]\n    Attached to:      cd\n    Removable device: not locked, tray open\n`));

  const cd2 = join(f.dir, 'cd2.iso');
  t.equal(await f.hmp(`change cd ${cd2}`), '');
  const block = await f.hmp('info block');
  t.match(block, crlf(`: ${cd2} (raw, read-only)\n    Attached to:      cd\n    Removable device: not locked, tray closed\n`));
  const node = /\r\n(\S+): /.exec(block.slice(crlf(vd0).length))![1];

  t.equal(await f.hmp(`change ${node} ${join(f.dir, 'cd.iso')} raw read-write`), '', 'the node name works too');
  t.match(await f.hmp('info block'), crlf(`: ${join(f.dir, 'cd.iso')} (raw)\n    Attached to:      cd\n`));
  t.equal(await f.hmp(`change cd -f ${cd2} raw read-only`), '', '-f goes after the device, as in QEMU');
  t.match(await f.hmp('info block'), crlf(`: ${cd2} (raw, read-only)\n`));
  t.equal(await f.hmp(`eject -f "cd"`), '', 'quoted arguments');

  t.equal(await f.hmp(`change cd ${cd2} raw bogus`), crlf('Error: invalid parameter value: bogus\n'));
  t.equal(await f.hmp(`change cd ${cd2} bogusfmt`), crlf("Error: Unknown driver 'bogusfmt'\n"));
  t.equal(await f.hmp('change cd /nonexist'), crlf("Error: Could not open '/nonexist': No such file or directory\n"));
  t.equal(await f.hmp('change cd'), crlf('change: filename expected\nTry "help change" for more information\n'));
  t.equal(await f.hmp('change'), crlf('change: block device name expected\nTry "help change" for more information\n'));
  t.equal(await f.hmp('eject'), crlf('eject: block device name expected\nTry "help eject" for more information\n'));
  t.equal(await f.hmp('eject -x cd'), crlf('eject: unsupported option -x\nTry "help eject" for more information\n'));
  t.equal(await f.hmp('eject cd extra'), crlf('eject: extraneous characters at the end of line\nTry "help eject" for more information\n'));
  t.equal(await f.hmp('eject "c\\d"'), crlf("unsupported escape code: '\\d'\neject: block device name expected\nTry \"help eject\" for more information\n"));
  t.equal(await f.hmp('eject "cd'), crlf('unterminated string\neject: block device name expected\nTry "help eject" for more information\n'));
  t.equal(await f.hmp('eject nosuch'), crlf("Error: Device 'nosuch' not found\n"));
  t.equal(await f.hmp('eject vd0'), crlf("Error: Device 'vd0' is not removable\n"));
  t.equal(await f.hmp('eject d0'), crlf("Error: Device 'vd0' is not removable\n"), 'by node name');

  // A tray the guest locked: QEMU's texts, and -f opens it anyway.
  await f.hmp(`change cd ${cd2}`);
  const dev = f.core.vm.findDevice('cd')!;
  dev.state.locked = true;
  t.match(await f.hmp('info block'), crlf('    Removable device: locked, tray closed\n'));
  t.equal(await f.hmp('eject cd'), crlf("Error: Device 'cd' is locked and force was not specified, wait for tray to open and try again\n"));
  t.equal(await f.hmp('eject -f cd'), '');
  t.match(await f.hmp('info block'), crlf('cd: [not inserted]\n    Attached to:      cd\n    Removable device: not locked, tray open\n'));
});

t.test('device_add and device_del', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  t.equal(await f.hmp('device_add scsi-cd,id=cd2,bus=scsi0.0,scsi-id=3'), '');
  t.equal(await f.hmp('device_add scsi-cd,id=cd2'), crlf("Error: Duplicate device ID 'cd2'\n"));
  t.equal(await f.hmp('device_add nosuchdev'), crlf("Error: 'nosuchdev' is not a valid device model name\n"));
  t.equal(await f.hmp('device_add scsi-cd,id=cd3,foo=bar'), crlf("Error: Property 'scsi-cd.foo' not found\n"));
  t.equal(await f.hmp('device_add scsi-cd,,x'), crlf("Error: 'scsi-cd,x' is not a valid device model name\n"), ',, escapes a comma');
  t.equal(await f.hmp('device_add'), crlf("Error: Parameter 'driver' is missing\n"));
  // QEMU's readline monitor prints the QemuOpts error and its hint, then the usage hint.
  t.equal(await f.hmp('device_add scsi-cd,id=1bad'), crlf(
    "Parameter 'id' expects an identifier\nIdentifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n"
    + 'Try "help device_add" for more information\n'));
  t.equal(await f.hmp('device_add scsi-cd,id=cd3,drive'), crlf(
    "warning: short-form boolean option 'drive' deprecated\nPlease use drive=on instead\nError: Property 'scsi-cd.drive' can't find value 'on'\n"));
  t.equal(await f.hmp('device_add a b'), crlf('device_add: extraneous characters at the end of line\nTry "help device_add" for more information\n'));

  t.equal(await f.hmp('info qom-tree /machine/peripheral'), crlf(
    '/peripheral (container)\n  /cd (scsi-cd)\n  /cd2 (scsi-cd)\n  /scsi0 (virtio-scsi-device)\n  /vd0 (virtio-blk-device)\n'));
  t.equal(await f.hmp('qom-tree'), crlf("unknown command: 'qom-tree'\n"));

  f.events.length = 0;
  t.equal(await f.hmp('device_del cd2'), '');
  t.same(f.events, [{ event: 'DEVICE_DELETED', data: { device: 'cd2', path: '/machine/peripheral/cd2' } }]);
  t.equal(await f.hmp('device_del cd2'), crlf("Error: Device 'cd2' not found\n"));
  t.equal(await f.hmp('device_del'), crlf('device_del: string expected\nTry "help device_del" for more information\n'));
  await f.hmp('c');
  t.equal(await f.hmp('device_del vd0'), crlf("Error: Bus 'virtio-mmio-bus.7' does not support hotplugging\n"));
  t.equal(await f.hmp('device_add scsi-cd,id=hot'), '', 'hotplug after cont');
  t.match(await f.hmp('info qom-tree /machine/peripheral'), crlf('  /hot (scsi-cd)\n'));
});

t.test('device_add help', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  const list = await f.hmp('device_add help');
  t.match(list, crlf('name "scsi-cd"\n'));
  t.match(list, crlf('name "virtio-blk-device"\n'));
  t.notMatch(list, 'riscv.sifive.plic', 'onboard devices are not offered');
  const props = await f.hmp('device_add scsi-cd,help');
  t.match(props, /^scsi-cd options:\r\n/);
  // QEMU's layout: name=<type> padded to 24 columns, " - ", description, then the default.
  t.match(props, /\r\n {2}channel=<uint32> {7}- .*\(default: 0\)\r\n/);
  t.match(props, /\r\n {2}vendor=<str> {11}- .*\(default: "QEMU"\)\r\n/);
});

t.test('info chardev, info qom-tree', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  t.equal(await f.hmp('info chardev'), crlf('ser0: filename=null\n'));
  const tree = await f.hmp('info qom-tree');
  t.match(tree, /^\/machine \(virt-machine\)\r\n {2}\/peripheral \(container\)\r\n {4}\/cd \(scsi-cd\)\r\n/);
  // Children sorted as QEMU sorts them (strcmp: device[10] before device[1]).
  t.match(tree, crlf('  /unattached (container)\n    /device[0] (riscv.hart_array)\n    /device[10] (virtio-mmio)\n'));
  t.match(tree, crlf('    /device[15] (fw_cfg_mem)\n    /device[1] (riscv.sifive.plic)\n'));
  t.equal(await f.hmp('info qom-tree /machine/peripheral/cd'), crlf('/cd (scsi-cd)\n'));
  t.equal(await f.hmp('info qom-tree peripheral'), await f.hmp('info qom-tree /machine/peripheral'), 'partial paths');
  t.equal(await f.hmp('info qom-tree /nosuch'), crlf("Path '/nosuch' could not be resolved.\n"));
  t.equal(await f.hmp('info qom-tree a b'), crlf('qom-tree: extraneous characters at the end of line\nTry "help info qom-tree" for more information\n'));
});

t.test('info qtree', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  await f.hmp('device_add virtio-scsi-device');
  const q = await f.hmp('info qtree');
  t.match(q, /^bus: main-system-bus\r\n {2}type System\r\n {2}dev: fw_cfg_mem, id ""\r\n/);
  // QEMU's nesting and property formats (emu's devices have fewer properties than QEMU's).
  t.match(q, crlf([
    '  dev: virtio-mmio, id ""',
    '    bus: virtio-mmio-bus.7',
    '      type virtio-mmio-bus',
    '      dev: virtio-blk-device, id "vd0"',
    '        drive = "d0"',
    '',
  ].join('\n')));
  t.match(q, crlf('        logical_block_size = 512 (512 B)\n'));
  t.match(q, crlf([
    '    bus: virtio-mmio-bus.6',
    '      type virtio-mmio-bus',
    '      dev: virtio-scsi-device, id "scsi0"',
    '        num_queues = 1 (0x1)',
    '',
  ].join('\n')));
  t.match(q, crlf([
    '        bus: scsi0.0',
    '          type SCSI',
    '          dev: scsi-cd, id "cd"',
    '            drive = "cd0"',
    '',
  ].join('\n')));
  t.match(q, crlf('            vendor = "QEMU"\n'));
  t.match(q, crlf('      dev: virtio-scsi-device, id ""\n'));
  t.match(q, crlf('        bus: scsi.0\n          type SCSI\n'), 'an anonymous controller and its empty bus');
  t.match(q, crlf('    bus: virtio-mmio-bus.0\n      type virtio-mmio-bus\n  dev: goldfish_rtc, id ""\n'), 'empty transports too');
  t.match(q, /dev: riscv\.hart_array, id ""\r\n {4}num-harts = 2 \(0x2\)\r\n {4}hartid-base = 0 \(0x0\)\r\n$/);
  t.equal(q.match(/dev: virtio-mmio,/g)?.length, 8);
});

t.test('help', async (t) => {
  const f = emptyCore();
  t.teardown(f.close);
  t.equal(await f.hmp('help eject'), crlf('eject [-f] device -- eject a removable medium (use -f to force it)\n'));
  t.equal(await f.hmp('help change'), crlf('change device [-f] filename [format [read-only-mode]] -- change a removable medium, optional format, use -f to force the operation\n'));
  t.equal(await f.hmp('help device_add'), crlf('device_add driver[,prop=value][,...] -- add device, like -device on the command line\n'));
  t.equal(await f.hmp('help device_del'), crlf('device_del device -- remove device\n'));
  t.equal(await f.hmp('help c'), crlf('cont|c  -- resume emulation\n'));
  t.equal(await f.hmp('? stop'), crlf('stop|s  -- stop emulation\n'));
  t.equal(await f.hmp('help quit'), crlf('quit|q  -- quit the emulator\n'));
  t.equal(await f.hmp('help system_reset'), crlf('system_reset  -- reset the system\n'));
  t.equal(await f.hmp('help system_powerdown'), crlf('system_powerdown  -- send system power down event\n'));
  t.equal(await f.hmp('help help'), crlf('help|? [cmd] -- show the help\n'));
  t.equal(await f.hmp('help info status'), crlf('info status  -- show the current VM status (running|paused)\n'));
  t.equal(await f.hmp('help info status extra'), crlf('info status  -- show the current VM status (running|paused)\n'));
  t.equal(await f.hmp('help info block'), crlf('info block [-n] [-v] [device] -- show info of one block device or all block devices (-n: show named nodes; -v: show details)\n'));
  t.equal(await f.hmp('help info qom-tree'), crlf('info qom-tree [path] -- show QOM composition tree\n'));
  t.equal(await f.hmp('help info qtree'), crlf('info qtree  -- show device tree\n'));
  t.equal(await f.hmp('help info chardev'), crlf('info chardev  -- show the character devices\n'));
  t.equal(await f.hmp('help bogus'), crlf("unknown command: 'bogus'\n"));
  t.equal(await f.hmp('help info bogus'), crlf("unknown command: 'info bogus'\n"));
  const all = await f.hmp('help');
  t.equal(all, await f.hmp('?'));
  t.same(all.split('\r\n').filter(Boolean).map((l) => l.split(' ')[0]), [
    'change', 'cont|c', 'device_add', 'device_del', 'eject', 'help|?', 'info', 'quit|q', 'stop|s', 'system_powerdown', 'system_reset',
  ], 'sorted as QEMU sorts its table');
  t.match(all, crlf('info [subcommand] -- show various information about the system state\n'));
  const info = await f.hmp('info');
  t.equal(info, await f.hmp('help info'));
  t.same(info.split('\r\n').filter(Boolean).map((l) => l.split(' ')[1]), ['block', 'chardev', 'cpus', 'name', 'qom-tree', 'qtree', 'status', 'uuid', 'version']);
});

t.test('unknown commands and bad input', async (t) => {
  const f = emptyCore();
  t.teardown(f.close);
  t.equal(await f.hmp('bogus'), crlf("unknown command: 'bogus'\n"));
  t.equal(await f.hmp('info bogus'), crlf("unknown command: 'info bogus'\n"));
  t.equal(await f.hmp(''), '');
  t.equal(await f.hmp('   '), '');
  t.equal(await f.hmp('c extra'), crlf('cont|c: extraneous characters at the end of line\nTry "help c" for more information\n'));
  t.equal(await f.hmp('q extra'), crlf('quit|q: extraneous characters at the end of line\nTry "help q" for more information\n'));
  t.equal(await f.hmp('info status extra'), crlf('status: extraneous characters at the end of line\nTry "help info status" for more information\n'));
  t.equal(await f.hmp('  info   status  '), crlf('VM status: paused (prelaunch)\n'), 'blanks around words');
  t.match(await f.hmp('info cpus'), /^Error: The command 'query-cpus-fast' is permitted only in phases/, 'a query that needs a machine');
  t.equal(await f.hmp('info qtree'), crlf('bus: main-system-bus\n  type System\n'), 'no machine yet');
  t.equal(await f.hmp('info qom-tree'), crlf("Path '/machine' could not be resolved.\n"));
  t.equal(await f.hmp('cont'), crlf("Error: The command 'cont' is permitted only after machine initialization has completed\n"));
});

t.test('human-monitor-command without the human monitor installed', async (t) => {
  const { createCore } = await import('../../src/qmp/core.ts');
  const core = createCore();
  await t.rejects(core.dispatcher.submit('human-monitor-command', { 'command-line': 'info status' }), { message: 'The human monitor is not available' });
});
