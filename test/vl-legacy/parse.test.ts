// Golden tests of the legacy parser against QEMU 7.2's observed behaviour (qemu-facts.md section 6
// and runs of qemu-system-riscv64 7.2), with the program name replaced by emu-legacy.
import t from 'tap';
import { parseCommandLine } from '../../src/vl-legacy/parse.ts';
import { helpText, OPTIONS } from '../../src/vl-legacy/options.ts';
import { run, err } from './helpers.ts';

// `all` (the option list with repeats) is checked where it matters, in the drive tests.
const plain = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (k === 'all' ? undefined : x)));
const P = (args: string[]) => parseCommandLine(args);

t.test('option lookup (catalogue 1, 2)', async (t) => {
  t.equal(err(['-frobnicate']), 'emu-legacy: -frobnicate: invalid option\n');
  t.equal(err(['-cdrom']), 'emu-legacy: -cdrom: requires an argument\n');
  t.equal(err(['-hda']), 'emu-legacy: -hda: requires an argument\n');
  t.equal(err(['-m=512']), 'emu-legacy: -m=512: invalid option\n');
  t.equal(err(['-']), 'emu-legacy: -: invalid option\n');
  t.equal(err(['--']), 'emu-legacy: --: invalid option\n');
  t.equal(err(['--frobnicate']), 'emu-legacy: --frobnicate: invalid option\n');
  // unknown options are found before anything else is parsed
  t.equal(err(['-m', 'garbage', '-frobnicate']), 'emu-legacy: -frobnicate: invalid option\n');
  t.equal(err(['-version', '-frobnicate']), 'emu-legacy: -frobnicate: invalid option\n');
  // --opt is -opt; an argument may start with '-'
  t.same(plain(P(['--m', '512']).memory?.opts), { size: '512' });
  t.equal(P(['--machine', 'virt']).machine.type, 'virt');
  t.equal(P(['-append', '-x console=ttyS0']).machine.append, '-x console=ttyS0');
  // QEMU options emu does not implement
  t.equal(err(['-vga', 'std']), 'emu-legacy: -vga std: Option not supported in this build\n');
  t.equal(err(['-enable-kvm']), 'emu-legacy: -enable-kvm: Option not supported in this build\n');
});

t.test('-machine, -smp, -boot merge by key into one machine dict', async (t) => {
  t.same(plain(P(['-M', 'virt,aclint=on', '-M', 'virt']).machine), { type: 'virt', aclint: 'on' });
  t.same(plain(P(['-M', 'spike', '-M', 'virt']).machine), { type: 'virt' });
  t.same(plain(P(['-machine', 'type=virt,aclint=on,type=virt']).machine), { type: 'virt', aclint: 'on' });
  t.same(plain(P(['-M', 'virt,aclint=on', '-M', 'spike']).machine), { type: 'spike', aclint: 'on' });
  t.same(plain(P(['-smp', '2', '-smp', 'maxcpus=4', '-M', 'virt']).machine), { smp: { cpus: '2', maxcpus: '4' }, type: 'virt' });
  t.same(plain(P(['-smp', 'cpus=2,sockets=1', '-smp', '3']).machine), { smp: { cpus: '3', sockets: '1' } });
  t.same(plain(P(['-boot', 'c', '-boot', 'menu=on']).machine), { boot: { order: 'c', menu: 'on' } });
  t.same(plain(P(['-M', 'virt,dumpdtb=out.dtb']).machine), { type: 'virt', dumpdtb: 'out.dtb' });
  t.same(plain(P(['-kernel', 'k', '-initrd', 'i', '-append', 'a', '-dtb', 'd', '-bios', 'b', '-nographic']).machine), {
    kernel: 'k', initrd: 'i', append: 'a', dtb: 'd', firmware: 'b', graphics: 'off',
  });
  t.same(plain(P(['-kernel', 'k1', '-kernel', 'k2']).machine), { kernel: 'k2' });
  t.equal(err(['-M', 'virt,smp.cpus=2', '-smp', 'cpus=2']), '');
  t.equal(err(['-M', 'virt,smp=2', '-smp', '2']), "emu-legacy: -smp 2: Parameter 'smp' used inconsistently\n");
});

t.test('keyval errors in -M (observed)', async (t) => {
  t.equal(err(['-M', 'virt,x']), "emu-legacy: -M virt,x: Expected '=' after parameter 'x'\n");
  t.equal(err(['-M', 'virt,=x']), "emu-legacy: -M virt,=x: Invalid parameter ''\n");
  t.equal(err(['-M', 'virt,a.b=1,a=2']), "emu-legacy: -M virt,a.b=1,a=2: Parameters 'a.*' used inconsistently\n");
  t.equal(err(['-M', 'virt,,x']), "emu-legacy: -M virt,,x: Invalid parameter ''\n");
  t.equal(err(['-M', 'type=virt,virt']), "emu-legacy: -M type=virt,virt: Expected '=' after parameter 'virt'\n");
  t.equal(err(['-M', 'help,virt']), "emu-legacy: -M help,virt: Expected '=' after parameter 'virt'\n");
  t.equal(err(['-M', 'virt,a!=1']), "emu-legacy: -M virt,a!=1: Invalid parameter 'a!'\n");
  t.equal(err(['-M', 'virt,1=1']), "emu-legacy: -M virt,1=1: Invalid parameter '1'\n");
});

t.test('-m: QemuOpts merge_lists, sizes checked at parse time (catalogue 15, 16)', async (t) => {
  t.same(plain(P(['-m', '256', '-m', '512']).memory?.opts), { size: '512' });
  t.same(plain(P(['-m', 'size=256M', '-m', 'slots=2,maxmem=1G']).memory?.opts), { size: '256M', slots: '2', maxmem: '1G' });
  t.same(P(['-m', '256', '-m', '512']).memory?.loc, { kind: 'cmdline', args: ['-m', '256'] });
  t.equal(
    err(['-m', 'garbage']),
    "emu-legacy: -m garbage: Parameter 'size' expects a non-negative number below 2^64\n" +
      'Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n',
  );
  t.equal(err(['-m', '1G,slots=x']), "emu-legacy: -m 1G,slots=x: Parameter 'slots' expects a number\n");
  t.equal(err(['-m', '16E']), "emu-legacy: -m 16E: Value '16E' is out of range for parameter 'size'\n");
  t.equal(err(['-m', '512,id=x']), "emu-legacy: -m 512,id=x: Invalid parameter 'id'\n");
  t.equal(err(['-m', '512,bogus=1']), "emu-legacy: -m 512,bogus=1: Invalid parameter 'bogus'\n");
  t.equal(err(['-m', '1.5G']), '');
  t.equal(err(['-m', '0x10M']), 'emu-legacy: -m 0x10M: warning: Using a multiplier suffix on hex numbers is deprecated: 0x10M\n');
  t.equal(err(['-m', '0']), '');
  t.equal(err(['-m', '64K']), '');
});

t.test('-name last wins per key; -cpu, -pidfile last wins', async (t) => {
  t.same(plain(P(['-name', 'a', '-name', 'b']).name?.opts), { guest: 'b' });
  t.same(plain(P(['-name', 'a', '-name', 'process=p']).name?.opts), { guest: 'a', process: 'p' });
  t.equal(err(['-name', 'foo,debug-threads=maybe']), "emu-legacy: -name foo,debug-threads=maybe: Parameter 'debug-threads' expects 'on' or 'off'\n");
  t.equal(P(['-cpu', 'rv64', '-cpu', 'max']).cpu?.model, 'max');
  t.equal(P(['-pidfile', 'a', '-pidfile', 'b']).pidfile, 'b');
});

t.test('-uuid', async (t) => {
  t.equal(P(['-uuid', '12345678-1234-1234-1234-123456789abc']).uuid, '12345678-1234-1234-1234-123456789abc');
  t.equal(err(['-uuid', 'bogus']), 'emu-legacy: -uuid bogus: failed to parse UUID string: wrong format\n');
});

t.test('instance groups and duplicate ids (catalogue 5, 28, 30)', async (t) => {
  t.equal(
    err(['-drive', 'file=cd.iso,format=raw,id=a', '-drive', 'file=cd.iso,format=raw,id=a']),
    "emu-legacy: -drive file=cd.iso,format=raw,id=a: Duplicate ID 'a' for drive\n",
  );
  t.equal(err(['-device', 'virtio-net-pci,id=a', '-device', 'virtio-net-pci,id=a']), "emu-legacy: -device virtio-net-pci,id=a: Duplicate ID 'a' for device\n");
  t.equal(err(['-netdev', 'user,id=n0', '-netdev', 'user,id=n0']), "emu-legacy: -netdev user,id=n0: Duplicate ID 'n0' for netdev\n");
  t.equal(err(['-chardev', 'null,id=c0', '-chardev', 'null,id=c0']), "emu-legacy: -chardev null,id=c0: Duplicate ID 'c0' for chardev\n");
  t.equal(
    err(['-object', 'memory-backend-ram,id=m,size=1M', '-object', 'memory-backend-ram,id=m,size=1M']),
    "emu-legacy: -object memory-backend-ram,id=m,size=1M: Duplicate ID 'm' for object\n",
  );
  t.equal(err(['-mon', 'chardev=c0,id=x', '-mon', 'c1,id=x']), "emu-legacy: -mon c1,id=x: Duplicate ID 'x' for mon\n");
  // the first id= counts
  t.equal(err(['-chardev', 'null,id=c0,id=c1', '-chardev', 'null,id=c1']), '');
  t.equal(
    err(['-drive', 'file=d0.img,format=raw,if=none,id=a,id=b', '-drive', 'file=d0.img,format=raw,if=none,id=a']),
    "emu-legacy: -drive file=d0.img,format=raw,if=none,id=a: Duplicate ID 'a' for drive\n",
  );
  t.equal(
    err(['-drive', 'file=d0.img,id=1a']),
    "emu-legacy: -drive file=d0.img,id=1a: Parameter 'id' expects an identifier\nIdentifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n",
  );
  const p = P(['-device', 'virtio-blk-device,drive=d0', '-drive', 'if=none,id=d0,file=d0.img', '-device', 'scsi-cd,id=cd']);
  t.same(plain(p.devices), [
    { opts: { driver: 'virtio-blk-device', drive: 'd0' }, loc: { kind: 'cmdline', args: ['-device', 'virtio-blk-device,drive=d0'] } },
    { id: 'cd', opts: { driver: 'scsi-cd' }, loc: { kind: 'cmdline', args: ['-device', 'scsi-cd,id=cd'] } },
  ]);
  t.same(plain(p.drives), [{ id: 'd0', opts: { if: 'none', file: 'd0.img' }, loc: { kind: 'cmdline', args: ['-drive', 'if=none,id=d0,file=d0.img'] } }]);
});

t.test('-device JSON and -blockdev (catalogue 35)', async (t) => {
  t.equal(err(['-blockdev', '{"driver":"raw",']), 'emu-legacy: -blockdev {"driver":"raw",: JSON parse error, premature EOI\n');
  t.equal(err(['-device', '{"driver":"x"}x']), 'emu-legacy: -device {"driver":"x"}x: Expecting at most one JSON value\n');
  t.equal(err(['-blockdev', 'node-name=x']), "emu-legacy: -blockdev node-name=x: Parameter 'driver' is missing\n");
  const p = P([
    '-device', '{"driver":"scsi-cd","id":"cd0","bootindex":1}',
    '-device', 'virtio-blk-device,drive=d0',
    '-blockdev', 'file,node-name=f0,filename=d0.img',
    '-blockdev', '{"driver":"raw","node-name":"r0","file":"f0"}',
  ]);
  t.same(plain(p.jsonDevices.map((d) => d.args)), [{ driver: 'scsi-cd', id: 'cd0', bootindex: 1 }]);
  t.equal(p.devices.length, 1);
  t.same(plain(p.blockdevs), [
    { args: { driver: 'file', 'node-name': 'f0', filename: 'd0.img' }, syntax: 'keyval', loc: { kind: 'cmdline', args: ['-blockdev', 'file,node-name=f0,filename=d0.img'] } },
    { args: { driver: 'raw', 'node-name': 'r0', file: 'f0' }, syntax: 'json', loc: { kind: 'cmdline', args: ['-blockdev', '{"driver":"raw","node-name":"r0","file":"f0"}'] } },
  ]);
});

t.test('-object', async (t) => {
  t.equal(err(['-object', 'id=m0']), "emu-legacy: -object id=m0: Parameter 'qom-type' is missing\n");
  t.equal(err(['-object', 'memory-backend-ram,size=1M']), "emu-legacy: -object memory-backend-ram,size=1M: Parameter 'id' is missing\n");
  const p = P(['-object', 'memory-backend-ram,id=m0,size=1M', '-object', '{"qom-type":"rng-random","id":"r0","filename":"/dev/urandom"}']);
  t.same(plain(p.objects.map((o) => [o.syntax, o.args])), [
    ['opts', { id: 'm0', 'qom-type': 'memory-backend-ram', size: '1M' }],
    ['json', { 'qom-type': 'rng-random', id: 'r0', filename: '/dev/urandom' }],
  ]);
});

t.test('-global', async (t) => {
  t.same(plain(P(['-global', 'virtio-blk-device.num-queues=2,x']).globals.map((g) => [g.driver, g.property, g.value])), [
    ['virtio-blk-device', 'num-queues', '2,x'],
  ]);
  t.same(plain(P(['-global', 'driver=d,property=p,value=v']).globals.map((g) => [g.driver, g.property, g.value])), [['d', 'p', 'v']]);
  t.equal(err(['-global', 'driver=foo']), "emu-legacy: -global driver=foo: options 'driver', 'property', and 'value' are required\n");
  t.equal(
    err(['-global', 'foo']),
    "emu-legacy: -global foo: warning: short-form boolean option 'foo' deprecated\nPlease use foo=on instead\nemu-legacy: -global foo: Invalid parameter 'foo'\n",
  );
});

t.test('monitors: -monitor, -qmp, -qmp-pretty, -mon', async (t) => {
  const p = P(['-qmp', 'unix:/tmp/q.sock,server=on,wait=off', '-monitor', 'stdio', '-qmp-pretty', 'chardev:c9', '-mon', 'c0,mode=control']);
  t.same(plain(p.chardevs.map((c) => [c.id, c.opts])), [
    ['compat_monitor0', { backend: 'socket', path: '/tmp/q.sock', server: 'on', wait: 'off' }],
    ['compat_monitor1', { backend: 'stdio' }],
  ]);
  t.same(plain(p.mons.map((m) => [m.id, m.opts])), [
    ['compat_monitor0', { mode: 'control', chardev: 'compat_monitor0', pretty: 'off' }],
    ['compat_monitor1', { mode: 'readline', chardev: 'compat_monitor1' }],
    ['c9', { mode: 'control', chardev: 'c9', pretty: 'on' }],
    [undefined, { chardev: 'c0', mode: 'control' }],
  ]);
  t.equal(p.defaultsOff.monitor, true);
  const n = P(['-monitor', 'none']);
  t.same([n.mons.length, n.chardevs.length, n.defaultsOff.monitor], [0, 0, true]);
  t.same(plain(P(['-qmp', 'tcp:localhost:4444,server=on,wait=off']).chardevs[0].opts), {
    backend: 'socket', host: 'localhost', port: '4444', server: 'on', wait: 'off',
  });
  t.same(plain(P(['-serial', 'mon:stdio']).defaultsOff), { serial: true, monitor: true, net: false });
  t.same(plain(P(['-monitor', 'mon:stdio']).chardevs[0].opts), { mux: 'on', signal: 'off', backend: 'stdio' });
  t.equal(err(['-qmp', 'bogus:x']), "emu-legacy: -qmp bogus:x: 'bogus:x' is not a valid char driver\nemu-legacy: -qmp bogus:x: parse error: bogus:x\n");
  t.equal(
    err(['-qmp', 'unix:/tmp/q.sock,server=on,wait=off,bogus=1']),
    "emu-legacy: -qmp unix:/tmp/q.sock,server=on,wait=off,bogus=1: Invalid parameter 'bogus'\n" +
      'emu-legacy: -qmp unix:/tmp/q.sock,server=on,wait=off,bogus=1: parse error: unix:/tmp/q.sock,server=on,wait=off,bogus=1\n',
  );
  // created with &error_fatal in QEMU: no hint line
  t.equal(err(['-qmp', 'chardev:']), "emu-legacy: -qmp chardev:: Parameter 'id' expects an identifier\n");
  t.equal(err(['-qmp', 'chardev:c0', '-qmp', 'chardev:c0']), "emu-legacy: -qmp chardev:c0: Duplicate ID 'c0' for mon\n");
  t.equal(err(['-chardev', 'null,id=compat_monitor0', '-qmp', 'stdio']),
    "emu-legacy: -qmp stdio: Duplicate ID 'compat_monitor0' for chardev\nemu-legacy: -qmp stdio: parse error: stdio\n");
});

t.test('-serial, -display, -nographic, flags', async (t) => {
  const p = P(['-serial', 'stdio', '-serial', 'none', '-display', 'none', '-S', '-no-reboot', '-no-shutdown', '-snapshot', '-daemonize', '-nodefaults', '-no-user-config']);
  t.same(plain(p.serials.map((s) => s.arg)), ['stdio', 'none']);
  t.same(plain(p.display?.args), { type: 'none' });
  t.same([p.autostart, p.snapshot, p.daemonize, p.defaults, p.userConfig], [false, true, true, false, false]);
  t.same(plain(p.action), { reboot: 'shutdown', shutdown: 'pause' });
  t.equal(err(['-display', 'bogus']), "emu-legacy: -display bogus: Parameter 'type' does not accept value 'bogus'\n");
  t.equal(err(['-display', 'none,x=1']), "emu-legacy: -display none,x=1: Parameter 'x' is unexpected\n");
  t.equal(err(['-display', 'none,gl=maybe']), "emu-legacy: -display none,gl=maybe: Parameter 'gl' does not accept value 'maybe'\n");
  t.equal(err(['-display', 'none,full-screen=x']), "emu-legacy: -display none,full-screen=x: Parameter 'full-screen' expects 'on' or 'off'\n");
  t.equal(err(['-display', 'gtk,zoom-to-fit=on,x=1']), "emu-legacy: -display gtk,zoom-to-fit=on,x=1: Parameter 'x' is unexpected\n");
  t.equal(err(['-display', 'curses,charset=CP437']), '');
  const g = P(['-nographic']);
  t.same([g.nographic, plain(g.display?.args), g.machine.graphics], [true, { type: 'none' }, 'off']);
  t.same([P(['--print-config']).printConfig, P(['--print-commands']).printCommands], [true, true]);
});

t.test('help and version end parsing', async (t) => {
  t.same(plain(P(['-version']).earlyExit), { kind: 'version' });
  t.same(plain(P(['-h']).earlyExit), { kind: 'help' });
  t.same(plain(P(['--help']).earlyExit), { kind: 'help' });
  t.same(plain(P(['-M', 'help']).earlyExit), { kind: 'machine-help', machine: {} });
  t.same(plain(P(['-M', 'virt,help']).earlyExit), { kind: 'machine-help', machine: { type: 'virt' } });
  t.same(plain(P(['-accel', 'help']).earlyExit), { kind: 'accel-help' });
  t.same(plain(P(['-display', 'help']).earlyExit), { kind: 'display-help' });
  t.same(plain(P(['-smp', '1,help']).earlyExit), {
    kind: 'opts-help',
    status: 0,
    text: 'smp-opts options:\n  clusters=<num>\n  cores=<num>\n  cpus=<num>\n  dies=<num>\n  maxcpus=<num>\n  sockets=<num>\n  threads=<num>\n',
  });
  t.same(plain(P(['-boot', 'help']).earlyExit), {
    kind: 'opts-help',
    status: 0,
    text: 'boot-opts options:\n  menu=<bool (on/off)>\n  once=<str>\n  order=<str>\n  reboot-timeout=<num>\n  splash-time=<num>\n  splash=<str>\n  strict=<bool (on/off)>\n',
  });
  t.same(plain(P(['-m', '1G,help']).earlyExit), { kind: 'opts-help', status: 1, text: 'memory options:\n  maxmem=<size>\n  size=<size>\n  slots=<num>\n' });
  t.same(plain(P(['-mon', 'c,help']).earlyExit), { kind: 'opts-help', status: 1, text: 'mon options:\n  chardev=<str>\n  mode=<str>\n  pretty=<bool (on/off)>\n' });
  t.match(P(['-chardev', 'null,id=c,help']).earlyExit, { kind: 'opts-help', status: 1, text: /^chardev options:\n  abstract=<bool \(on\/off\)>\n  append=/ });
  t.match(plain(P(['-object', 'help']).earlyExit), { kind: 'object-help', type: '', loc: { args: ['-object', 'help'] } });
  t.match(plain(P(['-object', 'memory-backend-ram,help']).earlyExit), { kind: 'object-help', type: 'memory-backend-ram', loc: { args: ['-object', 'memory-backend-ram,help'] } });
  // options before the request are parsed; -device help and -cpu help are answered after parsing
  const p = P(['-m', '512', '-device', 'help', '-cpu', 'help', '-version', '-m', 'garbage']);
  t.same([p.earlyExit?.kind, p.memory?.opts.size, p.devices[0].opts.driver, p.cpu?.model], ['version', '512', 'help', 'help']);
});

t.test('short-form boolean warnings are printed in order, before a later error', async (t) => {
  t.equal(
    err(['-drive', 'file=d0.img,if=none,readonly', '-drive', 'file=d1.img,if=none,nosnapshot', '-m', 'garbage']),
    "emu-legacy: -drive file=d0.img,if=none,readonly: warning: short-form boolean option 'readonly' deprecated\nPlease use readonly=on instead\n" +
      "emu-legacy: -drive file=d1.img,if=none,nosnapshot: warning: short-form boolean option 'nosnapshot' deprecated\nPlease use snapshot=off instead\n" +
      "emu-legacy: -m garbage: Parameter 'size' expects a non-negative number below 2^64\n" +
      'Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n',
  );
  const r = run(['-drive', 'file=d0.img,if=none,readonly'], { drives: false });
  t.equal(r.parsed?.warnings.length, 1);
  t.equal(r.parsed?.drives[0].opts.readonly, 'on');
});

t.test('disk shorthands become -drive instances as drive_add makes them', async (t) => {
  const p = P(['disk0.img', '-hdb', 'b.img', '-hdc', 'c.img', '-hdd', 'd.img', '-cdrom', 'x.iso']);
  t.same(plain(p.drives.map((d) => [d.opts, d.loc.kind === 'cmdline' ? d.loc.args : []])), [
    [{ media: 'disk', index: '0', file: 'disk0.img' }, ['disk0.img']],
    [{ media: 'disk', index: '1', file: 'b.img' }, ['-hdb', 'b.img']],
    [{ media: 'disk', index: '2', file: 'c.img' }, ['-hdc', 'c.img']],
    [{ media: 'disk', index: '3', file: 'd.img' }, ['-hdd', 'd.img']],
    [{ media: 'cdrom', index: '2', file: 'x.iso' }, ['-cdrom', 'x.iso']],
  ]);
});

t.test('netdev is parse-only', async (t) => {
  const p = P(['-netdev', 'user,id=n0', '-netdev', '{"type":"user","id":"n1"}']);
  t.same(plain(p.netdevs.map((n) => ('opts' in n ? n.opts : n.args))), [{ type: 'user' }, { type: 'user', id: 'n1' }]);
  t.equal(p.defaultsOff.net, true);
});

t.test('help text lists every implemented option', async (t) => {
  const h = helpText('emu-legacy', 'emu-legacy 0.1.0');
  t.match(h, /^emu-legacy 0\.1\.0\nusage: emu-legacy \[options\] \[disk_image\]\n/);
  for (const o of OPTIONS) if (o.name !== 'help') t.match(h, new RegExp(`^-{1,2}${o.name}\\b`, 'm'), o.name);
  t.match(h, /^-drive \.\.\. +use a file as a drive image$/m);
  t.match(h, /^--print-config +print/m);
});
